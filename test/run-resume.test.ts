/**
 * `dropship run` on the newcomer's path (embedded: in-process bus + DuckDB): a run stopped with
 * Ctrl-C or killed with -9 and started again resumes its replay where its ingest stopped, so
 * RAW holds each order's event once (the user's own CSVs: seed-safety.test.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { replayedEvents, type Manifest } from '../src/domain/manifest.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';

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
  manifest = JSON.parse(await readFile(join(seedDir, 'manifest.json'), 'utf8')) as Manifest;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The replay's records: each order's creation and its lifecycle steps. */
const events = () => replayedEvents(manifest);
let manifest: Manifest;

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
      await waitForOutput(first, /run: [1-9][\d,]*\/[\d,]+ events/, 60_000);
      // Past the first task runs, so something is in RAW and PROD when it stops.
      await new Promise((r) => setTimeout(r, 2500));
      first.child.kill(stop);
      const stopped = await first.result;
      if (stop === 'SIGINT') expect(stopped.code, stopped.stderr).toBe(130);
      else expect(stopped.signal).toBe('SIGKILL');
      const before = await raw(l.db);
      // The stop happened after some rows were written and before the replay's end.
      expect(before.rows).toBeGreaterThan(0);
      expect(before.rows).toBeLessThan(events());

      const again = await runCli(['run', '--once'], { cwd: dir, env: l.env, timeoutMs: 120_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`resuming the replay after row ${before.rows}`);
      expect(await raw(l.db)).toEqual({ rows: events(), orders: ORDERS });
      const validate = await runCli(['validate'], { cwd: dir, env: l.env });
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);

      // A finished replay is not sent again.
      const third = await runCli(['run', '--once'], { cwd: dir, env: l.env, timeoutMs: 120_000 });
      expect(third.code, third.stderr).toBe(0);
      expect(third.stderr).toMatch(/replay already complete/);
      expect(await raw(l.db)).toEqual({ rows: events(), orders: ORDERS });
    }, 180_000);
  }
});
