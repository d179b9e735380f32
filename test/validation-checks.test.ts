/**
 * Every validation check against a real DuckDB warehouse in a temp dir: one case where it
 * passes, and cases where it warns or fails for the reason it exists. Damage a check must
 * catch (a duplicate id, a null, an orphan…) is made with SQL on the test's own warehouse, the
 * way a buggy writer would leave it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Order, Product } from '../src/domain/entities.ts';
import { marginTotals } from '../src/domain/margin.ts';
import { stockDigest } from '../src/domain/stock.ts';
import { TASK_NAME } from '../src/domain/tables.ts';
import { PipelineError } from '../src/errors.ts';
import { withProdOrdersUnavailable } from './helpers/faults.ts';
import {
  runValidation,
  type CheckResult,
  type ValidationReport,
} from '../src/validation/validate.ts';
import {
  deadLetter,
  makeCustomers,
  makeOrders,
  makeProducts,
  openWarehouseFixture,
  type FixtureData,
  type WarehouseFixture,
} from './helpers/warehouse-fixture.ts';

const customers = makeCustomers(3);
const products = makeProducts(3);
const orders = makeOrders(6, customers, products);
const BASE: FixtureData = { customers, products, orders };

async function validate(
  fx: WarehouseFixture,
  options: { now?: Date; manifestPath?: string | null } = {},
): Promise<ValidationReport> {
  return runValidation(fx.warehouse, { config: fx.config, ...options });
}

async function check(
  fx: WarehouseFixture,
  name: string,
  options: { now?: Date; manifestPath?: string | null } = {},
): Promise<CheckResult> {
  const report = await validate(fx, options);
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

/** PROD `orders` rebuilt without its constraints (PRIMARY KEY, NOT NULL), as a careless DDL would leave it. */
async function looseOrdersTable(fx: WarehouseFixture): Promise<void> {
  await fx.sql('CREATE TABLE orders_loose AS SELECT * FROM orders');
  await fx.sql('DROP TABLE orders');
  await fx.sql('ALTER TABLE orders_loose RENAME TO orders');
}

describe('raw_vs_prod_counts', () => {
  it('passes when every RAW order is in PROD', async () => {
    const fx = await openWarehouseFixture(BASE);
    const c = await check(fx, 'raw_vs_prod_counts');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      raw_order_ids: 6,
      prod_orders: 6,
      expected_prod_orders: 6,
      backlog_rows: 0,
      missing_from_prod: 0,
    });
  });

  it('passes when the task quarantined an order with an unknown customer (accounted for)', async () => {
    const stray = {
      ...makeOrders(1, customers, products, { firstId: 100 })[0]!,
      customer_id: 'CUS-999999',
    };
    const fx = await openWarehouseFixture({ ...BASE, orders: [...orders, stray] });
    const c = await check(fx, 'raw_vs_prod_counts');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      raw_order_ids: 7,
      quarantined_order_ids: 1,
      expected_prod_orders: 6,
      prod_orders: 6,
    });
  });

  it('warns with the backlog size when RAW rows wait for the next task run', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.ingestOrders(makeOrders(2, customers, products, { firstId: 50 }));
    const c = await check(fx, 'raw_vs_prod_counts');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.metrics).toMatchObject({
      backlog_rows: 2,
      waiting_in_backlog: 2,
      prod_orders: 6,
      raw_order_ids: 8,
    });
    expect(c.explanation).toContain('2 RAW rows');
    await fx.runTask();
    expect((await check(fx, 'raw_vs_prod_counts')).status).toBe('PASS');
  });

  it('fails when an order the task consumed is missing from PROD', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.sql("DELETE FROM orders WHERE id = 'ORD-00000003'");
    const c = await check(fx, 'raw_vs_prod_counts');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({ missing_from_prod: 1, prod_orders: 5, backlog_rows: 0 });
    expect(c.explanation).toMatch(/lost/);
  });

  it('fails on a loss even while a backlog exists', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.sql("DELETE FROM orders WHERE id = 'ORD-00000003'");
    await fx.ingestOrders(makeOrders(1, customers, products, { firstId: 50 }));
    const c = await check(fx, 'raw_vs_prod_counts');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({ missing_from_prod: 1, waiting_in_backlog: 1 });
  });
});

describe('reconciliation', () => {
  it('passes when manifest, RAW and PROD agree, reporting live orders apart', async () => {
    const live = makeOrders(2, customers, products, { idPrefix: 'ORD-LTEST-' });
    const fx = await openWarehouseFixture({ ...BASE, orders: [...orders, ...live] });
    const path = await fx.writeManifest(orders);
    const report = await validate(fx);
    expect(report.manifest).toBe(path);
    const c = report.checks.find((x) => x.name === 'reconciliation')!;
    expect(c.status, c.explanation).toBe('PASS');
    const revenue = orders.reduce((s, o) => s + o.quantity * o.unit_price_cents, 0);
    const liveRevenue = live.reduce((s, o) => s + o.quantity * o.unit_price_cents, 0);
    expect(c.metrics).toMatchObject({
      manifest_orders: 6,
      prod_replayed_orders: 6,
      raw_replayed_orders: 6,
      prod_replayed_revenue: (revenue / 100).toFixed(2),
      manifest_revenue: (revenue / 100).toFixed(2),
      prod_live_orders: 2,
      raw_live_orders: 2,
      prod_live_revenue: (liveRevenue / 100).toFixed(2),
      revenue_difference: '0.00',
    });
    expect(c.explanation).toContain('2 live orders');
  });

  it('warns "no manifest" when SEED_DIR has none', async () => {
    const fx = await openWarehouseFixture(BASE);
    const report = await validate(fx);
    expect(report.manifest).toBeNull();
    const c = report.checks.find((x) => x.name === 'reconciliation')!;
    expect(c.status).toBe('WARN');
    expect(c.explanation).toMatch(/^no manifest/);
    expect(c.metrics).toMatchObject({ manifest_orders: null, prod_replayed_orders: 6 });
  });

  it('fails on a revenue difference of one cent', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.writeManifest(orders, (m) => {
      m.totals.revenue_cents += 1;
      m.totals.revenue = (m.totals.revenue_cents / 100).toFixed(2);
    });
    const c = await check(fx, 'reconciliation');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({
      revenue_difference: '-0.01',
      prod_replayed_orders: 6,
      manifest_orders: 6,
    });
    expect(c.explanation).toMatch(/revenue .* ≠ /);
  });

  it('fails when manifest orders are missing from RAW and PROD, with no backlog', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.writeManifest([...orders, ...makeOrders(1, customers, products, { firstId: 7 })]);
    const c = await check(fx, 'reconciliation');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({
      manifest_orders: 7,
      missing_orders: 1,
      raw_replayed_orders: 6,
      backlog_rows: 0,
    });
  });

  it('fails when a manifest order went to quarantine instead of PROD, and says so', async () => {
    const stray = { ...orders[5]!, customer_id: 'CUS-999999' };
    const fx = await openWarehouseFixture({ ...BASE, orders: [...orders.slice(0, 5), stray] });
    await fx.writeManifest(orders);
    const c = await check(fx, 'reconciliation');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({ missing_orders: 1, quarantined_replayed_orders: 1 });
    expect(c.explanation).toContain('in quarantine');
  });

  it('warns while missing manifest orders are still in the stream backlog', async () => {
    const fx = await openWarehouseFixture({ ...BASE, orders: orders.slice(0, 4) });
    await fx.writeManifest(orders);
    await fx.ingestOrders(orders.slice(4));
    const c = await check(fx, 'reconciliation');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.metrics).toMatchObject({ missing_orders: 2, backlog_rows: 2 });
    await fx.runTask();
    expect((await check(fx, 'reconciliation')).status).toBe('PASS');
  });

  it('refuses to run with a manifest that is not JSON', async () => {
    const fx = await openWarehouseFixture(BASE);
    const path = `${fx.seedDir}/manifest.json`;
    await writeFile(path, '{"generator": ');
    const error = await validate(fx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('BAD_INPUT');
    expect((error as PipelineError).message).toContain(path);
  });

  it('refuses to run with an explicit --manifest that does not exist', async () => {
    const fx = await openWarehouseFixture(BASE);
    const error = await validate(fx, { manifestPath: `${fx.dir}/nope.json` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('BAD_INPUT');
  });
});

describe('margin', () => {
  const withoutCosts = ({ supply: _, ...p }: Product): Product => p;
  const costed = products.map((p, i) => ({
    ...p,
    supply: {
      supplier: {
        id: `SUP-00${1 + (i % 2)}`,
        name: `Supplier ${1 + (i % 2)}`,
        country: 'Portugal',
        shipping_days: 4,
      },
      supplier_cost_cents: Math.round(p.price_cents * 0.35),
      shipping_cost_cents: 350 + i,
    },
  }));
  /** The manifest's margin of `of`, net terms too when the final statuses are given. */
  const expectedMargin = (of: Order[], statuses?: Map<string, string>) => {
    let revenue = 0;
    let supplier = 0;
    let shipping = 0;
    const net = {
      keptRevenueCents: 0,
      keptSupplierCostCents: 0,
      keptShippingCostCents: 0,
      returnedShippingCostCents: 0,
    };
    for (const o of of) {
      const p = costed.find((c) => c.id === o.product_id)!;
      revenue += o.quantity * o.unit_price_cents;
      supplier += o.quantity * p.supply.supplier_cost_cents;
      shipping += o.quantity * p.supply.shipping_cost_cents;
      const status = statuses?.get(o.id) ?? 'created';
      if (status === 'returned')
        net.returnedShippingCostCents += o.quantity * p.supply.shipping_cost_cents;
      if (status === 'cancelled' || status === 'returned') continue;
      net.keptRevenueCents += o.quantity * o.unit_price_cents;
      net.keptSupplierCostCents += o.quantity * p.supply.supplier_cost_cents;
      net.keptShippingCostCents += o.quantity * p.supply.shipping_cost_cents;
    }
    return marginTotals(revenue, supplier, shipping, statuses && net);
  };

  it('reconciles the net margin: a cancelled order costs nothing, a returned one its shipping', async () => {
    const fx = await openWarehouseFixture({ ...BASE, products: costed });
    const statuses = new Map([
      [orders[0]!.id, 'cancelled'],
      [orders[1]!.id, 'returned'],
      [orders[2]!.id, 'delivered'],
    ]);
    for (const [id, status] of statuses)
      await fx.sql(`UPDATE orders SET status = $status WHERE id = $id`, { status, id });
    const want = expectedMargin(orders, statuses);
    await fx.writeManifest(orders, (m) => (m.totals.margin = want));
    const c = await check(fx, 'margin');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      prod_net_margin: want.net_margin,
      net_margin_difference: '0.00',
    });
    expect(want.net_margin_cents!).toBeLessThan(want.gross_margin_cents);
    expect(c.explanation).toContain(
      `net margin ${want.net_margin} after cancellations and returns`,
    );

    // One more return in PROD than the manifest says: only the net margin differs.
    await fx.sql(`UPDATE orders SET status = 'returned' WHERE id = $id`, { id: orders[3]!.id });
    const after = await check(fx, 'margin');
    expect(after.status, after.explanation).toBe('FAIL');
    expect(after.metrics).toMatchObject({ gross_margin_difference: '0.00' });
    expect(after.explanation).toMatch(/^net margin .* the orders' statuses differ/);
    expect(after.explanation).toContain('check that every order_events.csv step was replayed');
  });

  it('passes when PROD costs give the manifest’s supplier cost, shipping and margin', async () => {
    const fx = await openWarehouseFixture({ ...BASE, products: costed });
    await fx.writeManifest(orders, (m) => (m.totals.margin = expectedMargin(orders)));
    const c = await check(fx, 'margin');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      prod_gross_margin: expectedMargin(orders).gross_margin,
      gross_margin_difference: '0.00',
      prod_orders_without_cost: 0,
    });
    expect(c.explanation).toMatch(/gross margin \d+\.\d\d \(\d+\.\d % of revenue\)/);
  });

  it('warns "margin not computed" with a manifest from before costs existed', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.writeManifest(orders, (m) => delete m.totals.margin);
    const c = await check(fx, 'margin');
    expect(c.status).toBe('WARN');
    expect(c.explanation).toMatch(/^margin not computed: .*before supplier costs existed/);
  });

  it('fails when PROD inventory has no costs for products the manifest costed', async () => {
    // Inventory loaded from a file without costs.
    const fx = await openWarehouseFixture({ ...BASE, products: products.map(withoutCosts) });
    await fx.writeManifest(orders, (m) => (m.totals.margin = expectedMargin(orders)));
    const c = await check(fx, 'margin');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({ prod_orders_without_cost: 6, prod_supplier_cost: '0.00' });
    expect(c.explanation).toContain('6 orders of a product without known costs');
  });

  it('warns while orders wait in the backlog, and passes once merged', async () => {
    const fx = await openWarehouseFixture({
      ...BASE,
      products: costed,
      orders: orders.slice(0, 4),
    });
    await fx.writeManifest(orders, (m) => (m.totals.margin = expectedMargin(orders)));
    await fx.ingestOrders(orders.slice(4));
    expect((await check(fx, 'margin')).status).toBe('WARN');
    await fx.runTask();
    expect((await check(fx, 'margin')).status).toBe('PASS');
  });
});

describe('stock', () => {
  const live = {
    ...makeOrders(1, customers, products, { firstId: 900 })[0]!,
    id: 'ORD-L0000000001',
  };
  /** The manifest's totals.stock for `replayed` (the rule, src/domain/stock.ts: no step, all reserved). */
  const finalStock = (replayed: Order[]) =>
    products.map(
      (p) =>
        [
          p.id,
          p.stock_quantity -
            replayed.filter((o) => o.product_id === p.id).reduce((n, o) => n + o.quantity, 0),
        ] as const,
    );
  const stockTotals = (replayed: Order[]) => {
    const final = finalStock(replayed);
    const initial = products.reduce((n, p) => n + p.stock_quantity, 0);
    const units = final.reduce((n, [, u]) => n + u, 0);
    return {
      initial_units: initial,
      final_units: units,
      reserved_units: initial - units,
      out_of_stock_orders: 0,
      products_sold_out: final.filter(([, u]) => u <= 0).length,
      final_sha256: stockDigest(final),
    };
  };

  it('passes when PROD stock, live orders added back, gives the manifest’s units and digest', async () => {
    const fx = await openWarehouseFixture({ ...BASE, orders: [...orders, live] });
    await fx.writeManifest(orders, (m) => (m.totals.stock = stockTotals(orders)));
    const c = await check(fx, 'stock');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      prod_units: stockTotals(orders).final_units,
      prod_live_reserved_units: live.quantity,
      prod_negative_products: 0,
      units_difference: 0,
    });
  });

  it('fails when one product’s stock is off by one, naming it from stock.csv', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.writeManifest(orders, (m) => (m.totals.stock = stockTotals(orders)));
    await writeFile(
      join(fx.seedDir, 'stock.csv'),
      `product_id,initial_stock,final_stock\n${finalStock(orders)
        .map(([id, u]) => `${id},100,${u}`)
        .join('\n')}\n`,
    );
    const off = products[1]!.id;
    await fx.sql(`UPDATE inventory SET stock_quantity = stock_quantity + 1 WHERE id = '${off}'`);
    const c = await check(fx, 'stock');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({ units_difference: 1 });
    expect(c.explanation).toContain(`1 product, ${off}`);
  });

  it('fails when a product is below zero stock', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.writeManifest(orders, (m) => (m.totals.stock = stockTotals(orders)));
    await fx.sql(`UPDATE inventory SET stock_quantity = -2 WHERE id = '${products[0]!.id}'`);
    const c = await check(fx, 'stock');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.explanation).toContain(`${products[0]!.id}: -2`);
  });

  it('warns while orders wait in the backlog', async () => {
    const fx = await openWarehouseFixture({ ...BASE, runTask: false });
    await fx.writeManifest(orders, (m) => (m.totals.stock = stockTotals(orders)));
    const c = await check(fx, 'stock');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.explanation).toMatch(/validate again after its next run/);
  });

  it('warns, not passes, with a manifest from before the stock followed the orders', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.writeManifest(orders, (m) => delete m.totals.stock);
    const c = await check(fx, 'stock');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.explanation).toMatch(/^stock not reconciled: .*before the stock followed the orders/);
  });
});

describe('duplicates', () => {
  it('passes when PROD and RAW hold each order once', async () => {
    const fx = await openWarehouseFixture(BASE);
    const c = await check(fx, 'duplicates');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({ prod_duplicate_ids: 0, raw_redundant_rows: 0, raw_rows: 6 });
  });

  it('warns with the count when the same events were delivered again (replay), PROD still single', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.ingestOrders(orders.slice(0, 4)); // a replay: new bus offsets, same event ids
    await fx.runTask();
    const c = await check(fx, 'duplicates');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.metrics).toMatchObject({
      raw_redundant_rows: 4,
      raw_duplicate_event_ids: 4,
      prod_duplicate_ids: 0,
    });
    expect(c.explanation).toContain('dedupes');
    expect((await check(fx, 'raw_vs_prod_counts')).status).toBe('PASS');
  });

  it('fails when PROD holds an order id twice', async () => {
    const fx = await openWarehouseFixture(BASE);
    await looseOrdersTable(fx);
    await fx.sql("INSERT INTO orders SELECT * FROM orders WHERE id = 'ORD-00000002'");
    const report = await validate(fx);
    const c = report.checks.find((x) => x.name === 'duplicates')!;
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject({ prod_duplicate_ids: 1, prod_extra_rows: 1 });
    // The count check sees it too: PROD has more rows than RAW has orders.
    expect(report.checks.find((x) => x.name === 'raw_vs_prod_counts')!.status).toBe('FAIL');
    expect(report.status).toBe('FAIL');
  });
});

describe('data_quality', () => {
  it('passes on clean PROD orders', async () => {
    const fx = await openWarehouseFixture(BASE);
    const c = await check(fx, 'data_quality');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      orders: 6,
      negative_price: 0,
      future_sold_at: 0,
      unknown_customer: 0,
      unknown_product: 0,
      price_differs_from_catalogue: 0,
    });
  });

  it.for([
    {
      label: 'a null customer_id',
      loose: true,
      damage: "UPDATE orders SET customer_id = NULL WHERE id = 'ORD-00000001'",
      expected: { nulls: expect.objectContaining({ customer_id: 1 }) },
    },
    {
      label: 'a null sold_at',
      loose: true,
      damage: "UPDATE orders SET sold_at = NULL WHERE id = 'ORD-00000001'",
      expected: { nulls: expect.objectContaining({ sold_at: 1 }) },
    },
    {
      label: 'a quantity of 0',
      loose: false,
      damage: "UPDATE orders SET quantity = 0 WHERE id = 'ORD-00000002'",
      expected: { non_positive_quantity: 1 },
    },
    {
      label: 'a negative price',
      loose: false,
      damage: "UPDATE orders SET unit_price = -5 WHERE id = 'ORD-00000002'",
      expected: { negative_price: 1, price_differs_from_catalogue: 1 },
    },
    {
      label: 'a sale dated in the future (order-rules.ts: more than a day ahead)',
      loose: false,
      damage:
        "UPDATE orders SET sold_at = TIMESTAMP '2999-01-01 00:00:00' WHERE id = 'ORD-00000002'",
      expected: { future_sold_at: 1 },
    },
    {
      label: 'a price that is not the catalogue price',
      loose: false,
      damage: "UPDATE inventory SET price = price + 0.01 WHERE id = 'PRD-00001'",
      expected: { price_differs_from_catalogue: 2, negative_price: 0 },
    },
    {
      label: 'an unknown product',
      loose: false,
      damage: "UPDATE orders SET product_id = 'PRD-99999' WHERE id = 'ORD-00000003'",
      expected: { unknown_product: 1 },
    },
    {
      label: 'an unknown customer',
      loose: false,
      damage: "UPDATE orders SET customer_id = 'CUS-999999' WHERE id = 'ORD-00000003'",
      expected: { unknown_customer: 1 },
    },
  ])('fails on $label, counted per problem', async ({ loose, damage, expected }) => {
    const fx = await openWarehouseFixture(BASE);
    if (loose) await looseOrdersTable(fx);
    await fx.sql(damage);
    const c = await check(fx, 'data_quality');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.metrics).toMatchObject(expected);
  });
});

describe('recent_activity', () => {
  const THRESHOLD_MS = 15 * 60_000; // the default FRESHNESS_THRESHOLD

  it('passes when the last event was ingested within the threshold', async () => {
    const fx = await openWarehouseFixture(BASE);
    expect(fx.config.freshnessThresholdMs).toBe(THRESHOLD_MS);
    const c = await check(fx, 'recent_activity', { now: new Date(Date.now() + 1000) });
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      raw_rows: 6,
      rows_within_threshold: 6,
      threshold_ms: THRESHOLD_MS,
    });
  });

  it('warns when the last event is older than the threshold', async () => {
    const fx = await openWarehouseFixture(BASE);
    const now = new Date(Date.now() + THRESHOLD_MS + 60_000);
    const c = await check(fx, 'recent_activity', { now });
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.explanation).toMatch(/^stale/);
    expect(c.metrics.age_ms).toBeGreaterThan(THRESHOLD_MS);
    expect(c.metrics.evaluated_at).toBe(now.toISOString());
  });

  it('follows FRESHNESS_THRESHOLD', async () => {
    const fx = await openWarehouseFixture({ ...BASE, env: { FRESHNESS_THRESHOLD: '2 seconds' } });
    const c = await check(fx, 'recent_activity', { now: new Date(Date.now() + 10_000) });
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.metrics.threshold_ms).toBe(2000);
  });

  it('warns when RAW is empty', async () => {
    const fx = await openWarehouseFixture({ customers, products });
    const c = await check(fx, 'recent_activity');
    expect(c.status).toBe('WARN');
    expect(c.explanation).toMatch(/RAW is empty/);
    expect(c.metrics).toMatchObject({ raw_rows: 0, last_ingested_at: null });
  });
});

describe('task_status', () => {
  it('passes after a successful run', async () => {
    const fx = await openWarehouseFixture(BASE);
    const c = await check(fx, 'task_status');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      last_state: 'SUCCEEDED',
      last_rows_inserted: 6,
      suspended: false,
    });
  });

  it('says the row counts are not recorded when the warehouse history has none (as Snowflake TASK_HISTORY)', async () => {
    const fx = await openWarehouseFixture(BASE);
    const uncounted = Object.create(fx.warehouse) as typeof fx.warehouse;
    uncounted.taskHistory = async (limit) =>
      (await fx.warehouse.taskHistory(limit)).map((run) => ({
        ...run,
        rowsRead: null,
        rowsInserted: null,
        rowsUpdated: null,
        rowsQuarantined: null,
      }));
    const report = await runValidation(uncounted, { config: fx.config });
    const c = report.checks.find((r) => r.name === 'task_status')!;
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.explanation).toContain('row counts not recorded');
    expect(c.explanation).not.toMatch(/\b0 RAW rows read/);
    expect(c.metrics).toMatchObject({ last_state: 'SUCCEEDED', last_rows_read: null });
  });

  it('passes after a SKIPPED run, and ignores a newer SCHEDULED row', async () => {
    const fx = await openWarehouseFixture(BASE);
    expect((await fx.runTask()).state).toBe('SKIPPED');
    await fx.sql(
      `INSERT INTO task_history (run_id, task_name, trigger, scheduled_time, state) VALUES (99, $task, 'schedule', $at, 'SCHEDULED')`,
      {
        task: TASK_NAME,
        at: new Date(Date.now() + 60_000),
      },
    );
    const c = await check(fx, 'task_status');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({
      last_state: 'SKIPPED',
      runs: { succeeded: 1, skipped: 1, failed: 0, pending: 1 },
    });
  });

  it('fails when the latest run FAILED, with its error', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.ingestOrders(makeOrders(1, customers, products, { firstId: 60 }));
    const failed = await withProdOrdersUnavailable(fx.warehouse, () => fx.runTask());
    expect(failed.state).toBe('FAILED');
    const c = await check(fx, 'task_status');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.explanation).toContain('orders');
    expect(c.metrics).toMatchObject({ last_state: 'FAILED', last_error: failed.errorMessage });
    // A later success clears it.
    expect((await fx.runTask()).state).toBe('SUCCEEDED');
    expect((await check(fx, 'task_status')).status).toBe('PASS');
  });

  it('fails when the task is suspended', async () => {
    const fx = await openWarehouseFixture(BASE);
    await fx.sql('UPDATE task_state SET suspended = true WHERE task_name = $task', {
      task: TASK_NAME,
    });
    const c = await check(fx, 'task_status');
    expect(c.status, c.explanation).toBe('FAIL');
    expect(c.explanation).toContain('suspended');
  });

  it('warns when the task has never run', async () => {
    const fx = await openWarehouseFixture({ ...BASE, runTask: false });
    const c = await check(fx, 'task_status');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.metrics).toMatchObject({ last_state: null });
  });
});

describe('dead_letters', () => {
  it('passes with an empty quarantine', async () => {
    const fx = await openWarehouseFixture(BASE);
    const c = await check(fx, 'dead_letters');
    expect(c.status, c.explanation).toBe('PASS');
    expect(c.metrics).toMatchObject({ quarantined: 0, top_reasons: [] });
  });

  it('warns with the count and the top reasons, saying they are not lost', async () => {
    const stray = {
      ...makeOrders(1, customers, products, { firstId: 70 })[0]!,
      product_id: 'PRD-99999',
    };
    const fx = await openWarehouseFixture({
      ...BASE,
      orders: [...orders, stray],
      rejected: [
        deadLetter('invalid_json'),
        deadLetter('invalid_json'),
        deadLetter('invalid_value'),
      ],
    });
    const c = await check(fx, 'dead_letters');
    expect(c.status, c.explanation).toBe('WARN');
    expect(c.metrics).toEqual({
      quarantined: 4,
      by_stage: { ingest: 3, task: 1 },
      top_reasons: [
        { reason: 'invalid_json', count: 2 },
        { reason: 'invalid_value', count: 1 },
        { reason: 'unknown_product', count: 1 },
      ],
    });
    expect(c.explanation).toMatch(/not lost/);
  });

  it('lists at most 5 reasons', async () => {
    const reasons = [
      'invalid_json',
      'invalid_shape',
      'invalid_value',
      'unknown_customer',
      'unknown_product',
    ] as const;
    const fx = await openWarehouseFixture({ ...BASE, rejected: reasons.map((r) => deadLetter(r)) });
    await fx.sql(
      "INSERT INTO orders_quarantine (quarantined_at, stage, reason) VALUES ($at, 'ingest', 'another_reason')",
      { at: new Date() },
    );
    const c = await check(fx, 'dead_letters');
    expect(c.metrics.quarantined).toBe(6);
    expect(c.metrics.top_reasons).toHaveLength(5);
  });
});
