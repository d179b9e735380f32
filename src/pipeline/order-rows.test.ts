/**
 * The row writer thread (order-rows.ts) writes, byte for byte, what this thread would: the
 * rows are rebuilt here from the same generators with the single-thread formatters (orderCsv,
 * LifecycleSimulator.stepsCsv) and compared with the files and the manifest's hashes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orderCsv } from '../domain/csv.ts';
import { CsvColumns } from '../domain/tables.ts';
import { LifecycleSimulator, type ShippingOf } from '../generator/lifecycle.ts';
import { generateOrders } from '../generator/orders.ts';
import { StockLedger } from '../generator/stock-ledger.ts';
import { generateSeedFiles } from './generate.ts';
import { BATCH_ORDERS } from './order-rows.ts';
import { readProducts } from './seed-files.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('generate: the row writer thread', () => {
  it('writes orders.csv and order_events.csv byte for byte as the single-thread formatters do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-rows-'));
    dirs.push(dir);
    // More than two batches, and a last one that is not full.
    const orders = 2 * BATCH_ORDERS + 1234;
    const seed = 5;
    const start = new Date('2025-01-01T00:00:00.000Z');
    const end = new Date('2025-03-31T00:00:00.000Z');
    const { manifest } = await generateSeedFiles({
      customers: 500,
      products: 40,
      orders,
      seed,
      start,
      end,
      outputDir: dir,
    });
    // Out-of-stock cancellations and returns are among the rows (each has its own reason).
    expect(manifest.totals.stock!.out_of_stock_orders).toBeGreaterThan(0);
    expect(manifest.totals.lifecycle!.final_status.returned).toBeGreaterThan(0);

    const prices: number[] = [];
    const shipping: (ShippingOf | null)[] = [];
    const initial: number[] = [];
    for await (const p of readProducts(dir, () => undefined)) {
      prices.push(p.price_cents);
      initial.push(p.stock_quantity);
      const s = p.supply?.supplier;
      shipping.push(s ? { supplierId: s.id, shippingDays: s.shipping_days } : null);
    }
    const endMs = end.getTime() + 86_400_000;
    const lifecycle = new LifecycleSimulator(seed, endMs);
    const stock = new StockLedger(initial);
    const orderRows = [CsvColumns.orders.join(',') + '\n'];
    const stepRows = [CsvColumns.orderEvents.join(',') + '\n'];
    for (const order of generateOrders(
      orders,
      { customers: 500, productPrices: prices, seed },
      { start, end: new Date(endMs) },
    )) {
      stock.advance(order.sold_ms);
      const inStock = stock.reserve(order.product_index, order.quantity);
      const steps = lifecycle.stepsCsv(
        order,
        order.sold_ms,
        shipping[order.product_index]!,
        inStock,
      );
      if (inStock) stock.settlePlan(order.product_index, order.quantity, steps.plan);
      orderRows.push(orderCsv(order));
      stepRows.push(steps.text);
    }

    for (const [file, rows] of [
      ['orders.csv', orderRows],
      ['order_events.csv', stepRows],
    ] as const) {
      const written = readFileSync(join(dir, file));
      const expected = Buffer.from(rows.join(''), 'latin1');
      expect(written.length, file).toBe(expected.length);
      expect(written.equals(expected), file).toBe(true);
      expect(manifest.files[file]).toEqual({
        rows: rows.join('').split('\n').length - 2, // the header, and the last newline
        bytes: expected.length,
        sha256: createHash('sha256').update(expected).digest('hex'),
      });
    }
  });

  it('stops with the run when it is interrupted: no file left open, none left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-rows-'));
    dirs.push(dir);
    const openInDir = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
        } catch {
          return false; // closed meanwhile
        }
      }).length;
    let openWhileRunning = 0;
    const controller = new AbortController();
    const run = generateSeedFiles({
      customers: 200,
      products: 30,
      orders: 200_000,
      seed: 3,
      start: new Date('2025-01-01T00:00:00.000Z'),
      end: new Date('2025-06-30T00:00:00.000Z'),
      outputDir: dir,
      signal: controller.signal,
      // Interrupted while the writer thread holds its two files open, with rows in them.
      onProgress: (p) => {
        if (p.file !== 'orders.csv' || p.rows < 100_000 || controller.signal.aborted) return;
        openWhileRunning = openInDir();
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(openWhileRunning).toBeGreaterThanOrEqual(5); // three streams here, two in the thread
    expect(openInDir()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
