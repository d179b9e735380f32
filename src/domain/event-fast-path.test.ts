/**
 * decodeOrderEvent accepts valid events through a hand-written fast path and sends everything
 * else to zod. Both must give the same verdict; this test mutates a valid event field by field
 * and compares the decoder with the zod schema alone.
 */
import { describe, expect, it } from 'vitest';
import type { Order } from './entities.ts';
import {
  decodeOrderEvent,
  OrderCreatedEventSchema,
  parseCanonical,
  utcMicros,
} from './event-decoding.ts';
import { orderCreatedEvent, orderCreatedJson } from './event.ts';
import { isUtcTimestamp, ORDER_LIMITS } from './order-rules.ts';

const { maxQuantity: MAX_QUANTITY, maxUnitPriceCents: MAX_UNIT_PRICE_CENTS } = ORDER_LIMITS;

const base = orderCreatedEvent(
  {
    id: 'ORD-00000042',
    product_id: 'PRD-00007',
    customer_id: 'CUS-000003',
    quantity: 2,
    unit_price_cents: 1999,
    sold_at: '2025-03-14T09:26:53.000Z',
  },
  new Date('2026-01-01T00:00:00.000Z'),
);

const odd: unknown[] = [
  undefined,
  null,
  '',
  'x',
  0,
  -1,
  1.5,
  2,
  '2',
  '19.999',
  '19.99',
  '-1.00',
  true,
  {},
  [],
  '2025-02-30T00:00:00Z',
  '2025-03-14 09:26:53',
  '2025-03-14T09:26:53Z',
  'ORD-1',
  'PRD-1',
  'CUS-1',
  'order_created',
  1e21,
  Number.NaN,
  // The warehouse's limits (INTEGER quantity, DECIMAL(12,2) price) and just past them.
  2_147_483_647,
  2_147_483_648,
  9_999_999_999.99,
  '9999999999.99',
  10_000_000_000,
  '10000000000.00',
];

function variants(): unknown[] {
  const out: unknown[] = [base, null, 42, 'text', [], { ...base, extra: 1 }];
  for (const key of Object.keys(base)) {
    for (const v of odd) {
      const copy = structuredClone(base) as unknown as Record<string, unknown>;
      if (v === undefined) delete copy[key];
      else copy[key] = v;
      out.push(copy);
    }
  }
  for (const key of Object.keys(base.order)) {
    for (const v of odd) {
      const copy = structuredClone(base) as unknown as { order: Record<string, unknown> };
      if (v === undefined) delete copy.order[key];
      else copy.order[key] = v;
      out.push(copy);
    }
  }
  return out;
}

describe('decodeOrderEvent fast path', () => {
  it('gives the same verdict as the zod schema on valid and broken events', () => {
    const cases = variants();
    let accepted = 0;
    for (const c of cases) {
      const text = JSON.stringify(c) ?? 'undefined';
      const zodSays = (() => {
        try {
          return OrderCreatedEventSchema.safeParse(JSON.parse(text)).success;
        } catch {
          return false;
        }
      })();
      const decoded = decodeOrderEvent(text);
      expect(decoded.ok, text).toBe(zodSays);
      if (decoded.ok) accepted++;
    }
    // Both verdicts occur, so the comparison means something.
    expect(accepted).toBeGreaterThan(5);
    expect(accepted).toBeLessThan(cases.length - 50);
  });

  it('returns the price in euros and the order id of an accepted event', () => {
    const decoded = decodeOrderEvent(
      JSON.stringify({ ...base, order: { ...base.order, unit_price: '19.90' } }),
    );
    expect(decoded).toMatchObject({
      ok: true,
      orderId: 'ORD-00000042',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(
      decoded.ok && 'unit_price' in decoded.event.order && decoded.event.order.unit_price,
    ).toBe(19.9);
  });
});

describe('isUtcTimestamp', () => {
  it('accepts real UTC instants and refuses impossible or non-UTC ones', () => {
    for (const ok of [
      '2025-03-14T09:26:53.000Z',
      '2024-02-29T23:59:59Z',
      '2000-02-29T00:00:00.5Z',
      '2025-12-31T00:00:00.123456Z',
    ]) {
      expect(isUtcTimestamp(ok), ok).toBe(true);
    }
    for (const bad of [
      '2025-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2025-04-31T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-00-10T00:00:00Z',
      '2025-01-00T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T00:60:00Z',
      '2025-01-01T00:00:60Z',
      '2025-01-01 00:00:00Z',
      '2025-01-01T00:00:00+01:00',
      '',
    ]) {
      expect(isUtcTimestamp(bad), bad).toBe(false);
    }
  });
});

describe('utcMicros', () => {
  it('gives the instant of a valid timestamp to the microsecond, over the whole range of years', () => {
    for (const text of [
      '1970-01-01T00:00:00Z',
      '2025-03-14T09:26:53.000Z',
      '2024-02-29T23:59:59Z',
      '2000-02-29T00:00:00.5Z',
      '1969-12-31T23:59:59.25Z',
      '2100-03-01T12:00:00Z',
      '0050-06-15T00:00:00Z',
    ]) {
      expect(utcMicros(text), text).toBe(BigInt(Date.parse(text)) * 1000n);
    }
    const micros = (iso: string, fraction: bigint) => BigInt(Date.parse(iso)) * 1000n + fraction;
    expect(utcMicros('2025-12-31T00:00:00.123456Z')).toBe(micros('2025-12-31T00:00:00Z', 123_456n));
    expect(utcMicros('2025-12-31T00:00:00.000001Z') % 1_000_000n).toBe(1n);
    // Beyond 2^53 µs a double drops the last microseconds: these need integer arithmetic.
    expect(utcMicros('9999-12-31T23:59:59.999999Z')).toBe(micros('9999-12-31T23:59:59Z', 999_999n));
    expect(utcMicros('2300-01-01T00:00:00.000001Z')).toBe(micros('2300-01-01T00:00:00Z', 1n));
    expect(utcMicros('0001-01-01T00:00:00.000001Z')).toBe(micros('0001-01-01T00:00:00Z', 1n));
  });
});

describe('parseCanonical', () => {
  it("reads our producer's layout as JSON.parse does, and leaves every other text to JSON.parse", () => {
    const canonical = JSON.stringify(base);
    expect(parseCanonical(canonical)).toEqual(JSON.parse(canonical));
    const texts = variants().map((c) => JSON.stringify(c) ?? 'undefined');
    // Edits of the text itself: escapes, control characters, spacing, number forms, a BOM…
    const edits: [string, string][] = [
      ['"ORD-00000042"', '"ORD-0000\\u00342"'],
      ['"ORD-00000042"', '"ORD-\\"0042"'],
      ['"ORD-00000042"', '"ORD-0000\u00012"'],
      ['"ORD-00000042"', '"ORD-\ud800042"'],
      ['"quantity":2', '"quantity":02'],
      ['"quantity":2', '"quantity":2.0'],
      ['"quantity":2', '"quantity":-0'],
      ['"quantity":2', '"quantity":2e0'],
      ['"quantity":2', '"quantity": 2'],
      ['"unit_price":19.99', '"unit_price":"19.99"'],
      ['"unit_price":19.99', '"unit_price":1999e-2'],
      ['"unit_price":19.99', '"unit_price":19.990'],
      ['"schema_version":1', '"schema_version":1.0'],
      ['{"event_id"', '\ufeff{"event_id"'],
      ['}}', '}}\n'],
      ['}}', '} }'],
    ];
    for (const [from, to] of edits) {
      expect(canonical.includes(from), from).toBe(true);
      texts.push(canonical.replace(from, to));
    }
    let read = 0;
    for (const text of texts) {
      const value = parseCanonical(text);
      if (value === undefined) continue;
      read++;
      expect(value, text).toEqual(JSON.parse(text));
    }
    // Many texts take the regular expression, so the comparison means something.
    expect(read).toBeGreaterThan(100);
    expect(read).toBeLessThan(texts.length);
  });
});

describe('orderCreatedJson', () => {
  it('writes exactly what JSON.stringify writes for the event, plain or odd fields', () => {
    const plain: Order = {
      id: 'ORD-00000042',
      product_id: 'PRD-00007',
      customer_id: 'CUS-000003',
      quantity: 2,
      unit_price_cents: 1999,
      sold_at: '2025-03-14T09:26:53.000Z',
    };
    const strings = ['ORD-1', 'a"b', 'back\\slash', 'é', 'tab\there', '\u0001', '\ud800', '', '~'];
    const orders: Order[] = [];
    for (const cents of [0, 1, 5, 10, 99, 100, 101, 1999, 5499, 123_456_789, MAX_UNIT_PRICE_CENTS])
      for (const quantity of [1, 2, 999, MAX_QUANTITY])
        orders.push({ ...plain, quantity, unit_price_cents: cents });
    for (const s of strings)
      for (const field of ['id', 'product_id', 'customer_id', 'sold_at'] as const)
        orders.push({ ...plain, [field]: s });
    orders.push({ ...plain, unit_price_cents: Number.NaN }, { ...plain, quantity: Infinity });
    let compared = 0;
    for (const timestamp of ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z"'])
      for (const order of orders) {
        const expected = JSON.stringify({ ...orderCreatedEvent(order), timestamp });
        expect(orderCreatedJson(order, timestamp), expected).toBe(expected);
        compared++;
      }
    expect(compared).toBe(2 * orders.length);
    // The text of a plain order is in the layout the ingest's fast path reads.
    expect(parseCanonical(orderCreatedJson(plain, '2026-01-01T00:00:00.000Z'))).toEqual(
      JSON.parse(orderCreatedJson(plain, '2026-01-01T00:00:00.000Z')),
    );
  });
});
