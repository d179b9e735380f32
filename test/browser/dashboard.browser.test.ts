/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core): the page
 * loads without console errors, shows the same KPIs as the API, moves when new orders are
 * merged, shows an outage banner while the warehouse fails and recovers by itself.
 * Screenshots go to test-results/ (git-ignored).
 */
import { mkdir } from 'node:fs/promises';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.ts';
import type { Order } from '../../src/domain/entities.ts';
import { generateOrders, LiveOrders } from '../../src/generator/orders.ts';
import { generateCustomers, generateProducts } from '../../src/generator/reference-data.ts';
import type { RunningDashboard } from '../../src/pipeline/run.ts';
import { PipelineStats } from '../../src/pipeline/stats.ts';
import {
  browserSuiteTitle,
  digits,
  failWithoutChromiumInCi,
  hasChromium,
  launchChromium,
  RESULTS,
} from './chromium.ts';
import { openFixture, switchableWarehouse, type WarehouseFixture } from './fixture.ts';

failWithoutChromiumInCi();

describe.skipIf(!hasChromium)(browserSuiteTitle('dashboard in chromium'), () => {
  let fixture: WarehouseFixture;
  let dashboard: RunningDashboard;
  let browser: Browser;
  let page: Page;
  let outage: ReturnType<typeof switchableWarehouse>;
  let live: LiveOrders;
  const stats = new PipelineStats();
  const consoleErrors: string[] = [];

  async function ingestAndMerge(orders: Order[]): Promise<void> {
    for (let i = 0; i < orders.length; i += 500) {
      const batch = orders.slice(i, i + 500);
      const result = await fixture.ingest(batch);
      stats.recordBatch(batch.length, result.inserted, result.quarantined, result.redelivered);
    }
    const run = await fixture.warehouse.runTask();
    expect(run.state).toBe('SUCCEEDED');
  }

  async function apiKpis(): Promise<Record<string, number>> {
    return (await (await fetch(new URL('/api/kpis', dashboard.url))).json()) as Record<
      string,
      number
    >;
  }

  beforeAll(async () => {
    const customers = [...generateCustomers(400, 42)];
    const products = [...generateProducts(80, 42)];
    fixture = await openFixture({ customers, products });
    const shape = {
      customers: customers.length,
      productPrices: products.map((p) => p.price_cents),
      seed: 42,
    };
    const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    await ingestAndMerge([
      ...generateOrders(3000, shape, { start: new Date(end.getTime() - 120 * 86_400_000), end }),
    ]);
    live = new LiveOrders(shape);
    await ingestAndMerge(Array.from({ length: 40 }, () => live.next()));

    outage = switchableWarehouse(fixture.warehouse);
    dashboard = await startDashboard({
      config: fixture.config,
      warehouse: outage.warehouse,
      stats,
    });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    await mkdir(RESULTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await fixture?.close();
  });

  it('loads without console errors and shows the KPIs of /api/kpis', async () => {
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-state="live"]', { timeout: 15_000 });
    const kpis = await apiKpis();
    expect(kpis.total_orders).toBe(3040);
    await expect
      .poll(async () => digits(await page.textContent('#kpi-total-orders')))
      .toBe(kpis.total_orders);
    expect(digits(await page.textContent('#kpi-total-revenue'))).toBe(
      Math.round(kpis.total_revenue! * 100),
    );
    expect(digits(await page.textContent('#kpi-orders-24h'))).toBe(kpis.orders_last_24h);
    expect(digits(await page.textContent('#kpi-orders-24h-sale'))).toBe(
      kpis.orders_last_24h_by_sale_time,
    );
    // Distinct buyers and products sold: the API's figure, or "—" while it sends none.
    for (const [id, field] of [
      ['#kpi-buyers', 'buyers'],
      ['#kpi-products-sold', 'products_sold'],
    ] as const) {
      const text = await page.textContent(id);
      if (kpis[field] === undefined) expect(text).toBe('—');
      else expect(digits(text)).toBe(kpis[field]);
    }
    expect(await page.textContent('#kpi-orders-24h-sub')).toMatch(/ingestion time/);
    expect(await page.textContent('#kpi-orders-24h-sale-sub')).toMatch(/sale time/);

    // Charts drew, lists and tables filled in.
    expect(await page.locator('#chart-daily canvas').count()).toBe(1);
    expect(await page.locator('#chart-rate canvas').count()).toBe(1);
    expect(await page.locator('#recent tr').count()).toBe(20);
    expect(await page.locator('#top-volume li').count()).toBe(5);
    expect(await page.locator('#categories li').count()).toBeGreaterThan(3);
    expect(await page.locator('#banner').isHidden()).toBe(true);

    // Margin: the generated catalogue has supplier costs, so every order is costed.
    expect(kpis.orders_without_cost).toBe(0);
    expect(kpis.gross_margin).toBeGreaterThan(0);
    expect(digits(await page.textContent('#kpi-gross-margin'))).toBe(
      Math.round(kpis.gross_margin! * 100),
    );
    expect(
      Number((await page.textContent('#kpi-margin-rate'))!.replace(/[^\d.]/g, '')),
    ).toBeCloseTo(kpis.margin_rate! * 100, 1);
    // Net margin (the figures behind it: test/dashboard-funnel.test.ts), as the API gives it.
    expect(kpis.net_margin).toBeGreaterThan(0);
    expect(digits(await page.textContent('#kpi-net-margin'))).toBe(
      Math.round(kpis.net_margin! * 100),
    );
    expect(await page.textContent('#kpi-net-margin-sub')).toMatch(/% of kept revenue/);
    expect(digits(await page.textContent('#kpi-cost-of-sales'))).toBe(
      Math.round((kpis.supplier_cost! + kpis.shipping_cost!) * 100),
    );
    const { suppliers } = (await (
      await fetch(new URL('/api/suppliers', dashboard.url))
    ).json()) as { suppliers: { supplier_name: string; gross_margin: number }[] };
    expect(suppliers.length).toBeGreaterThan(3);
    expect(await page.locator('#suppliers li').count()).toBe(suppliers.length);
    expect(await page.locator('#suppliers li').first().textContent()).toContain(
      suppliers[0]!.supplier_name,
    );
    expect(consoleErrors).toEqual([]);
    await page.waitForTimeout(600); // let the bar and highlight transitions settle
    await page.screenshot({ path: `${RESULTS}dashboard.png`, fullPage: true });
  });

  it('updates by itself after new orders are ingested and merged', async () => {
    const before = digits(await page.textContent('#kpi-total-orders'));
    await ingestAndMerge(Array.from({ length: 25 }, () => live.next()));
    await expect
      .poll(async () => digits(await page.textContent('#kpi-total-orders')), { timeout: 10_000 })
      .toBe(before + 25);
    expect((await apiKpis()).total_orders).toBe(before + 25);
    expect(consoleErrors).toEqual([]);
  });

  it('shows a banner while the warehouse fails, and recovers when it answers again', async () => {
    outage.fail(true);
    try {
      await page.waitForSelector('#banner:not([hidden])', { timeout: 10_000 });
      expect(await page.textContent('#banner')).toMatch(/Warehouse unavailable.*simulated outage/s);
      expect(await page.getAttribute('body', 'data-state')).toBe('outage');
      await page.screenshot({ path: `${RESULTS}dashboard-outage.png` });
    } finally {
      outage.fail(false);
    }
    await page.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 10_000 });
    expect(await page.getAttribute('body', 'data-state')).toBe('live');
    // The only errors allowed are the browser's own notes about the 503 answers.
    expect(consoleErrors.filter((e) => !/status of 503/.test(e))).toEqual([]);
  });

  it('draws days without sales as zeros and counts with whole-number ticks only', async () => {
    // A small shop: 1 order on the 10th, none on the 11th and 12th, 2 on the 13th. With a
    // maximum of 2 a day, uPlot's default steps would tick at 0.5.
    const small = await openFixture({
      customers: [
        { id: 'CUS-000001', name: 'A B', email: 'a@example.fr', city: 'Lyon', country: 'France' },
      ],
      products: [
        {
          id: 'PRD-00001',
          product_name: 'Classic Tee - Black',
          category: 'T-Shirts',
          price_cents: 2000,
          stock_quantity: 5,
        },
      ],
    });
    const sold = (n: number, soldAt: string): Order => ({
      id: `ORD-${String(n).padStart(8, '0')}`,
      product_id: 'PRD-00001',
      customer_id: 'CUS-000001',
      quantity: 1,
      unit_price_cents: 2000,
      sold_at: soldAt,
    });
    await small.ingest([
      sold(1, '2025-01-10T10:00:00.000Z'),
      sold(2, '2025-01-13T09:00:00.000Z'),
      sold(3, '2025-01-13T15:00:00.000Z'),
    ]);
    expect((await small.warehouse.runTask()).state).toBe('SUCCEEDED');
    const smallDashboard = await startDashboard({
      config: small.config,
      warehouse: small.warehouse,
    });
    const smallPage = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const errors: string[] = [];
    smallPage.on('pageerror', (error) => errors.push(error.message));
    try {
      await smallPage.goto(smallDashboard.url);
      await smallPage.waitForSelector('body[data-state="live"]', { timeout: 15_000 });
      const api = (await (await fetch(new URL('/api/timeseries', smallDashboard.url))).json()) as {
        daily: { day: string }[];
      };
      expect(api.daily.map((d) => d.day)).toEqual(['2025-01-10', '2025-01-13']);
      // Four days drawn from the API's two: the 11th and 12th are there, as zeros.
      await expect.poll(() => smallPage.getAttribute('#chart-daily', 'data-days')).toBe('4');
      const ticks = (await smallPage.getAttribute('#chart-daily', 'data-order-ticks')) ?? '';
      const values = ticks.split(' ').filter(Boolean).map(Number);
      expect(values.length).toBeGreaterThanOrEqual(2);
      expect(values.filter((v) => !Number.isInteger(v))).toEqual([]);
      expect(new Set(values).size).toBe(values.length);
      await smallPage.screenshot({ path: `${RESULTS}dashboard-small.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await smallPage.close();
      await smallDashboard.close();
      await small.close();
    }
  });
});
