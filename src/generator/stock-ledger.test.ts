/**
 * The stock rule (domain/stock.ts) in generated files: replaying orders.csv and
 * order_events.csv in time order, no product's stock ever goes below zero, every order that
 * found too little stock reserved nothing (and only such orders are cancelled as out of
 * stock), and what is left is stock.csv's final_stock and the manifest's totals.stock.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stockDigest } from '../domain/stock.ts';
import { generateSeedFiles } from '../pipeline/generate.ts';
import { readLifecycleChunks, readOrders } from '../pipeline/seed-files.ts';
import type { LifecyclePlan } from './lifecycle.ts';
import { StockLedger } from './stock-ledger.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

describe('stock in generated files', () => {
  it('never oversells, and ends as stock.csv and the manifest say', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stock-'));
    dirs.push(dir);
    // Few products for many orders: best-sellers run out, so the rule is exercised.
    const { manifest } = await generateSeedFiles({
      customers: 300,
      products: 40,
      orders: 30_000,
      seed: 11,
      start: new Date('2025-01-01T00:00:00.000Z'),
      end: new Date('2025-06-30T00:00:00.000Z'),
      outputDir: dir,
    });
    const stockRows = csvRows(join(dir, 'stock.csv'));
    const left = new Map(stockRows.map(([id, initial]) => [id!, Number(initial)]));
    const orders = new Map<string, { product: string; units: number; reserved: boolean }>();
    type Move = {
      at: number;
      kind: 0 | 1;
      seq: number;
      order: string;
      type: string;
      reason: string;
    };
    const moves: Move[] = [];
    let seq = 0;
    for await (const r of readOrders(dir)) {
      if (!r.ok) throw new Error(JSON.stringify(r));
      orders.set(r.row.id, { product: r.row.product_id, units: r.row.quantity, reserved: false });
      moves.push({
        at: Date.parse(r.row.sold_at),
        kind: 1,
        seq: seq++,
        order: r.row.id,
        type: 'order_created',
        reason: '',
      });
    }
    for await (const rows of readLifecycleChunks(dir))
      for (const r of rows) {
        if (!r.ok) throw new Error(JSON.stringify(r));
        const s = r.row;
        if (s.event_type === 'order_cancelled' || s.event_type === 'order_returned')
          moves.push({
            at: Date.parse(s.at),
            kind: 0,
            seq: seq++,
            order: s.order_id,
            type: s.event_type,
            reason: s.reason ?? '',
          });
      }
    // Releases of a second before the creations of that second, as the ledger does.
    moves.sort((a, b) => a.at - b.at || a.kind - b.kind || a.seq - b.seq);
    let outOfStock = 0;
    let lowest = Number.POSITIVE_INFINITY;
    for (const m of moves) {
      const o = orders.get(m.order)!;
      if (m.kind === 1) {
        const units = left.get(o.product)!;
        o.reserved = units >= o.units;
        if (o.reserved) left.set(o.product, units - o.units);
        else outOfStock++;
        lowest = Math.min(lowest, left.get(o.product)!);
      } else {
        if (m.reason === 'out_of_stock') expect(o.reserved, m.order).toBe(false);
        if (o.reserved) left.set(o.product, left.get(o.product)! + o.units);
        else expect(['out_of_stock', 'unpaid'], `${m.order} ${m.type}`).toContain(m.reason);
      }
    }
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(outOfStock).toBeGreaterThan(0);
    for (const [id, , final] of stockRows) expect(left.get(id!), id).toBe(Number(final));
    const totals = manifest.totals.stock!;
    expect(totals.out_of_stock_orders).toBe(outOfStock);
    expect(totals.final_units).toBe(stockRows.reduce((a, r) => a + Number(r[2]), 0));
    expect(totals.initial_units).toBe(stockRows.reduce((a, r) => a + Number(r[1]), 0));
    expect(totals.reserved_units).toBe(totals.initial_units - totals.final_units);
    expect(totals.products_sold_out).toBe(stockRows.filter((r) => r[2] === '0').length);
    expect(totals.final_sha256).toBe(stockDigest(stockRows.map(([id, , f]) => [id!, Number(f)])));
    expect(manifest.files['stock.csv']?.rows).toBe(40);
    // inventory.csv's stock is the initial stock.
    const inventory = csvRows(join(dir, 'inventory.csv'));
    expect(inventory.map((r) => Number(r[4]))).toEqual(stockRows.map((r) => Number(r[1])));
  });
});

describe('StockLedger', () => {
  const plan = (types: LifecyclePlan['types'], at: number[]): LifecyclePlan => ({
    orderId: 'ORD-1',
    length: types.length,
    types,
    at,
    supplierId: '',
    trackingId: '',
    reason: '',
  });

  it('reserves while there is stock, then refuses; a release comes back at its time', () => {
    const ledger = new StockLedger([3]);
    expect(ledger.reserve(0, 2)).toBe(true);
    ledger.settlePlan(0, 2, plan(['order_paid', 'order_cancelled'], [1000, 5_000]));
    expect(ledger.reserve(0, 2)).toBe(false);
    expect(ledger.outOfStockOrders).toBe(1);
    ledger.advance(4_999);
    expect(ledger.left[0]).toBe(1);
    ledger.advance(5_000);
    expect(ledger.left[0]).toBe(3);
    expect(ledger.pendingReleases).toBe(0);
  });

  it('keeps the units of a delivered order; gives back a return, and what the stream releases', () => {
    const ledger = new StockLedger([5]);
    ledger.reserve(0, 1);
    ledger.settlePlan(0, 1, plan(['order_paid', 'order_shipped', 'order_delivered'], [1, 2, 3]));
    ledger.reserve(0, 2);
    ledger.settlePlan(
      0,
      2,
      plan(['order_paid', 'order_shipped', 'order_delivered', 'order_returned'], [1, 2, 3, 9_000]),
    );
    ledger.advance(Number.POSITIVE_INFINITY);
    expect(ledger.left[0]).toBe(4);
    ledger.reserve(0, 4);
    ledger.release(0, 4);
    expect(ledger.left[0]).toBe(4);
  });
});
