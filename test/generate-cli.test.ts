/**
 * `dropship generate` end to end: the real CLI in a child process, writing into temp dirs.
 * The CSVs are read back with csv-parse and every figure is recomputed here, independently of
 * the product code (only the column list and the reference data are imported).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ManifestSchema, type Manifest } from '../src/domain/manifest.ts';
import { stockDigest } from '../src/domain/stock.ts';
import { CsvColumns } from '../src/domain/tables.ts';
import { CATEGORIES } from '../src/generator/clothing.ts';
import { COUNTRIES } from '../src/generator/europe.ts';
import { runCli, startCli, type CliResult } from './helpers/cli.ts';

const SEED_FILES = [
  'customers.csv',
  'inventory.csv',
  'orders.csv',
  'order_events.csv',
  'stock.csv',
  'manifest.json',
] as const;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;
const PRICE = /^\d+\.\d\d$/;

type Row<T extends keyof typeof CsvColumns> = Record<(typeof CsvColumns)[T][number], string>;

interface DataSet {
  header: Record<'customers' | 'inventory' | 'orders', string[]>;
  customers: Row<'customers'>[];
  products: Row<'inventory'>[];
  orders: Row<'orders'>[];
  manifest: Manifest;
  raw: Record<string, Buffer>;
}

/** Temp dirs per test (by task id, so concurrent tests only clean their own), removed in afterEach. */
const dirs = new Map<string, string[]>();

async function tempDir(ctx: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-generate-'));
  dirs.set(ctx.task.id, [...(dirs.get(ctx.task.id) ?? []), dir]);
  return dir;
}

afterEach(async (ctx) => {
  const mine = dirs.get(ctx.task.id) ?? [];
  dirs.delete(ctx.task.id);
  await Promise.all(mine.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs the CLI from a temp cwd (so a developer's .env cannot interfere). */
async function generate(
  ctx: TestContext,
  args: readonly string[],
  outputDir?: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const cwd = await tempDir(ctx);
  return runCli(['generate', ...(outputDir ? ['--output-dir', outputDir] : []), ...args], {
    cwd,
    env,
  });
}

/** Rows keyed by the header row (a missing column reads as undefined and fails the checks). */
function parseCsv<T extends keyof typeof CsvColumns>(
  text: Buffer,
): { header: string[]; rows: Row<T>[] } {
  const records = parse(text, { relax_column_count: false }) as string[][];
  const [header = [], ...body] = records;
  return {
    header,
    rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])) as Row<T>),
  };
}

async function readDataSet(dir: string): Promise<DataSet> {
  const raw: Record<string, Buffer> = {};
  for (const f of SEED_FILES) raw[f] = await readFile(join(dir, f));
  const c = parseCsv<'customers'>(raw['customers.csv']!);
  const p = parseCsv<'inventory'>(raw['inventory.csv']!);
  const o = parseCsv<'orders'>(raw['orders.csv']!);
  return {
    header: { customers: c.header, inventory: p.header, orders: o.header },
    customers: c.rows,
    products: p.rows,
    orders: o.rows,
    manifest: ManifestSchema.parse(JSON.parse(raw['manifest.json']!.toString('utf8'))),
    raw,
  };
}

/** "54.99" → 5499, computed in integers (never through a float). */
function cents(price: string): number {
  const m = /^(\d+)\.(\d\d)$/.exec(price);
  if (!m) throw new Error(`not a 2-decimal price: ${price}`);
  return Number(m[1]) * 100 + Number(m[2]);
}

function countBy<T>(
  items: readonly T[],
  key: (item: T) => string | number,
): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The lines of stderr that are errors, and a check that nothing looks like a crash. */
function errorLines(result: CliResult): string[] {
  expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
  return result.stderr.split('\n').filter((line) => line.startsWith('error:'));
}

async function partialFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.partial'));
}

describe('dropship generate: a year of 50,000 orders', () => {
  const ARGS = [
    '--customers',
    '2000',
    '--products',
    '500',
    '--orders',
    '50000',
    '--seed',
    '7',
    '--start',
    '2025-01-01',
    '--end',
    '2025-12-31',
  ];
  let outputDir: string;
  let run: CliResult;
  let data: DataSet;

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'dropship-generate-shape-'));
    run = await runCli(['generate', '--output-dir', outputDir, ...ARGS], { cwd: outputDir });
    if (run.code !== 0) throw new Error(`generate failed (${run.code}): ${run.stderr}`);
    data = await readDataSet(outputDir);
  });

  afterAll(async () => {
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it('writes exactly the seed files and nothing temporary', async () => {
    expect((await readdir(outputDir)).sort()).toEqual([...SEED_FILES].sort());
  });

  it('prints plain progress lines and a final summary when stderr is not a terminal', () => {
    expect(run.stdout).toBe('');
    // No live-line redraws or ANSI codes.
    expect(run.stderr.includes('\r') || run.stderr.includes('\u001b')).toBe(false);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.some((l) => /^generate: 50,000\/50,000 rows \(100%\)/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^generated 2,000 customers, 500 products, 50,000 orders \(revenue \d+\.\d\d EUR\) in .+ → /,
    );
    expect(lines.at(-1)!.endsWith(outputDir)).toBe(true);
  });

  it('has the header rows of DESIGN.md §4', () => {
    expect(data.header.customers).toEqual([...CsvColumns.customers]);
    // inventory.csv: the PROD columns, then the supplier and per-unit costs.
    expect(data.header.inventory).toEqual([...CsvColumns.inventory, ...CsvColumns.inventorySupply]);
    expect(CsvColumns.inventorySupply).toContain('supplier_cost');
    expect(data.header.orders).toEqual([...CsvColumns.orders]);
    // The raw first line too, unquoted.
    expect(data.raw['orders.csv']!.toString('utf8').split('\n', 1)[0]).toBe(
      CsvColumns.orders.join(','),
    );
  });

  it('has the requested row counts and sequential, prefixed, zero-padded ids', () => {
    expect(data.customers).toHaveLength(2000);
    expect(data.products).toHaveLength(500);
    expect(data.orders).toHaveLength(50_000);
    data.customers.forEach((c, i) => expect(c.id).toBe(`CUS-${String(i + 1).padStart(6, '0')}`));
    data.products.forEach((p, i) => expect(p.id).toBe(`PRD-${String(i + 1).padStart(5, '0')}`));
    let badOrderIds = 0;
    data.orders.forEach((o, i) => {
      if (o.id !== `ORD-${String(i + 1).padStart(8, '0')}`) badOrderIds += 1;
    });
    expect(badOrderIds).toBe(0);
  });

  it('writes sold_at as ISO-8601 UTC with ms, sorted, inside --start..--end (end day included)', () => {
    const start = Date.parse('2025-01-01T00:00:00.000Z');
    const endExclusive = Date.parse('2026-01-01T00:00:00.000Z');
    const bad = data.orders.filter((o) => {
      const t = Date.parse(o.sold_at);
      return (
        !ISO_MS.test(o.sold_at) ||
        !(t >= start && t < endExclusive) ||
        new Date(t).toISOString() !== o.sold_at
      );
    });
    expect(bad).toEqual([]);
    for (let i = 1; i < data.orders.length; i++) {
      if (data.orders[i]!.sold_at < data.orders[i - 1]!.sold_at)
        throw new Error(`orders not sorted at row ${i + 1}`);
    }
    // The whole period is used: orders in the first and in the last week.
    expect(data.orders[0]!.sold_at < '2025-01-08').toBe(true);
    expect(data.orders.at(-1)!.sold_at >= '2025-12-24').toBe(true);
  });

  it('writes prices with exactly 2 decimals and integer quantities and stock', () => {
    for (const p of data.products) {
      expect(p.price).toMatch(PRICE);
      expect(p.stock_quantity).toMatch(/^\d+$/);
    }
    expect(
      data.orders.filter((o) => !PRICE.test(o.unit_price) || !/^[1-9]\d*$/.test(o.quantity)),
    ).toEqual([]);
  });

  it('references existing customers and products, at the catalogue price', () => {
    const customerIds = new Set(data.customers.map((c) => c.id));
    const priceOf = new Map(data.products.map((p) => [p.id, p.price]));
    const broken = data.orders.filter(
      (o) => !customerIds.has(o.customer_id) || priceOf.get(o.product_id) !== o.unit_price,
    );
    expect(broken).toEqual([]);
  });

  it('has a manifest whose totals, sizes and hashes match the files', () => {
    const m = data.manifest;
    expect(m.arguments).toEqual({
      customers: 2000,
      products: 500,
      orders: 50_000,
      seed: 7,
      start: '2025-01-01',
      end: '2025-12-31',
    });
    for (const file of [
      'customers.csv',
      'inventory.csv',
      'orders.csv',
      'order_events.csv',
      'stock.csv',
    ] as const) {
      const bytes = data.raw[file]!;
      const lines = bytes.toString('utf8').split('\n').filter(Boolean).length - 1;
      expect(m.files[file]).toEqual({
        rows: lines,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    }
    let revenueCents = 0;
    let items = 0;
    let supplierCents = 0;
    let shippingCents = 0;
    const inventory = new Map(data.products.map((p) => [p.id, p as Record<string, string>]));
    for (const o of data.orders) {
      revenueCents += Number(o.quantity) * cents(o.unit_price);
      items += Number(o.quantity);
      const p = inventory.get(o.product_id)!;
      supplierCents += Number(o.quantity) * cents(p.supplier_cost!);
      shippingCents += Number(o.quantity) * cents(p.shipping_cost!);
    }
    const decimal = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
    const marginCents = revenueCents - supplierCents - shippingCents;
    // Net margin (domain/margin.ts): kept orders' margin − the returned orders' shipping; an
    // order's outcome is its last step in order_events.csv (rows by order, in time order).
    const lastStep = new Map<string, string>();
    for (const r of parse(data.raw['order_events.csv']!, { columns: true }) as Record<
      string,
      string
    >[])
      lastStep.set(r.order_id!, r.event_type!);
    let netCents = 0;
    let returnedShippingCents = 0;
    for (const o of data.orders) {
      const p = inventory.get(o.product_id)!;
      const q = Number(o.quantity);
      const outcome = lastStep.get(o.id);
      if (outcome === 'order_returned') returnedShippingCents += q * cents(p.shipping_cost!);
      if (outcome === 'order_returned' || outcome === 'order_cancelled') continue;
      netCents += q * (cents(o.unit_price) - cents(p.supplier_cost!) - cents(p.shipping_cost!));
    }
    netCents -= returnedShippingCents;
    const soldAt = data.orders.map((o) => o.sold_at).sort();
    expect(m.totals).toEqual({
      customers: 2000,
      products: 500,
      orders: 50_000,
      items_sold: items,
      revenue: `${Math.floor(revenueCents / 100)}.${String(revenueCents % 100).padStart(2, '0')}`,
      revenue_cents: revenueCents,
      first_sold_at: soldAt[0],
      last_sold_at: soldAt.at(-1),
      margin: {
        supplier_cost: decimal(supplierCents),
        supplier_cost_cents: supplierCents,
        shipping_cost: decimal(shippingCents),
        shipping_cost_cents: shippingCents,
        gross_margin: decimal(marginCents),
        gross_margin_cents: marginCents,
        returned_shipping_cost: decimal(returnedShippingCents),
        returned_shipping_cost_cents: returnedShippingCents,
        net_margin: decimal(netCents),
        net_margin_cents: netCents,
      },
      // Checked against order_events.csv in src/generator/lifecycle.test.ts.
      lifecycle: expect.any(Object),
      // Checked by replaying the files in src/generator/stock-ledger.test.ts; here against stock.csv.
      stock: expect.any(Object),
    });
    const stock = parseCsv<'stock'>(data.raw['stock.csv']!).rows;
    const initial = new Map(data.products.map((p) => [p.id, Number(p.stock_quantity)]));
    expect(stock.map((r) => [r.product_id, Number(r.initial_stock)])).toEqual([...initial]);
    const final = stock.map((r) => [r.product_id, Number(r.final_stock)] as const);
    const s = m.totals.stock!;
    expect(s.initial_units).toBe([...initial.values()].reduce((a, b) => a + b, 0));
    expect(s.final_units).toBe(final.reduce((a, [, n]) => a + n, 0));
    expect(s.reserved_units).toBe(s.initial_units - s.final_units);
    expect(s.products_sold_out).toBe(final.filter(([, n]) => n === 0).length);
    expect(s.final_sha256).toBe(stockDigest(final));
    expect(final.every(([, n]) => n >= 0)).toBe(true);
    const finalStatus = Object.values(m.totals.lifecycle!.final_status);
    expect(finalStatus.reduce((a, b) => a + b, 0)).toBe(50_000);
    expect(marginCents).toBeGreaterThan(0);
    expect(marginCents).toBeLessThan(revenueCents);
    expect(returnedShippingCents).toBeGreaterThan(0);
    expect(netCents).toBeLessThan(marginCents);
    expect(run.stderr).toContain(`(revenue ${m.totals.revenue} EUR)`);
  });

  it('has a few best-sellers and a long tail', () => {
    const perProduct = [...countBy(data.orders, (o) => o.product_id).values()].sort(
      (a, b) => b - a,
    );
    // Products never ordered count as 0 for the median.
    const all = [...perProduct, ...new Array<number>(500 - perProduct.length).fill(0)];
    const med = median(all);
    const top10 = perProduct.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(perProduct[0]!).toBeGreaterThanOrEqual(5 * Math.max(1, med));
    expect(top10).toBeGreaterThan(3 * 10 * Math.max(1, med));
    // Best-sellers are spread over the catalogue, not the first ids.
    const topIds = [...countBy(data.orders, (o) => o.product_id).entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10);
    expect(topIds.map(([id]) => id).sort()).not.toEqual(
      data.products.slice(0, 10).map((p) => p.id),
    );
  });

  it('has repeat customers, and loyal ones who order much more than most', () => {
    const perCustomer = [...countBy(data.orders, (o) => o.customer_id).values()].sort(
      (a, b) => b - a,
    );
    const repeat = perCustomer.filter((n) => n > 1).length / perCustomer.length;
    expect(repeat).toBeGreaterThan(0.5);
    // The top 10 % of customers place well over 10 % of the orders (uniform would give ~10 %).
    const top = perCustomer.slice(0, 200).reduce((a, b) => a + b, 0);
    expect(top / data.orders.length).toBeGreaterThan(0.2);
  });

  it('follows a weekly cycle: Sunday busier than Saturday', () => {
    const byDay = countBy(data.orders, (o) => new Date(o.sold_at).getUTCDay());
    const sunday = byDay.get(0) ?? 0;
    const saturday = byDay.get(6) ?? 0;
    expect(sunday).toBeGreaterThan(1.1 * saturday);
    // And not uniform across the week.
    const days = [...byDay.values()];
    expect(Math.max(...days) / Math.min(...days)).toBeGreaterThan(1.2);
  });

  it('follows a daily cycle: the night (3–5 UTC) is much quieter than the evening (18–20 UTC)', () => {
    const byHour = countBy(data.orders, (o) => Number(o.sold_at.slice(11, 13)));
    const sum = (hours: number[]) => hours.reduce((a, h) => a + (byHour.get(h) ?? 0), 0);
    expect(sum([3, 4, 5])).toBeLessThan(0.25 * sum([18, 19, 20]));
  });

  it('sells clothing, not electronics', () => {
    const known = new Set(CATEGORIES.map((c) => c.name));
    const categories = new Set(data.products.map((p) => p.category));
    for (const c of categories) expect(known.has(c), c).toBe(true);
    for (const expected of [
      'T-Shirts',
      'Jeans',
      'Dresses & Skirts',
      'Jackets & Coats',
      'Accessories',
    ])
      expect(categories).toContain(expected);
    const electronics =
      /phone|laptop|tablet|headphone|earbud|charger|camera|console|\btv\b|electronic/i;
    expect(
      data.products.filter((p) => electronics.test(`${p.product_name} ${p.category}`)),
    ).toEqual([]);
  });

  it('has coherent customers: city in the country, most in France, unique ASCII e-mails', () => {
    const citiesOf = new Map(
      COUNTRIES.map((c) => [c.name, new Set(c.cities.map(([city]) => city))]),
    );
    const incoherent = data.customers.filter((c) => !citiesOf.get(c.country)?.has(c.city));
    expect(incoherent).toEqual([]);
    const byCountry = [...countBy(data.customers, (c) => c.country).entries()].sort(
      (a, b) => b[1] - a[1],
    );
    expect(byCountry[0]![0]).toBe('France');
    expect(byCountry[0]![1] / data.customers.length).toBeGreaterThan(0.35);
    const emails = data.customers.map((c) => c.email);
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails.filter((e) => !/^[\x21-\x7e]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(e))).toEqual([]);
    // Names keep their accents (the CSV is UTF-8), e-mails do not.
    expect(data.customers.some((c) => /[^ -~]/.test(c.name))).toBe(true);
  });
});

describe.concurrent('dropship generate: determinism and output', () => {
  const ARGS = [
    '--customers',
    '300',
    '--products',
    '60',
    '--orders',
    '3000',
    '--start',
    '2025-03-01',
    '--end',
    '2025-03-31',
  ];

  it('writes byte-identical files for the same arguments, and other orders for another seed', async (ctx) => {
    const { expect } = ctx;
    const [a, b, c] = await Promise.all([tempDir(ctx), tempDir(ctx), tempDir(ctx)]);
    const results = await Promise.all([
      generate(ctx, [...ARGS, '--seed', '11'], a),
      generate(ctx, [...ARGS, '--seed', '11'], b),
      generate(ctx, [...ARGS, '--seed', '12'], c),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    for (const f of SEED_FILES) {
      const [fa, fb] = await Promise.all([readFile(join(a, f)), readFile(join(b, f))]);
      expect(fa.length).toBeGreaterThan(0);
      expect(fa.equals(fb), `${f} differs between two runs`).toBe(true);
    }
    const [ordersA, ordersC] = await Promise.all([
      readFile(join(a, 'orders.csv'), 'utf8'),
      readFile(join(c, 'orders.csv'), 'utf8'),
    ]);
    expect(ordersC).not.toBe(ordersA);
    // Same shape otherwise: as many rows, all inside March 2025 (the --end day included).
    const dataA = await readDataSet(a);
    const dataC = await readDataSet(c);
    expect(dataC.orders).toHaveLength(dataA.orders.length);
    const outside = [...dataA.orders, ...dataC.orders].filter(
      (o) => !ISO_MS.test(o.sold_at) || !o.sold_at.startsWith('2025-03-'),
    );
    expect(outside).toEqual([]);
    expect(dataA.orders.some((o) => o.sold_at.startsWith('2025-03-31'))).toBe(true);
  });

  it('keeps customers and products unchanged when only --orders changes, the stock sized to the orders', async (ctx) => {
    const { expect } = ctx;
    const [a, b] = await Promise.all([tempDir(ctx), tempDir(ctx)]);
    const results = await Promise.all([
      generate(ctx, [...ARGS, '--seed', '5'], a),
      generate(ctx, [...ARGS.slice(0, 4), '--orders', '10', '--seed', '5'], b),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const customers = await Promise.all([a, b].map((d) => readFile(join(d, 'customers.csv'))));
    expect(customers[0]!.equals(customers[1]!), 'customers.csv').toBe(true);
    // The same products; only their initial stock follows the expected demand (orders.ts).
    const [pa, pb] = await Promise.all(
      [a, b].map(async (d) => parseCsv<'inventory'>(await readFile(join(d, 'inventory.csv'))).rows),
    );
    const withoutStock = (rows: Row<'inventory'>[]) =>
      rows.map(({ stock_quantity: _, ...rest }) => rest);
    expect(withoutStock(pb!)).toEqual(withoutStock(pa!));
    const units = (rows: Row<'inventory'>[]) =>
      rows.reduce((sum, r) => sum + Number(r.stock_quantity), 0);
    expect(units(pb!)).toBeLessThan(units(pa!));
  });

  it('replaces a previous data set, and its manifest then describes the new files', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    expect((await generate(ctx, [...ARGS, '--seed', '1'], dir)).code).toBe(0);
    const before = await readFile(join(dir, 'orders.csv'));
    expect((await generate(ctx, [...ARGS, '--orders', '500', '--seed', '2'], dir)).code).toBe(0);
    const data = await readDataSet(dir);
    expect(data.raw['orders.csv']!.equals(before)).toBe(false);
    expect(data.orders).toHaveLength(500);
    expect(data.manifest.arguments.seed).toBe(2);
    expect(data.manifest.files['orders.csv']!.sha256).toBe(
      createHash('sha256').update(data.raw['orders.csv']!).digest('hex'),
    );
    expect(await partialFiles(dir)).toEqual([]);
  });

  it('by default covers the year up to yesterday (UTC): the data ends now, never in the future', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    const before = new Date();
    const result = await generate(
      ctx,
      ['--orders', '3000', '--customers', '50', '--products', '20'],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const data = await readDataSet(dir);
    // Computed here from the clock, independently of src/pipeline/defaults.ts.
    const today = Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), before.getUTCDate());
    const yesterday = new Date(today - 86_400_000).toISOString().slice(0, 10);
    // One calendar year back from today: the first day of the year that ends yesterday.
    const first = new Date(today);
    first.setUTCFullYear(first.getUTCFullYear() - 1);
    const start = first.toISOString().slice(0, 10);
    // The manifest records the days actually used (a run just after midnight may see today move).
    const ends = [yesterday, new Date(today).toISOString().slice(0, 10)];
    expect(ends).toContain(data.manifest.arguments.end);
    if (data.manifest.arguments.end === yesterday)
      expect(data.manifest.arguments.start).toBe(start);
    const last = data.orders.at(-1)!.sold_at;
    expect(Date.parse(last)).toBeLessThanOrEqual(Date.now());
    expect(last.slice(0, 10)).toBe(data.manifest.arguments.end);

    // The same arguments as the manifest records give the same bytes, whatever the day.
    const again = join(await tempDir(ctx), 'again');
    const { start: s, end: e, customers, products, orders, seed } = data.manifest.arguments;
    const rerun = await generate(
      ctx,
      [
        '--orders',
        String(orders),
        '--customers',
        String(customers),
        '--products',
        String(products),
      ].concat(['--seed', String(seed), '--start', s, '--end', e]),
      again,
    );
    expect(rerun.code, rerun.stderr).toBe(0);
    const copy = await readDataSet(again);
    expect(copy.raw['orders.csv']!.equals(data.raw['orders.csv']!)).toBe(true);
    expect(copy.manifest.arguments).toEqual(data.manifest.arguments);
  });

  it('takes --start as a year before --end when only --end is given', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    const result = await generate(ctx, ['--orders', '10', '--end', '2024-02-29'], dir);
    expect(result.code, result.stderr).toBe(0);
    const data = await readDataSet(dir);
    expect(data.manifest.arguments).toMatchObject({ start: '2023-03-01', end: '2024-02-29' });
  });

  it('writes to $SEED_DIR when --output-dir is not given', async (ctx) => {
    const { expect } = ctx;
    const dir = join(await tempDir(ctx), 'nested', 'seed');
    const result = await generate(
      ctx,
      ['--orders', '20', '--customers', '5', '--products', '3'],
      undefined,
      { SEED_DIR: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([...SEED_FILES].sort());
  });

  it('accepts 0 orders: header-only orders.csv and empty totals', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    const result = await generate(
      ctx,
      ['--customers', '0', '--products', '0', '--orders', '0'],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const data = await readDataSet(dir);
    expect(data.raw['orders.csv']!.toString('utf8')).toBe(`${CsvColumns.orders.join(',')}\n`);
    expect(data.manifest.totals).toMatchObject({
      orders: 0,
      items_sold: 0,
      revenue: '0.00',
      revenue_cents: 0,
      first_sold_at: null,
      last_sold_at: null,
    });
  });
});

describe.concurrent('dropship generate: argument errors', () => {
  it.for([
    { label: 'a negative number', args: ['--customers', '-5'], flag: '--customers' },
    { label: 'a non-integer', args: ['--orders', '1.5'], flag: '--orders' },
    { label: 'a non-numeric seed', args: ['--seed', 'abc'], flag: '--seed' },
    { label: 'an unknown flag', args: ['--bogus', '3'], flag: '--bogus' },
    { label: 'an impossible date', args: ['--start', '2025-02-30'], flag: '--start' },
    {
      label: '--end before --start',
      args: ['--start', '2025-02-01', '--end', '2025-01-31'],
      flag: '--end',
    },
    {
      label: 'orders with 0 customers',
      args: ['--customers', '0', '--orders', '10'],
      flag: '--customers',
    },
    {
      label: 'orders with 0 products',
      args: ['--products', '0', '--orders', '10'],
      flag: '--products',
    },
  ])('rejects $label with exit code 2 and one line naming $flag', async ({ args, flag }, ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    const result = await runCli(['generate', '--output-dir', dir, ...args], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    const errors = errorLines(result);
    expect(errors, result.stderr).toHaveLength(1);
    expect(errors[0]).toContain(flag);
    // At most one more line (a usage or fix hint), nothing else.
    expect(result.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects an output dir that cannot be created (its parent is a file) with exit code 2', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const target = join(file, 'seed');
    const result = await generate(ctx, ['--orders', '10'], target);
    expect(result.code, result.stderr).toBe(2);
    const errors = errorLines(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(target);
    expect(result.stderr).toContain('--output-dir');
    expect(await readdir(dir)).toEqual(['not-a-dir']);
  });
});

describe.concurrent('dropship generate: failed and interrupted runs', () => {
  async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Starts a big generate, waits until it is writing, lets it run ~300 ms, then sends SIGINT. */
  async function interruptedRun(ctx: TestContext, dir: string): Promise<CliResult> {
    const cwd = await tempDir(ctx);
    const { child, result } = startCli(
      ['generate', '--output-dir', dir, '--orders', '3000000', '--seed', '99'],
      { cwd },
    );
    try {
      // Writing has started once the temporary files exist, so the CLI's signal handler is
      // installed (a SIGINT during the ~1 s of start-up kills the process before any file).
      await waitFor(async () => (await partialFiles(dir)).length > 0, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      return await result;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  it('on SIGINT exits 130 and leaves nothing that looks complete', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    const result = await interruptedRun(ctx, dir);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/interrupted/);
    expect(result.stderr).not.toMatch(/^generated /m);
    expect(await readdir(dir)).toEqual([]); // no manifest.json, no CSV, no *.partial
  });

  it('on SIGINT keeps a previous complete data set untouched', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    expect(
      (await generate(ctx, ['--orders', '200', '--customers', '20', '--products', '5'], dir)).code,
    ).toBe(0);
    const before = await readDataSet(dir);
    const result = await interruptedRun(ctx, dir);
    expect(result.code, result.stderr).toBe(130);
    const after = await readDataSet(dir);
    for (const f of SEED_FILES) expect(after.raw[f]!.equals(before.raw[f]!), f).toBe(true);
    expect(await partialFiles(dir)).toEqual([]);
  });

  it('on a write failure exits 1 with one error line and removes its temporary files', async (ctx) => {
    const { expect } = ctx;
    const dir = await tempDir(ctx);
    // A directory where orders.csv.partial should go makes the orders file fail mid-run.
    await mkdir(join(dir, 'orders.csv.partial'));
    const result = await generate(ctx, ['--orders', '1000'], dir);
    expect(result.code, result.stderr).toBe(1);
    const errors = errorLines(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('orders.csv.partial');
    expect(await readdir(dir)).toEqual(['orders.csv.partial']);
  });
});
