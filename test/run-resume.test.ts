/**
 * A second `dropship run` after Ctrl-C resumes the replay: RAW holds each event once and
 * validation passes (issue 13: it used to replay from zero and double what RAW had).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, startCli } from './helpers/cli.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dropship-resume-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it('run, Ctrl-C part-way, run again: each event once in RAW, validate passes', async () => {
  const env = {
    SEED_DIR: join(root, 'seed'),
    DUCKDB_PATH: join(root, 'warehouse.duckdb'),
    REPORTS_DIR: join(root, 'reports'),
  };
  const gen = await runCli(['generate', '--orders', '3000'], { cwd: root, env });
  expect(gen.code, gen.stderr).toBe(0);

  // A slow replay, interrupted once some events have been published (the plain progress line).
  const first = startCli(['run', '--rate', '200', '--no-dashboard'], { cwd: root, env });
  let stderr = '';
  await new Promise<void>((resolve) => {
    first.child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /run: ([\d,]+)/.exec(stderr);
      if (m && Number(m[1]!.replace(/,/g, '')) > 0) resolve();
    });
  });
  first.child.kill('SIGINT');
  const stopped = await first.result;
  expect(stopped.code, stopped.stderr).toBe(130);
  expect(stopped.stderr).toContain('stopped:');

  const wh = await DuckDbWarehouse.open(env.DUCKDB_PATH);
  const [before] = await wh.query<{ n: number }>('SELECT count(*) AS n FROM orders_events');
  await wh.close();
  const partial = Number(before!.n);
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(3000);

  const second = await runCli(['run', '--once', '--no-dashboard'], {
    cwd: root,
    env,
    timeoutMs: 120_000,
  });
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toContain(`resuming the replay: ${partial} of the file's orders`);

  const again = await DuckDbWarehouse.open(env.DUCKDB_PATH);
  const [after] = await again.query<{ n: number; events: number }>(
    "SELECT count(*) AS n, count(DISTINCT event_id) AS events FROM orders_events WHERE order_id NOT LIKE 'ORD-L%'",
  );
  await again.close();
  expect(Number(after!.n)).toBe(3000);
  expect(Number(after!.events)).toBe(3000);

  const validate = await runCli(['validate'], { cwd: root, env });
  expect(validate.stdout).toMatch(/PASS\s+duplicates/);
  expect(validate.stdout).toMatch(/PASS\s+reconciliation/);
}, 180_000);
