import { describe, expect, it } from 'vitest';
import { entityId, ID_PATTERN, type Order } from '../domain/entities.ts';
import { orderProblem } from '../domain/order-rules.ts';
import { generateOrders, LiveOrders, type OrderShape } from './orders.ts';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;
const DAY_MS = 86_400_000;

function shape(seed = 42, products = 50, customers = 300): OrderShape {
  // Distinct prices so a price identifies its product.
  return {
    customers,
    productPrices: Array.from({ length: products }, (_, i) => 1000 + i * 100 + 99),
    seed,
  };
}

const YEAR_2025 = {
  start: new Date('2025-01-01T00:00:00.000Z'),
  end: new Date('2026-01-01T00:00:00.000Z'),
};

function collect(count: number, s: OrderShape, period: { start: Date; end: Date }): Order[] {
  return [...generateOrders(count, s, period)];
}

function countByDay(orders: readonly Order[]): Map<string, number> {
  const days = new Map<string, number>();
  for (const o of orders)
    days.set(o.sold_at.slice(0, 10), (days.get(o.sold_at.slice(0, 10)) ?? 0) + 1);
  return days;
}

describe('generateOrders', () => {
  it('yields exactly `count` orders with sequential ids, sorted by sold_at', () => {
    const orders = collect(5000, shape(), YEAR_2025);
    expect(orders).toHaveLength(5000);
    orders.forEach((o, i) => expect(o.id).toBe(entityId('order', i + 1)));
    expect(orders[0]!.id).toBe('ORD-00000001');
    for (let i = 1; i < orders.length; i++)
      expect(orders[i]!.sold_at >= orders[i - 1]!.sold_at).toBe(true);
  });

  it('yields only orders that pass the rules every reader applies (domain/order-rules.ts)', () => {
    const problems = collect(5000, shape(), YEAR_2025)
      .map((o) => orderProblem(o))
      .filter((p) => p !== null);
    expect(problems).toEqual([]);
    const live = new LiveOrders({ ...shape(), seed: 3 });
    const liveProblems = Array.from({ length: 500 }, () => orderProblem(live.next())).filter(
      (p) => p !== null,
    );
    expect(liveProblems).toEqual([]);
  });

  it('yields nothing for 0 orders', () => {
    expect(collect(0, shape(), YEAR_2025)).toEqual([]);
  });

  it('keeps every sold_at inside the period, ISO-8601 UTC with ms', () => {
    const period = {
      start: new Date('2025-03-01T00:00:00.000Z'),
      end: new Date('2025-03-08T00:00:00.000Z'),
    };
    const orders = collect(3000, shape(), period);
    for (const o of orders) {
      expect(o.sold_at).toMatch(ISO_MS);
      const t = Date.parse(o.sold_at);
      expect(t).toBeGreaterThanOrEqual(period.start.getTime());
      expect(t).toBeLessThan(period.end.getTime());
      expect(new Date(t).toISOString()).toBe(o.sold_at);
    }
    // The whole week is used, not just its first hours.
    expect(countByDay(orders).size).toBe(7);
  });

  it('handles a period shorter than an hour and a partial last hour', () => {
    const short = {
      start: new Date('2025-06-01T10:00:00.000Z'),
      end: new Date('2025-06-01T10:20:00.000Z'),
    };
    const orders = collect(100, shape(), short);
    expect(orders).toHaveLength(100);
    for (const o of orders)
      expect(
        o.sold_at >= '2025-06-01T10:00:00.000Z' && o.sold_at < '2025-06-01T10:20:00.000Z',
      ).toBe(true);

    const partial = {
      start: new Date('2025-06-01T10:00:00.000Z'),
      end: new Date('2025-06-01T12:30:00.000Z'),
    };
    for (const o of collect(500, shape(), partial))
      expect(o.sold_at < '2025-06-01T12:30:00.000Z').toBe(true);
  });

  it('is deterministic for the same seed and differs for another seed', () => {
    const a = collect(2000, shape(7), YEAR_2025);
    expect(collect(2000, shape(7), YEAR_2025)).toEqual(a);
    const b = collect(2000, shape(8), YEAR_2025);
    expect(b).not.toEqual(a);
    expect(b.map((o) => o.product_id)).not.toEqual(a.map((o) => o.product_id));
  });

  it('references existing products and customers and carries the catalogue price', () => {
    const s = shape(3, 40, 250);
    const products = new Set(s.productPrices.map((_, i) => entityId('product', i + 1)));
    const customers = new Set(
      Array.from({ length: s.customers }, (_, i) => entityId('customer', i + 1)),
    );
    for (const o of collect(4000, s, YEAR_2025)) {
      expect(products.has(o.product_id)).toBe(true);
      expect(customers.has(o.customer_id)).toBe(true);
      const index = Number(o.product_id.slice(4)) - 1;
      expect(o.unit_price_cents).toBe(s.productPrices[index]);
    }
  });

  it('draws quantities of 1 to 6, mostly 1', () => {
    const orders = collect(10_000, shape(), YEAR_2025);
    const quantities = orders.map((o) => o.quantity);
    expect(Math.min(...quantities)).toBe(1);
    expect(Math.max(...quantities)).toBeLessThanOrEqual(6);
    for (const q of quantities) expect(Number.isInteger(q)).toBe(true);
    const ones = quantities.filter((q) => q === 1).length / quantities.length;
    expect(ones).toBeGreaterThan(0.65);
    expect(ones).toBeLessThan(0.8);
  });

  it('makes random products the best-sellers, not PRD-00001', () => {
    const counts = new Map<string, number>();
    for (const o of collect(20_000, shape(42, 200, 1000), YEAR_2025))
      counts.set(o.product_id, (counts.get(o.product_id) ?? 0) + 1);
    const top5 = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([id]) => id);
    expect(top5).not.toEqual(['PRD-00001', 'PRD-00002', 'PRD-00003', 'PRD-00004', 'PRD-00005']);
  });

  it('puts more orders in December than in August (seasonality)', () => {
    const days = countByDay(collect(50_000, shape(), YEAR_2025));
    const month = (m: string) =>
      [...days.entries()].filter(([d]) => d.startsWith(m)).reduce((a, [, n]) => a + n, 0);
    // December (×1.45, Christmas cut-off after the 21st) vs August (×0.85).
    expect(month('2025-12')).toBeGreaterThan(month('2025-08') * 1.2);
  });

  it.each([
    // Black Friday is the day after the 4th Thursday of November; in 2024 that is the 29th.
    {
      year: 2024,
      blackFriday: '2024-11-29',
      normalFriday: '2024-11-15',
      cyberMonday: '2024-12-02',
      normalMonday: '2024-12-09',
    },
    {
      year: 2025,
      blackFriday: '2025-11-28',
      normalFriday: '2025-11-14',
      cyberMonday: '2025-12-01',
      normalMonday: '2025-12-08',
    },
  ])(
    'boosts the Black Friday weekend through Cyber Monday ($year)',
    ({ year, blackFriday, normalFriday, cyberMonday, normalMonday }) => {
      const period = {
        start: new Date(Date.UTC(year, 10, 1)),
        end: new Date(Date.UTC(year, 11, 15)),
      };
      const days = countByDay(collect(60_000, shape(), period));
      const at = (day: string) => days.get(day) ?? 0;
      expect(at(blackFriday)).toBeGreaterThan(1.8 * at(normalFriday));
      expect(at(cyberMonday)).toBeGreaterThan(1.8 * at(normalMonday));
      // The week before Black Friday is not boosted.
      const weekBefore = new Date(Date.parse(`${blackFriday}T00:00:00Z`) - 7 * DAY_MS)
        .toISOString()
        .slice(0, 10);
      expect(at(weekBefore)).toBeLessThan(1.3 * at(normalFriday));
    },
  );
});

describe('LiveOrders', () => {
  it('sells now, with ids that cannot collide with generated history', () => {
    const now = new Date('2025-05-05T12:34:56.789Z');
    const live = new LiveOrders(shape(), now);
    const first = live.next(now);
    const second = live.next(new Date('2025-05-05T12:35:00.001Z'));
    expect(first.sold_at).toBe('2025-05-05T12:34:56.000Z');
    expect(second.sold_at).toBe('2025-05-05T12:35:00.000Z');
    expect(first.id).toMatch(/^ORD-L[0-9A-Z]+-000001$/);
    expect(second.id).toMatch(/^ORD-L[0-9A-Z]+-000002$/);
    expect(first.id).toMatch(ID_PATTERN.order);
    expect(first.id).not.toMatch(/^ORD-\d{8}$/);
  });

  it('is reproducible for the same start instant and draws from the catalogue', () => {
    const now = new Date('2025-05-05T12:00:00.000Z');
    const s = shape(5, 30, 100);
    const a = new LiveOrders(s, now);
    const b = new LiveOrders(s, now);
    for (let i = 0; i < 200; i++) {
      const o = a.next(now);
      expect(b.next(now)).toEqual(o);
      const index = Number(o.product_id.slice(4)) - 1;
      expect(index).toBeGreaterThanOrEqual(0);
      expect(o.unit_price_cents).toBe(s.productPrices[index]);
      expect(Number(o.customer_id.slice(4))).toBeLessThanOrEqual(s.customers);
    }
  });
});
