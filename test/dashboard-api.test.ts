/**
 * The dashboard's JSON API and /metrics against a real DuckDB warehouse holding a tiny, known
 * data set: every number is checked against hand-computed values and against SQL run here.
 */
import { createServer } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../src/dashboard/server.ts';
import type { Customer, Order, Product } from '../src/domain/entities.ts';
import type { RunningDashboard } from '../src/pipeline/run.ts';
import { PipelineStats } from '../src/pipeline/stats.ts';
import { openFixture, switchableWarehouse, type WarehouseFixture } from './browser/fixture.ts';

const HOUR = 3_600_000;
const customers: Customer[] = [
  {
    id: 'CUS-000001',
    name: 'Camille Martin',
    email: 'camille@example.fr',
    city: 'Paris',
    country: 'France',
  },
  {
    id: 'CUS-000002',
    name: 'Bruno Keller',
    email: 'bruno@example.de',
    city: 'Berlin',
    country: 'Germany',
  },
  {
    id: 'CUS-000003',
    name: 'Lucía García',
    email: 'lucia@example.es',
    city: 'Madrid',
    country: 'Spain',
  },
];
const products: Product[] = [
  {
    id: 'PRD-00001',
    product_name: 'Classic Tee - Black',
    category: 'T-Shirts',
    price_cents: 2000,
    stock_quantity: 10,
    supply: {
      supplier: {
        id: 'SUP-001',
        name: 'Guangzhou Apparel Co.',
        country: 'China',
        shipping_days: 12,
      },
      supplier_cost_cents: 600,
      shipping_cost_cents: 250,
    },
  },
  {
    id: 'PRD-00002',
    product_name: 'Urban Hoodie - Grey',
    category: 'Hoodies',
    price_cents: 5000,
    stock_quantity: 10,
    supply: {
      supplier: { id: 'SUP-005', name: 'Łódź Outerwear', country: 'Poland', shipping_days: 3 },
      supplier_cost_cents: 1800,
      shipping_cost_cents: 450,
    },
  },
  {
    id: 'PRD-00003',
    product_name: 'Slim Jeans - Indigo',
    category: 'Jeans',
    price_cents: 8000,
    stock_quantity: 10,
  },
];
const now = Date.now();
const order = (
  n: number,
  product: number,
  customer: number,
  quantity: number,
  cents: number,
  soldAt: string,
): Order => ({
  id: `ORD-${String(n).padStart(8, '0')}`,
  product_id: `PRD-${String(product).padStart(5, '0')}`,
  customer_id: `CUS-${String(customer).padStart(6, '0')}`,
  quantity,
  unit_price_cents: cents,
  sold_at: soldAt,
});
// Revenue: 60.00 + 50.00 + 19.99 + 99.00 + 40.00 = 268.99; sold in the last 24 h: 99.00 + 40.00.
const merged = [
  order(1, 1, 1, 3, 2000, '2025-01-10T10:00:00.000Z'),
  order(2, 2, 2, 1, 5000, '2025-01-10T12:00:00.000Z'),
  order(3, 1, 2, 1, 1999, '2025-01-11T09:00:00.000Z'),
  order(4, 2, 3, 2, 4950, new Date(now - HOUR).toISOString()),
  order(5, 1, 1, 2, 2000, new Date(now - 2 * HOUR).toISOString()),
];
const unknownCustomer = order(6, 3, 99, 1, 8000, '2025-01-12T10:00:00.000Z');
const notYetMerged = [
  order(7, 3, 1, 1, 8000, '2025-01-13T10:00:00.000Z'),
  order(8, 3, 2, 1, 8000, '2025-01-13T11:00:00.000Z'),
];

let fixture: WarehouseFixture;
let dashboard: RunningDashboard;
const get = async (path: string, init?: RequestInit) => fetch(new URL(path, dashboard.url), init);
const json = async <T = Record<string, unknown>>(path: string): Promise<T> => {
  const response = await get(path);
  expect(response.status, `${path} status`).toBe(200);
  return (await response.json()) as T;
};

beforeAll(async () => {
  fixture = await openFixture({ customers, products });
  // Batch 1: the five orders, a redelivered copy of order 1 (new offset, same event), an
  // order for an unknown customer (quarantined by the task) and a record that is not JSON.
  await fixture.ingest([...merged, merged[0]!, unknownCustomer], ['{not json']);
  const run = await fixture.warehouse.runTask();
  expect(run.state).toBe('SUCCEEDED');
  // Batch 2: in RAW, not merged yet (the backlog).
  await fixture.ingest(notYetMerged);
  await mkdir(fixture.config.reportsDir, { recursive: true });
  // Reports of this warehouse, and newer ones of others that share the reports folder: the
  // dashboard's last validation is the newest of its own.
  const report = (
    generatedAt: string,
    status: string,
    summary: object,
    warehouse: object | undefined,
  ) =>
    writeFile(
      join(
        fixture.config.reportsDir,
        `validate_report_${generatedAt.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}.json`,
      ),
      JSON.stringify({
        report_version: 1,
        status,
        generated_at: generatedAt,
        summary,
        checks: [],
        ...(warehouse ? { warehouse } : {}),
      }),
    );
  const own = { description: fixture.warehouse.describe(), load_id: null };
  await report('2026-01-01T00:00:00.000Z', 'PASS', { pass: 10 }, own);
  await report('2026-01-02T00:00:00.000Z', 'WARN', { pass: 9, warn: 1 }, own);
  await report(
    '2026-01-03T00:00:00.000Z',
    'FAIL',
    { fail: 1 },
    {
      description: 'DuckDB /elsewhere/warehouse.duckdb',
      load_id: null,
    },
  );
  await report(
    '2026-01-04T00:00:00.000Z',
    'FAIL',
    { fail: 2 },
    { ...own, load_id: 'another-data-set' },
  );
  await report('2026-01-05T00:00:00.000Z', 'FAIL', { fail: 3 }, undefined);
  dashboard = await startDashboard({ config: fixture.config, warehouse: fixture.warehouse });
});

afterAll(async () => {
  await dashboard?.close();
  await fixture?.close();
});

describe('JSON API', () => {
  it('GET /api/kpis: totals and both "last 24 h" figures, equal to hand sums and to SQL', async () => {
    const kpis = await json('/api/kpis');
    expect(kpis).toMatchObject({
      total_orders: 5,
      total_revenue: 268.99,
      average_order_value: 53.8,
      orders_last_24h: 5, // all were received just now
      revenue_last_24h: 268.99,
      orders_last_24h_by_sale_time: 2, // only orders 4 and 5 were sold in the last day
      revenue_last_24h_by_sale_time: 139,
      customers: 3,
      products: 3,
      first_sale_at: '2025-01-10T10:00:00.000Z',
    });
    const [sql] = await fixture.warehouse.query<{ n: string; revenue: string; sold: string }>(
      'SELECT count(*) AS n, sum(quantity * unit_price) AS revenue, count(*) FILTER (WHERE sold_at >= $since) AS sold FROM orders',
      { since: new Date(Date.now() - 24 * HOUR) },
    );
    expect(kpis.total_orders).toBe(Number(sql!.n));
    expect(kpis.total_revenue).toBe(Number(sql!.revenue));
    expect(kpis.orders_last_24h_by_sale_time).toBe(Number(sql!.sold));
  });

  it('GET /api/top-products ranks by units and by revenue', async () => {
    const top = await json<{
      by_volume: Record<string, unknown>[];
      by_revenue: Record<string, unknown>[];
    }>('/api/top-products');
    expect(top.by_volume).toEqual([
      {
        product_id: 'PRD-00001',
        product_name: 'Classic Tee - Black',
        category: 'T-Shirts',
        units: 6,
        orders: 3,
        revenue: 119.99,
      },
      {
        product_id: 'PRD-00002',
        product_name: 'Urban Hoodie - Grey',
        category: 'Hoodies',
        units: 3,
        orders: 2,
        revenue: 149,
      },
    ]);
    expect(top.by_revenue.map((p) => p.product_id)).toEqual(['PRD-00002', 'PRD-00001']);
  });

  // Per unit: PRD-00001 costs 6.00 + 2.50 shipping (6 units sold, revenue 119.99), PRD-00002
  // 18.00 + 4.50 (3 units, revenue 149.00); PRD-00003 has no known cost but no merged order.
  it('GET /api/kpis: gross margin, margin rate and cost of sales, to the cent', async () => {
    const kpis = await json('/api/kpis');
    expect(kpis).toMatchObject({
      total_revenue: 268.99,
      supplier_cost: 90, // 6 × 6.00 + 3 × 18.00
      shipping_cost: 28.5, // 6 × 2.50 + 3 × 4.50
      gross_margin: 150.49, // 268.99 − 90.00 − 28.50
      margin_rate: 0.5595, // 150.49 / 268.99
      orders_without_cost: 0,
    });
  });

  it('GET /api/suppliers: margin per supplier, largest revenue first', async () => {
    const { suppliers } = await json<{ suppliers: unknown[] }>('/api/suppliers');
    expect(suppliers).toEqual([
      {
        supplier_id: 'SUP-005',
        supplier_name: 'Łódź Outerwear',
        supplier_country: 'Poland',
        orders: 2,
        units: 3,
        revenue: 149,
        supplier_cost: 54,
        shipping_cost: 13.5,
        gross_margin: 81.5,
        margin_rate: 0.547,
      },
      {
        supplier_id: 'SUP-001',
        supplier_name: 'Guangzhou Apparel Co.',
        supplier_country: 'China',
        orders: 3,
        units: 6,
        revenue: 119.99,
        supplier_cost: 36,
        shipping_cost: 15,
        gross_margin: 68.99,
        margin_rate: 0.575,
      },
    ]);
  });

  it('GET /api/categories sums sales per inventory category', async () => {
    const { categories } = await json<{ categories: unknown[] }>('/api/categories');
    expect(categories).toEqual([
      { category: 'Hoodies', orders: 2, units: 3, revenue: 149 },
      { category: 'T-Shirts', orders: 3, units: 6, revenue: 119.99 },
    ]);
  });

  it('GET /api/recent-orders lists the latest orders with product and customer names', async () => {
    const { orders } = await json<{ orders: Record<string, unknown>[] }>('/api/recent-orders');
    expect(orders).toHaveLength(5);
    expect(orders[0]).toMatchObject({
      id: 'ORD-00000004',
      product_name: 'Urban Hoodie - Grey',
      customer_name: 'Lucía García',
      city: 'Madrid',
      quantity: 2,
      unit_price: 49.5,
      amount: 99,
    });
    expect(orders.map((o) => o.id)).not.toContain('ORD-00000006');
    for (const o of orders) expect(Date.parse(String(o.ingested_at))).toBeGreaterThan(now - 60_000);
  });

  it('GET /api/timeseries: orders and revenue per day of sale, and the ingest rate from RAW', async () => {
    const series = await json<{
      daily: { day: string; orders: number; revenue: number }[];
      ingest_rate: { source: string; points: { t: string; rate: number }[] };
    }>('/api/timeseries');
    const sql = await fixture.warehouse.query<{ day: string; n: string; revenue: string }>(
      "SELECT strftime(CAST(sold_at AS DATE), '%Y-%m-%d') AS day, count(*) AS n, sum(quantity * unit_price) AS revenue FROM orders GROUP BY 1 ORDER BY 1",
    );
    expect(series.daily).toEqual(
      sql.map((r) => ({ day: r.day, orders: Number(r.n), revenue: Number(r.revenue) })),
    );
    expect(series.daily.slice(0, 2)).toEqual([
      { day: '2025-01-10', orders: 2, revenue: 110 },
      { day: '2025-01-11', orders: 1, revenue: 19.99 },
    ]);
    expect(series.ingest_rate.source).toBe('warehouse');
    expect(series.ingest_rate.points).toHaveLength(60);
    expect(series.ingest_rate.points.some((p) => p.rate > 0)).toBe(true);
  });

  it('GET /api/health: RAW, PROD, backlog, last run, dead letters, freshness, validation', async () => {
    const health = await json<Record<string, unknown>>('/api/health');
    const [sql] = await fixture.warehouse.query<{ raw: string; backlog: string; dead: string }>(
      `SELECT (SELECT count(*) FROM orders_events) AS raw,
              (SELECT count(*) FROM orders_events WHERE ingest_seq > (SELECT stream_offset FROM task_state)) AS backlog,
              (SELECT count(*) FROM orders_quarantine) AS dead`,
    );
    expect(health).toMatchObject({
      raw_rows: 9, // 5 orders + 1 redelivery + 1 unknown customer + 2 not merged yet
      prod_orders: 5, // the redelivered order 1 is not doubled
      backlog: 2,
      consumer_lag: null,
      ingest_rate: null,
      last_task_run: { state: 'SUCCEEDED', rowsInserted: 5, rowsQuarantined: 1 },
      task_runs: { SUCCEEDED: 1 },
      dead_letters: {
        total: 2,
        top_reasons: [
          { reason: 'invalid_json', stage: 'ingest', count: 1 },
          { reason: 'unknown_customer', stage: 'task', count: 1 },
        ],
      },
      freshness: { stale: false, threshold_seconds: 900 },
      validation: {
        status: 'WARN',
        generated_at: '2026-01-02T00:00:00.000Z',
        summary: { pass: 9, warn: 1 },
        file: 'validate_report_20260102T000000Z.json',
      },
    });
    // DuckDB's own accounting of what it holds in this process: its buffer pool at least.
    expect(health.engine_memory_bytes).toBeGreaterThan(0);
    expect([
      health.raw_rows,
      health.backlog,
      (health.dead_letters as { total: number }).total,
    ]).toEqual([Number(sql!.raw), Number(sql!.backlog), Number(sql!.dead)]);
    expect((health.freshness as { age_seconds: number }).age_seconds).toBeLessThan(120);
  });

  it('GET /metrics is Prometheus text with the pipeline gauges', async () => {
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const line of [
      'dropship_warehouse_up 1',
      'dropship_raw_rows 9',
      'dropship_prod_orders 5',
      'dropship_stream_backlog 2',
      'dropship_dead_letters 2',
      'dropship_dead_letters_by_reason{reason="invalid_json",stage="ingest"} 1',
      'dropship_task_runs_recorded{state="SUCCEEDED"} 1',
      'dropship_task_runs_recorded{state="FAILED"} 0',
      'dropship_gross_margin_euros 150.49',
      // No order is cancelled or returned there: net = gross.
      'dropship_net_margin_euros 150.49',
    ]) {
      expect(text).toContain(`\n${line}\n`);
    }
    expect(text).toContain('# TYPE dropship_raw_rows gauge');
  });
});

describe('HTTP behaviour', () => {
  it('is read-only: 405 for anything but GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await get('/api/kpis', { method, body: method === 'DELETE' ? null : '{}' });
      expect(response.status, method).toBe(405);
      expect(((await response.json()) as { error: string }).error).toMatch(/read-only/);
    }
    const head = await get('/api/kpis', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('sends the security headers on pages, API, vendor files and errors', async () => {
    for (const path of [
      '/',
      '/app.js',
      '/api/kpis',
      '/vendor/uPlot.iife.min.js',
      '/metrics',
      '/nope',
    ]) {
      const response = await get(path);
      await response.arrayBuffer();
      expect(response.headers.get('content-security-policy'), path).toMatch(/default-src 'self'/);
      expect(response.headers.get('content-security-policy'), path).not.toMatch(/unsafe/);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('serves only the listed files', async () => {
    const page = await get('/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Dropship');
    const chart = await get('/vendor/uPlot.iife.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await chart.text()).length).toBeGreaterThan(10_000);
    for (const path of [
      '/vendor/uPlot.cjs.js',
      '/vendor/../package.json',
      '/static/app.js',
      '/src/dashboard/server.ts',
      '/%2e%2e/package.json',
      '/node_modules/uplot/package.json',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      await response.arrayBuffer();
    }
  });

  it('names the port and the fix when the port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const config = { ...fixture.config, dashboard: { host: '127.0.0.1', port } };
      await expect(startDashboard({ config, warehouse: fixture.warehouse })).rejects.toThrow(
        new RegExp(`port ${port} .*already in use.*--port.*DASHBOARD_PORT`),
      );
    } finally {
      busy.close();
    }
  });
});

describe('outages, caching and live counters', () => {
  it('answers 503 with {error} while the warehouse fails, and recovers by itself', async () => {
    const outage = switchableWarehouse(fixture.warehouse);
    const server = await startDashboard(
      { config: fixture.config, warehouse: outage.warehouse },
      { cacheMs: 0 },
    );
    try {
      expect((await fetch(new URL('/api/kpis', server.url))).status).toBe(200);
      expect(await (await fetch(new URL('/metrics', server.url))).text()).toContain(
        '\ndropship_raw_rows 9\n',
      );
      outage.fail(true);
      for (const path of ['/api/kpis', '/api/health', '/api/snapshot']) {
        const response = await fetch(new URL(path, server.url));
        expect(response.status, path).toBe(503);
        expect(await response.json()).toMatchObject({
          error: expect.stringMatching(/simulated outage/),
          code: 'WAREHOUSE_UNAVAILABLE',
        });
      }
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      expect(metrics).toContain('\ndropship_warehouse_up 0\n');
      expect(metrics).toContain('\ndropship_raw_rows 9\n'); // the last known value stays
      outage.fail(false);
      const back = await fetch(new URL('/api/kpis', server.url));
      expect(back.status).toBe(200);
      expect(await back.json()).toMatchObject({ total_orders: 5 });
    } finally {
      await server.close();
    }
  });

  it('shares one snapshot between requests within a second', async () => {
    const counting = switchableWarehouse(fixture.warehouse);
    const server = await startDashboard({ config: fixture.config, warehouse: counting.warehouse });
    try {
      await fetch(new URL('/api/kpis', server.url)).then((r) => r.json());
      const perRefresh = counting.queries();
      expect(perRefresh).toBeGreaterThan(0);
      // One read per card or figure group (17 since returns, delivery time and stock): a read
      // per row (an N+1) would go far past it.
      expect(perRefresh).toBeLessThanOrEqual(17);
      await Promise.all(
        ['/api/kpis', '/api/health', '/api/timeseries', '/api/snapshot', '/api/kpis'].map((p) =>
          fetch(new URL(p, server.url)).then((r) => r.json()),
        ),
      );
      expect(counting.queries()).toBe(perRefresh);
    } finally {
      await server.close();
    }
  });

  it('uses the live counters of `dropship run` when they are there', async () => {
    const stats = new PipelineStats();
    stats.recordBatch(40, 38, 1, 1);
    stats.taskRuns.SUCCEEDED = 3;
    const consumer = {
      lag: async () => 7,
      batches: () => ({
        [Symbol.asyncIterator]: () => ({
          next: async () => ({ done: true as const, value: undefined }),
        }),
      }),
      close: async () => undefined,
    };
    const server = await startDashboard({
      config: fixture.config,
      warehouse: fixture.warehouse,
      stats,
      consumer,
    });
    try {
      const health = (await (await fetch(new URL('/api/health', server.url))).json()) as Record<
        string,
        unknown
      >;
      expect(health.consumer_lag).toBe(7);
      expect(health.ingest_rate).toBeGreaterThan(0);
      const series = (await (await fetch(new URL('/api/timeseries', server.url))).json()) as {
        ingest_rate: { source: string; points: unknown[] };
      };
      expect(series.ingest_rate.source).toBe('live');
      expect(series.ingest_rate.points.length).toBeGreaterThan(0);
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      for (const line of [
        'dropship_events_consumed_total 40',
        'dropship_events_ingested_total 38',
        'dropship_ingest_batches_total 1',
        'dropship_task_runs_total{state="SUCCEEDED"} 3',
        'dropship_consumer_lag 7',
      ]) {
        expect(metrics).toContain(`\n${line}\n`);
      }
      const engine = /^dropship_warehouse_engine_memory_bytes (\d+)$/m.exec(metrics);
      expect(Number(engine?.[1])).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});

describe('before any data', () => {
  it('reports zeros on an empty warehouse, and "not set up" as a 503 the page shows as an empty state', async () => {
    const empty = await openFixture();
    const bare = await openFixture({ setup: false });
    const a = await startDashboard({ config: empty.config, warehouse: empty.warehouse });
    const b = await startDashboard({ config: bare.config, warehouse: bare.warehouse });
    try {
      const kpis = await (await fetch(new URL('/api/kpis', a.url))).json();
      expect(kpis).toMatchObject({
        total_orders: 0,
        total_revenue: 0,
        orders_last_24h: 0,
        orders_last_24h_by_sale_time: 0,
        first_sale_at: null,
      });
      const health = (await (await fetch(new URL('/api/health', a.url))).json()) as Record<
        string,
        unknown
      >;
      expect(health).toMatchObject({
        raw_rows: 0,
        backlog: 0,
        last_task_run: null,
        validation: null,
        freshness: { age_seconds: null, stale: false },
      });
      const response = await fetch(new URL('/api/kpis', b.url));
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        code: 'NOT_SET_UP',
        empty: true,
        hint: expect.stringMatching(/dropship setup/),
      });
    } finally {
      await a.close();
      await b.close();
      await empty.close();
      await bare.close();
    }
  });
});
