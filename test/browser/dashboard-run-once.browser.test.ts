/**
 * The dashboard of a real small run, in chromium: `dropship generate` (with its lifecycle),
 * `dropship run --once` into a DuckDB file, then `dropship monitor` over it, as a user does.
 * The funnel, margin, return-rate, delivery-time and stock cards show the figures of the API
 * (/api/snapshot), with no console error. Screenshot: test-results/dashboard-run-once.png.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/dashboard/snapshot.ts';
import { dashboardUrl, runCli, startCli, type StartedCli } from '../helpers/cli.ts';
import {
  browserSuiteTitle,
  digits,
  failWithoutChromiumInCi,
  hasChromium,
  launchChromium,
  RESULTS,
} from './chromium.ts';

failWithoutChromiumInCi();

/** The page's one-decimal figures, in the page's locale (en-US). */
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format;

describe.skipIf(!hasChromium)(browserSuiteTitle('dashboard of `run --once` in chromium'), () => {
  let dir: string;
  let monitor: StartedCli | undefined;
  let browser: Browser;
  let page: Page;
  let snapshot: Snapshot;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dropship-run-once-'));
    const env = {
      SEED_DIR: join(dir, 'seed'),
      DUCKDB_PATH: join(dir, 'warehouse.duckdb'),
      REPORTS_DIR: join(dir, 'reports'),
    };
    const generate = await runCli(
      ['generate', '--customers', '300', '--products', '60', '--orders', '2000', '--seed', '7'],
      { cwd: dir, env },
    );
    expect(generate.code, generate.stderr).toBe(0);
    const run = await runCli(['run', '--once', '--no-dashboard'], {
      cwd: dir,
      env,
      timeoutMs: 180_000,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    monitor = startCli(['monitor', '--port', '0'], { cwd: dir, env, timeoutMs: 180_000 });
    const url = await dashboardUrl(monitor);
    snapshot = (await (await fetch(new URL('/api/snapshot', url))).json()) as Snapshot;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-state="live"]', { timeout: 30_000 });
    await mkdir(RESULTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (monitor) {
      monitor.child.kill('SIGTERM');
      await monitor.result;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the run merged whole lifecycles: the API has returns, deliveries and stock', () => {
    const { funnel, returns, delivery, stock, kpis } = snapshot;
    expect(kpis.total_orders).toBe(2000);
    expect(funnel.created).toBe(2000);
    expect(funnel.delivered).toBeGreaterThan(0);
    expect(funnel.returned).toBeGreaterThan(0);
    expect(returns.by_category.length).toBeGreaterThan(0);
    expect(returns.by_reason.map((r) => r.reason).sort()).toEqual([
      'not_as_described',
      'quality',
      'size',
    ]);
    expect(delivery.length).toBeGreaterThan(0);
    expect(stock.products).toBe(60);
  });

  it('shows the funnel, margin, return-rate, delivery-time and stock cards with the API figures, without console errors', async () => {
    const { funnel, returns, delivery, stock, kpis } = snapshot;
    expect(digits(await page.textContent('#kpi-total-orders'))).toBe(kpis.total_orders);
    expect(digits(await page.textContent('#kpi-gross-margin'))).toBe(
      Math.round(kpis.gross_margin! * 100),
    );

    const funnelValues = await page.locator('#funnel .bar-value').allTextContents();
    expect(funnelValues.map(digits)).toEqual([
      funnel.created,
      funnel.paid,
      funnel.shipped,
      funnel.delivered,
      funnel.cancelled,
      funnel.returned,
    ]);

    const categories = page.locator('#returns-category li');
    expect(await categories.count()).toBe(returns.by_category.length);
    const first = returns.by_category[0]!;
    expect(await categories.first().textContent()).toContain(first.category);
    expect(await categories.first().locator('.bar-value').textContent()).toBe(
      `${oneDecimal(first.return_rate * 100)} %`,
    );
    expect(await page.locator('#returns-reason li').count()).toBe(returns.by_reason.length);

    const suppliers = page.locator('#delivery li');
    expect(await suppliers.count()).toBe(delivery.length);
    const fastest = delivery[0]!;
    expect(await suppliers.first().textContent()).toContain(fastest.supplier_name ?? '');
    expect(await suppliers.first().locator('.bar-value').textContent()).toBe(
      `${oneDecimal(fastest.median_days)} d · ${oneDecimal(fastest.p90_days)} d`,
    );

    const tiles = await page.locator('#stock-tiles .tile-value').allTextContents();
    expect(tiles.map(digits)).toEqual([stock.out_of_stock, stock.low_stock, stock.units]);
    expect(await page.locator('#stock-lowest tr').count()).toBe(Math.max(1, stock.lowest.length));

    expect(consoleErrors).toEqual([]);
    await page.waitForTimeout(600); // let the bar transitions settle
    await page.screenshot({ path: `${RESULTS}dashboard-run-once.png`, fullPage: true });
  });
});
