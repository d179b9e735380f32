import { rawEventOf } from '../../src/pipeline/decoder.ts';
/**
 * A real DuckDB warehouse in a fresh temp dir, for tests that need RAW, PROD and the task:
 * setup, the given customers and products loaded, the given orders ingested as bus events
 * (through `warehouse.ingest`, like the consumer does) and the task run once. The dir is
 * removed when the test finishes.
 *
 *   const fx = await openWarehouseFixture({ customers, products, orders });
 *   await fx.ingestOrders([late]);          // more RAW rows (stream backlog until the task runs)
 *   await fx.sql('UPDATE orders SET …');    // simulate damage a check must catch
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.ts';
import {
  centsToDecimal,
  entityId,
  type Customer,
  type Order,
  type Product,
} from '../../src/domain/entities.ts';
import { orderCreatedEvent } from '../../src/domain/event.ts';
import type { Manifest } from '../../src/domain/manifest.ts';
import { marginTotals } from '../../src/domain/margin.ts';
import { stockDigest } from '../../src/domain/stock.ts';
import { SeedFiles } from '../../src/domain/tables.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.ts';
import type {
  DeadLetter,
  IngestResult,
  RawEvent,
  SqlParams,
  TaskRun,
} from '../../src/warehouse/types.ts';

export const TEST_TOPIC = 'orders_topic';
export const TEST_GROUP = 'test-group';

export interface FixtureData {
  customers?: Customer[];
  products?: Product[];
  /** Ingested as one batch of `order_created` events (offsets 0…n-1 on partition 0). */
  orders?: Order[];
  /** Dead letters stored by the ingest in the same batch. */
  rejected?: DeadLetter[];
  /** Run the task once after ingesting (default true). */
  runTask?: boolean;
  /** Extra environment for the fixture's config (FRESHNESS_THRESHOLD…). */
  env?: Record<string, string>;
}

export interface WarehouseFixture {
  dir: string;
  duckdbPath: string;
  seedDir: string;
  reportsDir: string;
  warehouse: DuckDbWarehouse;
  /** Loaded like the CLI would, with DUCKDB_PATH / SEED_DIR / REPORTS_DIR in the temp dir. */
  config: Config;
  /** Publishes-and-ingests orders as new bus records (next offsets), without running the task. */
  ingestOrders(orders: Order[], rejected?: DeadLetter[]): Promise<IngestResult>;
  runTask(options?: Parameters<DuckDbWarehouse['runTask']>[0]): Promise<TaskRun>;
  /** Runs any statement on the warehouse (to damage it on purpose). */
  sql(statement: string, params?: SqlParams): Promise<Record<string, unknown>[]>;
  /** Writes `<seedDir>/manifest.json` with the control totals of `orders`; returns its path. */
  writeManifest(orders: Order[], edit?: (manifest: Manifest) => void): Promise<string>;
  close(): Promise<void>;
}

export function makeCustomers(n: number): Customer[] {
  return Array.from({ length: n }, (_, i) => ({
    id: entityId('customer', i + 1),
    name: `Customer ${i + 1}`,
    email: `customer${i + 1}@example.fr`,
    city: 'Lyon',
    country: 'France',
  }));
}

/** `n` products with a supplier and per-unit costs (strip `supply` for an old inventory). */
export function makeProducts(n: number): Product[] {
  const prices = [1999, 4550, 8999, 1250, 3333];
  return Array.from({ length: n }, (_, i) => {
    const price = prices[i % prices.length]!;
    return {
      id: entityId('product', i + 1),
      product_name: `Product ${i + 1}`,
      category: 'T-Shirts',
      price_cents: price,
      stock_quantity: 100,
      supply: {
        supplier: {
          id: entityId('supplier', 1 + (i % 2)),
          name: `Supplier ${1 + (i % 2)}`,
          country: 'Portugal',
          shipping_days: 4,
        },
        supplier_cost_cents: Math.round(price * 0.35),
        shipping_cost_cents: 300 + i,
      },
    };
  });
}

/** `n` orders over the given customers and products, at the catalogue price. */
export function makeOrders(
  n: number,
  customers: Customer[],
  products: Product[],
  options: { firstId?: number; idPrefix?: string } = {},
): Order[] {
  const first = options.firstId ?? 1;
  return Array.from({ length: n }, (_, i) => {
    const product = products[i % products.length]!;
    const id = options.idPrefix
      ? `${options.idPrefix}${String(first + i).padStart(6, '0')}`
      : entityId('order', first + i);
    return {
      id,
      product_id: product.id,
      customer_id: customers[i % customers.length]!.id,
      quantity: 1 + (i % 3),
      unit_price_cents: product.price_cents,
      sold_at: new Date(Date.UTC(2025, 2, 1, 10, i)).toISOString(),
    };
  });
}

/**
 * The manifest `generate` would write for these orders; with `catalogue`, its margin totals too
 * (null when an ordered product has no costs, as generate writes it).
 */
export function manifestFor(
  orders: Order[],
  customers = 0,
  products = 0,
  catalogue?: Product[],
): Manifest {
  const revenue = orders.reduce((sum, o) => sum + o.quantity * o.unit_price_cents, 0);
  const sold = orders.map((o) => o.sold_at).sort();
  return {
    generator: 'dropship-pipeline',
    format_version: 1,
    arguments: {
      customers,
      products,
      orders: orders.length,
      seed: 1,
      start: '2025-03-01',
      end: '2025-03-31',
    },
    files: {},
    totals: {
      customers,
      products,
      orders: orders.length,
      items_sold: orders.reduce((sum, o) => sum + o.quantity, 0),
      revenue: centsToDecimal(revenue),
      revenue_cents: revenue,
      first_sold_at: sold[0] ?? null,
      last_sold_at: sold.at(-1) ?? null,
      ...(catalogue ? { margin: marginOf(orders, catalogue, revenue) } : {}),
      ...(catalogue ? { stock: stockOf(orders, catalogue) } : {}),
      // The fixture's orders have no lifecycle steps: all of them stay created.
      lifecycle: {
        events: { order_created: orders.length },
        final_status: { created: orders.length },
        returned_revenue: '0.00',
        returned_revenue_cents: 0,
        cancelled_revenue: '0.00',
        cancelled_revenue_cents: 0,
        net_revenue: centsToDecimal(revenue),
        net_revenue_cents: revenue,
      },
    },
  };
}

/** The stock totals (domain/stock.ts): every fixture order stays created, so each holds its units. */
function stockOf(orders: Order[], catalogue: Product[]) {
  const final = new Map(catalogue.map((p) => [p.id, p.stock_quantity]));
  for (const o of orders) final.set(o.product_id, (final.get(o.product_id) ?? 0) - o.quantity);
  const initial = catalogue.reduce((sum, p) => sum + p.stock_quantity, 0);
  const finalUnits = [...final.values()].reduce((sum, n) => sum + n, 0);
  return {
    initial_units: initial,
    final_units: finalUnits,
    reserved_units: initial - finalUnits,
    out_of_stock_orders: 0,
    products_sold_out: [...final.values()].filter((n) => n <= 0).length,
    final_sha256: stockDigest(final),
  };
}

function marginOf(orders: Order[], catalogue: Product[], revenueCents: number) {
  let supplier = 0;
  let shipping = 0;
  for (const o of orders) {
    const supply = catalogue.find((p) => p.id === o.product_id)?.supply;
    if (!supply) return null;
    supplier += o.quantity * supply.supplier_cost_cents;
    shipping += o.quantity * supply.shipping_cost_cents;
  }
  return marginTotals(revenueCents, supplier, shipping);
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

export async function openWarehouseFixture(data: FixtureData = {}): Promise<WarehouseFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-validation-'));
  const duckdbPath = join(dir, 'warehouse.duckdb');
  const seedDir = join(dir, 'seed');
  const reportsDir = join(dir, 'reports');
  await mkdir(seedDir, { recursive: true });
  const { config } = loadConfig({
    env: { DUCKDB_PATH: duckdbPath, SEED_DIR: seedDir, REPORTS_DIR: reportsDir, ...data.env },
    cwd: dir,
  });
  const warehouse = await DuckDbWarehouse.open(duckdbPath);
  let nextOffset = 0n;
  let closed = false;

  const fixture: WarehouseFixture = {
    dir,
    duckdbPath,
    seedDir,
    reportsDir,
    warehouse,
    config,
    async ingestOrders(orders, rejected = []) {
      const accepted: RawEvent[] = orders.map((order) => {
        const event = orderCreatedEvent(order);
        return rawEventOf(event, { topic: TEST_TOPIC, partition: 0, offset: nextOffset++ });
      });
      const withOffsets = rejected.map((d) => ({
        ...d,
        coordinates: d.coordinates ?? { topic: TEST_TOPIC, partition: 0, offset: nextOffset++ },
      }));
      return warehouse.ingest({
        consumerGroup: TEST_GROUP,
        chunks: [{ accepted, rejected: withOffsets }],
      });
    },
    runTask: (options) => warehouse.runTask(options),
    sql: (statement, params) => warehouse.query(statement, params),
    async writeManifest(orders, edit) {
      const manifest = manifestFor(
        orders,
        data.customers?.length ?? 0,
        data.products?.length ?? 0,
        data.products ?? [],
      );
      edit?.(manifest);
      const path = join(seedDir, SeedFiles.manifest);
      await writeFile(path, JSON.stringify(manifest, null, 2));
      return path;
    },
    async close() {
      if (closed) return;
      closed = true;
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  onTestFinished(() => fixture.close());

  await warehouse.setup();
  await warehouse.loadReferenceData(each(data.customers ?? []), each(data.products ?? []));
  if ((data.orders?.length ?? 0) > 0 || (data.rejected?.length ?? 0) > 0)
    await fixture.ingestOrders(data.orders ?? [], data.rejected ?? []);
  if (data.runTask ?? true) {
    const run = await warehouse.runTask();
    if (run.state === 'FAILED') throw new Error(`fixture task run failed: ${run.errorMessage}`);
  }
  return fixture;
}

/** A dead letter as the ingest stores it for an unreadable record. */
export function deadLetter(reason: DeadLetter['reason'], detail = 'test'): DeadLetter {
  return { coordinates: null, reason, detail, rawValue: '{oops', eventId: null, orderId: null };
}
