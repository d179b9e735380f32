/**
 * `dropship run --once` while every task run fails (here PROD `orders` lost a column the MERGE
 * writes, as a broken task SQL does): the run says why PROD does not catch up, waits between
 * attempts instead of re-running the task in a busy loop, and SIGTERM stops it (exit 143).
 * Before, it re-ran the failing task at once, forever, silently, with a core busy, and ignored
 * SIGTERM (seen on Snowflake; reproduced here on DuckDB: ~40,000 FAILED runs in 25 s).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, startCli, waitForOutput, type StartedCli } from './helpers/cli.ts';

let dir: string;
let run: StartedCli | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-task-failing-'));
  env = {
    SEED_DIR: join(dir, 'seed'),
    DUCKDB_PATH: join(dir, 'warehouse.duckdb'),
    REPORTS_DIR: join(dir, 'reports'),
  };
  for (const args of [
    ['generate', '--customers', '50', '--products', '10', '--orders', '300', '--seed', '3'],
    ['setup'],
  ]) {
    const result = await runCli(args, { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
  }
  const warehouse = await DuckDbWarehouse.open(env.DUCKDB_PATH!);
  try {
    await warehouse.query('ALTER TABLE orders DROP COLUMN merged_at');
  } finally {
    await warehouse.close();
  }
});

afterAll(async () => {
  // A run that ignored its SIGTERM (the bug this tests) must not outlive the test.
  if (run && run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGKILL');
    await run.result;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('run --once with a task that always fails: names the error, retries with pauses, stops on SIGTERM', async () => {
  run = startCli(['run', '--once', '--no-dashboard'], { cwd: dir, env, timeoutMs: 180_000 });
  try {
    // The error named, then a second attempt after its pause: the run keeps trying (a
    // transient fault may clear), each pause twice the one before.
    await waitForOutput(
      run,
      /task: run \d+ FAILED with \d+ RAW rows to merge \([^)]*merged_at[\s\S]*trying again in 250 ms[\s\S]*trying again in 500 ms/,
      120_000,
    );
  } finally {
    run.child.kill('SIGTERM');
  }
  const result = await run.result;
  expect(result.code, result.stderr).toBe(143);
  expect(result.stderr).toMatch(/stopped before PROD caught up/);
});
