/**
 * `dropship run` on the newcomer's path (embedded: in-process bus + DuckDB): a run stopped with
 * Ctrl-C or killed with -9 and started again resumes its replay where its ingest stopped, so
 * RAW holds each order's event once; a folder of the user's own CSVs without a manifest is used
 * as it is (a manifest is built from it), never generated over.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/domain/manifest.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, startCli } from './helpers/cli.ts';
import { waitForOutput } from './helpers/pipeline-processes.ts';

const ORDERS = 2000;
let dir: string;
let seedDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-resume-'));
  seedDir = join(dir, 'seed');
  const gen = await runCli(
    [
      'generate',
      '--orders',
      String(ORDERS),
      '--customers',
      '200',
      '--products',
      '50',
      '--output-dir',
      seedDir,
    ],
    { cwd: dir },
  );
  expect(gen.code, gen.stderr).toBe(0);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function raw(db: string): Promise<{ rows: number; orders: number }> {
  const w = await DuckDbWarehouse.open(db);
  try {
    const [r] = await w.query<{ n: string; ids: string }>(
      'SELECT count(*) AS n, count(DISTINCT order_id) AS ids FROM orders_events',
    );
    return { rows: Number(r?.n), orders: Number(r?.ids) };
  } finally {
    await w.close();
  }
}

function lane(name: string) {
  const db = join(dir, `${name}.duckdb`);
  return {
    db,
    env: {
      SEED_DIR: seedDir,
      DUCKDB_PATH: db,
      REPORTS_DIR: join(dir, `reports-${name}`),
      RUN_RATE: '200',
    },
  };
}

describe('a restarted run resumes its replay', () => {
  for (const stop of ['SIGINT', 'SIGKILL'] as const) {
    it(`after ${stop} part-way, run --once stores only the rest: RAW holds each order once, validate passes`, async () => {
      const l = lane(stop);
      const first = startCli(['run', '--port', '0'], { cwd: dir, env: l.env, timeoutMs: 120_000 });
      await waitForOutput(first, /run: [1-9][\d,]*\/2,000 events/, 60_000);
      // Past the first task runs, so something is in RAW and PROD when it stops.
      await new Promise((r) => setTimeout(r, 2500));
      first.child.kill(stop);
      const stopped = await first.result;
      if (stop === 'SIGINT') expect(stopped.code, stopped.stderr).toBe(0);
      else expect(stopped.signal).toBe('SIGKILL');
      const before = await raw(l.db);
      // The stop happened after some rows were written and before the replay's end.
      expect(before.rows).toBeGreaterThan(0);
      expect(before.rows).toBeLessThan(ORDERS);

      const again = await runCli(['run', '--once'], { cwd: dir, env: l.env, timeoutMs: 120_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`resuming the replay after row ${before.rows}`);
      expect(await raw(l.db)).toEqual({ rows: ORDERS, orders: ORDERS });
      const validate = await runCli(['validate'], { cwd: dir, env: l.env });
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);

      // A finished replay is not sent again.
      const third = await runCli(['run', '--once'], { cwd: dir, env: l.env, timeoutMs: 120_000 });
      expect(third.code, third.stderr).toBe(0);
      expect(third.stderr).toMatch(/replay already complete/);
      expect(await raw(l.db)).toEqual({ rows: ORDERS, orders: ORDERS });
    }, 180_000);
  }
});

describe("a folder of the user's own CSVs", () => {
  const sha = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');

  it('without a manifest: used as it is (manifest built from the files, nothing generated over them)', async () => {
    const own = join(dir, 'own');
    await mkdir(own, { recursive: true });
    await copyFile(join(seedDir, 'customers.csv'), join(own, 'customers.csv'));
    await copyFile(join(seedDir, 'inventory.csv'), join(own, 'inventory.csv'));
    const lines = (await readFile(join(seedDir, 'orders.csv'), 'utf8')).split('\n');
    await writeFile(join(own, 'orders.csv'), lines.slice(0, 11).join('\n') + '\n');
    const before = await Promise.all(
      ['customers.csv', 'inventory.csv', 'orders.csv'].map((f) => sha(join(own, f))),
    );
    const env = {
      SEED_DIR: own,
      DUCKDB_PATH: join(dir, 'own.duckdb'),
      REPORTS_DIR: join(dir, 'reports-own'),
    };

    const setup = await runCli(['setup'], { cwd: dir, env });
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stderr).toMatch(/loaded 200 customers and 50 products/);
    const run = await runCli(['run', '--once'], { cwd: dir, env, timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/has CSVs but no manifest.json: building it from them/);
    expect(run.stderr).not.toMatch(/generating/);
    const after = await Promise.all(
      ['customers.csv', 'inventory.csv', 'orders.csv'].map((f) => sha(join(own, f))),
    );
    expect(after).toEqual(before);
    const manifest = JSON.parse(await readFile(join(own, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({
      built_from_files: true,
      totals: { orders: 10, customers: 200, products: 50 },
    });
    expect(await raw(env.DUCKDB_PATH)).toEqual({ rows: 10, orders: 10 });
    const validate = await runCli(['validate'], { cwd: dir, env });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  }, 120_000);

  it('with a file missing: stops, names what is there and what is missing, and writes nothing', async () => {
    const partial = join(dir, 'partial');
    await mkdir(partial, { recursive: true });
    await copyFile(join(seedDir, 'customers.csv'), join(partial, 'customers.csv'));
    await writeFile(
      join(partial, 'orders.csv'),
      'id,product_id,customer_id,quantity,unit_price,sold_at\n',
    );
    const env = { SEED_DIR: partial, DUCKDB_PATH: join(dir, 'partial.duckdb') };
    const run = await runCli(['run', '--once'], { cwd: dir, env, timeoutMs: 60_000 });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/has customers\.csv, orders\.csv but not inventory\.csv/);
    expect(existsSync(join(partial, 'inventory.csv'))).toBe(false);
    expect(existsSync(join(partial, 'manifest.json'))).toBe(false);
    expect((await readFile(join(partial, 'orders.csv'), 'utf8')).split('\n')).toHaveLength(2);
  }, 60_000);
});
