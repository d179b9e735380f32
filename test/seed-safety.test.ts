/**
 * Data safety of `run` and `setup` with a user's own CSVs: they are never written over; the
 * manifest is built from them; a folder with only some of them stops with a clear message.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

const CUSTOMERS =
  'id,name,email,city,country\nCUS-000001,Ana Martin,ana@example.com,Lyon,France\nCUS-000002,Ben Roy,ben@example.com,Paris,France\n';
const INVENTORY =
  'id,product_name,category,price,stock_quantity\nPRD-00001,Linen shirt,shirts,39.90,12\nPRD-00002,Wool scarf,accessories,19.99,4\n';
const ORDERS =
  'id,product_id,customer_id,quantity,unit_price,sold_at\n' +
  Array.from(
    { length: 10 },
    (_, i) =>
      `ORD-${String(i + 1).padStart(8, '0')},PRD-0000${(i % 2) + 1},CUS-00000${(i % 2) + 1},${i + 1},${i % 2 ? '19.99' : '39.90'},2025-06-0${(i % 9) + 1}T10:00:00.000Z`,
  ).join('\n') +
  '\n';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dropship-seed-safety-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function userFolder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe("a user's CSVs without manifest.json", () => {
  it('`run --once` uses them, builds the manifest from them and never rewrites them', async () => {
    const dir = await userFolder('run', {
      'customers.csv': CUSTOMERS,
      'inventory.csv': INVENTORY,
      'orders.csv': ORDERS,
    });
    const result = await runCli(['run', '--once', '--no-dashboard'], {
      cwd: root,
      env: { SEED_DIR: dir, DUCKDB_PATH: join(root, 'run.duckdb') },
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('without manifest.json');
    expect(result.stderr).not.toContain('generating');
    expect(await readFile(join(dir, 'orders.csv'), 'utf8')).toBe(ORDERS);
    expect(await readFile(join(dir, 'customers.csv'), 'utf8')).toBe(CUSTOMERS);
    expect(await readFile(join(dir, 'inventory.csv'), 'utf8')).toBe(INVENTORY);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.totals.orders).toBe(10);
    expect(manifest.totals.customers).toBe(2);
    // 25 items at 39.90 (quantities 1,3,5,7,9) + 30 at 19.99 (2,4,6,8,10)
    expect(manifest.totals.revenue).toBe('1597.20');
    expect(result.stderr).toMatch(/PROD orders 10\b/);

    const validate = await runCli(['validate', '--output-dir', join(root, 'reports')], {
      cwd: root,
      env: { SEED_DIR: dir, DUCKDB_PATH: join(root, 'run.duckdb') },
    });
    expect(validate.stdout).toMatch(/PASS\s+reconciliation/);
    // An inventory.csv without supplier columns: costs unknown, and said so, not taken as zero.
    expect(manifest.totals.margin).toBeNull();
    expect(result.stderr).toContain('2 without supplier costs');
    expect(validate.stdout).toMatch(/WARN\s+margin\s+margin not computed/);
  }, 150_000);

  it('`setup` loads them instead of saying they are missing', async () => {
    const dir = await userFolder('setup', {
      'customers.csv': CUSTOMERS,
      'inventory.csv': INVENTORY,
      'orders.csv': ORDERS,
    });
    const result = await runCli(['setup', '--seed-dir', dir], {
      cwd: root,
      env: { DUCKDB_PATH: join(root, 'setup.duckdb') },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('no seed files');
    expect(result.stderr).toContain(
      'loaded 2 customers and 2 products from ' + dir + '; 2 without supplier costs',
    );
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    expect(await readFile(join(dir, 'orders.csv'), 'utf8')).toBe(ORDERS);
  });

  it('`run` with only some of the CSVs stops, naming them, and writes nothing', async () => {
    const dir = await userFolder('partial', { 'orders.csv': ORDERS });
    const result = await runCli(['run', '--once', '--no-dashboard'], {
      cwd: root,
      env: { SEED_DIR: dir, DUCKDB_PATH: join(root, 'partial.duckdb') },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('orders.csv');
    expect(result.stderr).toMatch(/not customers\.csv, inventory\.csv/);
    expect(result.stderr).toContain('SEED_DIR');
    expect(await readFile(join(dir, 'orders.csv'), 'utf8')).toBe(ORDERS);
    expect(existsSync(join(dir, 'customers.csv'))).toBe(false);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  });
});
