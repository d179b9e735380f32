import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleCsv } from '../domain/csv.ts';
import type { Order } from '../domain/entities.ts';
import {
  lifecycleProblem,
  ORDER_STATUSES,
  STATUS_OF,
  type LifecycleStep,
} from '../domain/lifecycle.ts';
import { generateSeedFiles } from '../pipeline/generate.ts';
import { readLifecycleChunks, readOrders, readProducts } from '../pipeline/seed-files.ts';
import { LifecycleSimulator, type ShippingOf } from './lifecycle.ts';
import { StockLedger } from './stock-ledger.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function generate(seed: number, end = '2025-06-30') {
  const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
  dirs.push(dir);
  const { manifest } = await generateSeedFiles({
    customers: 300,
    products: 60,
    orders: 20_000,
    seed,
    start: new Date('2025-01-01T00:00:00.000Z'),
    end: new Date(`${end}T00:00:00.000Z`),
    outputDir: dir,
  });
  const steps: LifecycleStep[] = [];
  for await (const rows of readLifecycleChunks(dir)) {
    for (const r of rows) {
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (r.ok) steps.push(r.row);
    }
  }
  return { dir, manifest, steps };
}

describe('generated order lifecycle', () => {
  it('is deterministic: same seed, same order_events.csv; another seed, another', async () => {
    const a = await generate(7);
    const b = await generate(7);
    const c = await generate(8);
    const text = (d: string) => readFileSync(join(d, 'order_events.csv'), 'utf8');
    expect(text(a.dir)).toBe(text(b.dir));
    expect(text(a.dir)).not.toBe(text(c.dir));
    expect(a.manifest.files['order_events.csv']!.rows).toBe(a.steps.length);
  });

  it('has realistic shares, valid steps in time order, none after the period, and totals that match the file', async () => {
    const { manifest, steps } = await generate(42);
    const end = '2025-07-01T00:00:00.000Z';
    const byOrder = new Map<string, LifecycleStep[]>();
    for (const s of steps) {
      expect(s.at < end).toBe(true);
      byOrder.set(s.order_id, [...(byOrder.get(s.order_id) ?? []), s]);
    }
    const events: Record<string, number> = { order_created: 20_000 };
    const status: Record<string, number> = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0]));
    status.created = 20_000 - byOrder.size;
    for (const list of byOrder.values()) {
      for (let i = 1; i < list.length; i++) expect(list[i]!.at > list[i - 1]!.at).toBe(true);
      const types = list.map((s) => s.event_type);
      // Only the paths of the lifecycle: cancelled before shipping, returned after delivery.
      expect([
        'order_cancelled',
        'order_paid',
        'order_paid,order_cancelled',
        'order_paid,order_shipped',
        'order_paid,order_shipped,order_delivered',
        'order_paid,order_shipped,order_delivered,order_returned',
      ]).toContain(types.join(','));
      for (const t of types) events[t] = (events[t] ?? 0) + 1;
      status[STATUS_OF[list.at(-1)!.event_type]]!++;
    }
    const totals = manifest.totals.lifecycle!;
    expect(totals.events).toEqual(events);
    expect(totals.final_status).toEqual(status);
    const cancelled = status.cancelled! / 20_000;
    expect(cancelled).toBeGreaterThan(0.03);
    expect(cancelled).toBeLessThan(0.07);
    const returned = events.order_returned! / events.order_delivered!;
    expect(returned).toBeGreaterThan(0.18);
    expect(returned).toBeLessThan(0.26);
    expect(totals.net_revenue_cents).toBe(
      manifest.totals.revenue_cents -
        totals.returned_revenue_cents -
        totals.cancelled_revenue_cents,
    );
  });
});

describe('LifecycleSimulator.plan', () => {
  it('is what the CSV says: the same steps, times and details for the same seed', async () => {
    const { dir } = await generate(11);
    const orders: Order[] = [];
    for await (const r of readOrders(dir)) if (r.ok) orders.push(r.row);
    const shipping = new Map<string, ShippingOf | null>();
    const productIndex = new Map<string, number>();
    const initialStock: number[] = [];
    for await (const p of readProducts(dir, () => undefined)) {
      const s = p.supply?.supplier;
      shipping.set(p.id, s ? { supplierId: s.id, shippingDays: s.shipping_days } : null);
      productIndex.set(p.id, initialStock.length);
      initialStock.push(p.stock_quantity);
    }
    // The stock decides which orders are out of stock, from inventory.csv's initial stock.
    const stock = new StockLedger(initialStock);
    const fromCsv: string[] = [];
    for await (const rows of readLifecycleChunks(dir))
      for (const r of rows) if (r.ok) fromCsv.push(lifecycleCsv(r.row));
    // The stream's view of the same decisions: planned steps, timed from the sale.
    const simulator = new LifecycleSimulator(11, Date.parse('2025-07-01T00:00:00.000Z'));
    const fromPlan: string[] = [];
    for (const order of orders) {
      const sold = Date.parse(order.sold_at);
      const product = productIndex.get(order.product_id)!;
      stock.advance(sold);
      const inStock = stock.reserve(product, order.quantity);
      const planned = simulator.planned(order, sold, shipping.get(order.product_id)!, inStock);
      const last = planned.at(-1);
      if (inStock && last)
        stock.settle(product, order.quantity, last.step.event_type, sold + last.afterSaleMs);
      for (const { afterSaleMs, step } of planned)
        // order_events.csv writes whole seconds.
        fromPlan.push(
          lifecycleCsv({
            ...step,
            at: new Date(Math.floor((sold + afterSaleMs) / 1000) * 1000).toISOString(),
          }),
        );
    }
    expect(fromPlan.length).toBeGreaterThan(orders.length * 3);
    expect(fromPlan).toEqual(fromCsv);
  });

  it('plans whole lifecycles with no end of period (the live stream)', () => {
    const simulator = new LifecycleSimulator(3, Number.POSITIVE_INFINITY);
    const order: Order = {
      id: 'ORD-LTEST-000001',
      product_id: 'PRD-00001',
      customer_id: 'CUS-000001',
      quantity: 1,
      unit_price_cents: 1999,
      sold_at: '2025-03-01T10:00:00.000Z',
    };
    const paths = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const steps = simulator.planned(order, 0, { supplierId: 'SUP-002', shippingDays: 5 });
      for (let k = 1; k < steps.length; k++)
        expect(steps[k]!.afterSaleMs).toBeGreaterThan(steps[k - 1]!.afterSaleMs);
      for (const { step } of steps)
        expect(lifecycleProblem({ ...step, at: '2025-03-01T10:00:00.000Z' })).toBeNull();
      paths.add(steps.map((s) => s.step.event_type).join(','));
    }
    expect(paths).toContain('order_paid,order_shipped,order_delivered');
    expect(paths).toContain('order_paid,order_shipped,order_delivered,order_returned');
  });
});
