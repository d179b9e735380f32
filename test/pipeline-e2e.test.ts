/**
 * End to end on the embedded default: the real CLI, the in-process bus, a DuckDB file.
 * Nothing lost, nothing doubled — through replays, bad events, failed task runs and stops.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory/memory-bus.ts';
import { orderCreatedEvent } from '../src/domain/event.ts';
import { replayedEvents, type Manifest } from '../src/domain/manifest.ts';
import { runIngest } from '../src/pipeline/ingest.ts';
import { runTaskOnce } from '../src/pipeline/task.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { customers, order, products } from './contract/warehouse-contract.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';

let dir: string;
let manifest: Manifest;
const env = (db: string) => ({
  SEED_DIR: join(dir, 'seed'),
  DUCKDB_PATH: join(dir, db),
  CI: 'true',
});

/**
 * PROD's orders of the seed (live orders, `ORD-L…`, which a `run` streams once its replay is
 * done, are left out: a loaded machine may reach that phase before a test's stop) and RAW's
 * row count.
 */
async function prodSnapshot(db: string) {
  const w = await DuckDbWarehouse.open(join(dir, db));
  const seedOrders = "WHERE id NOT LIKE 'ORD-L%'";
  try {
    const [totals] = await w.query<{ n: string; cents: string; ids: string }>(
      `SELECT count(*) AS n, CAST(sum(quantity * unit_price) * 100 AS BIGINT) AS cents, count(DISTINCT id) AS ids FROM orders ${seedOrders}`,
    );
    const rows = await w.query(
      `SELECT id, product_id, customer_id, quantity, unit_price, sold_at, event_id FROM orders ${seedOrders} ORDER BY id`,
    );
    const [raw] = await w.query<{ n: string }>('SELECT count(*) AS n FROM orders_events');
    return {
      count: Number(totals?.n),
      cents: Number(totals?.cents),
      distinct: Number(totals?.ids),
      rows,
      raw: Number(raw?.n),
    };
  } finally {
    await w.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-e2e-'));
  const gen = await runCli(
    [
      'generate',
      '--orders',
      '5000',
      '--customers',
      '500',
      '--products',
      '120',
      '--seed',
      '7',
      '--output-dir',
      join(dir, 'seed'),
    ],
    { cwd: dir },
  );
  expect(gen.code, gen.stderr).toBe(0);
  manifest = JSON.parse(await readFile(join(dir, 'seed', 'manifest.json'), 'utf8')) as Manifest;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dropship run --once (in-process bus, DuckDB)', () => {
  it('puts exactly the generated orders in PROD with the manifest revenue to the cent; a second replay changes nothing', async () => {
    const first = await runCli(['run', '--once'], {
      cwd: dir,
      env: env('once.duckdb'),
      timeoutMs: 120_000,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/PROD orders 5,000/);
    const after1 = await prodSnapshot('once.duckdb');
    expect(after1.count).toBe(5000);
    expect(after1.distinct).toBe(5000);
    expect(after1.cents).toBe(manifest.totals.revenue_cents);

    const second = await runCli(['run', '--once'], {
      cwd: dir,
      env: env('once.duckdb'),
      timeoutMs: 120_000,
    });
    expect(second.code, second.stderr).toBe(0);
    const after2 = await prodSnapshot('once.duckdb');
    // The replay was complete: nothing is published again, RAW and PROD are unchanged.
    expect(second.stderr).toMatch(/replay already complete/);
    // RAW: each order's creation and its lifecycle steps (order_events.csv).
    expect(after2.raw).toBe(replayedEvents(manifest));
    expect(after2.raw).toBeGreaterThan(5000);
    expect(after2.rows).toEqual(after1.rows);
    // PROD's statuses are the manifest's, and validation (its lifecycle check) passes.
    const validated = await runCli(['validate'], {
      cwd: dir,
      env: { ...env('once.duckdb'), REPORTS_DIR: join(dir, 'reports-once') },
      timeoutMs: 120_000,
    });
    expect(validated.code, validated.stderr + validated.stdout).toBe(0);
    const output = validated.stdout + validated.stderr;
    expect(output).toMatch(/validation PASS/);
    expect(output).toMatch(/PASS\s+lifecycle\s+no impossible status/);
    const w = await DuckDbWarehouse.open(join(dir, 'once.duckdb'));
    try {
      const statuses = await w.query<{ status: string; n: string }>(
        'SELECT status, count(*) AS n FROM orders GROUP BY status',
      );
      const byStatus = Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)]));
      for (const [status, n] of Object.entries(manifest.totals.lifecycle!.final_status))
        expect(byStatus[status] ?? 0, status).toBe(n);
    } finally {
      await w.close();
    }
  }, 240_000);

  it('after a stop in the middle (Ctrl-C, then kill -9), running again gives the same final PROD', async () => {
    const reference = await prodSnapshotAfterCleanRun();
    // Ctrl-C: the run finishes its batch, commits and exits cleanly.
    // A throttled replay (1500 events/s) so the stop lands in the middle of it.
    const slow = { ...env('stopped.duckdb'), RUN_RATE: '1500', RUN_TASK_SCHEDULE: '200ms' };
    const interrupted = startCli(['run', '--no-dashboard'], {
      cwd: dir,
      env: slow,
      timeoutMs: 120_000,
    });
    await waitForOutput(interrupted, /warehouse .* ready/);
    await new Promise((r) => setTimeout(r, 1200));
    interrupted.child.kill('SIGINT');
    const stopped = await interrupted.result;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/stopped: /);
    const partial = await prodSnapshot('stopped.duckdb');
    expect(partial.count).toBeGreaterThan(0);
    expect(partial.count).toBeLessThan(5000);
    // What was published before the stop was drained: every RAW row is merged.
    expect(partial.raw).toBe(partial.count);
    // kill -9 in the middle of the next run: no chance to flush anything. The kill waits until
    // this run has written rows of its own to RAW (read from its dashboard: the run owns the
    // DuckDB file), so the recovery below recovers something rather than a run that never wrote.
    const killed = startCli(['run'], {
      cwd: dir,
      env: { ...slow, DASHBOARD_PORT: '0' },
      timeoutMs: 120_000,
    });
    const [, url] = await waitForOutput(killed, /dashboard: (http:\/\/\S+)/);
    const rawAtKill = await pollRawRows(url!, (n) => n > partial.raw);
    killed.child.kill('SIGKILL');
    const killedResult = await killed.result;
    expect(killedResult.signal).toBe('SIGKILL');
    expect(rawAtKill).toBeGreaterThan(partial.raw);
    expect(rawAtKill).toBeLessThan(5000);
    const final = await runCli(['run', '--once'], {
      cwd: dir,
      env: env('stopped.duckdb'),
      timeoutMs: 120_000,
    });
    expect(final.code, final.stderr).toBe(0);
    const after = await prodSnapshot('stopped.duckdb');
    expect(after.count).toBe(5000);
    expect(after.cents).toBe(manifest.totals.revenue_cents);
    expect(after.rows).toEqual(reference.rows);
  }, 300_000);
});

/** Polls the dashboard's /api/health until RAW's row count satisfies `done`; returns it. */
async function pollRawRows(url: string, done: (rawRows: number) => boolean): Promise<number> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('/api/health', url));
      if (res.ok) {
        last = ((await res.json()) as { raw_rows: number }).raw_rows;
        if (done(last)) return last;
      }
    } catch {
      // The server may not answer yet: poll again.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`RAW never reached the expected rows (last seen ${last})`);
}

async function prodSnapshotAfterCleanRun() {
  const clean = await runCli(['run', '--once'], {
    cwd: dir,
    env: env('reference.duckdb'),
    timeoutMs: 120_000,
  });
  expect(clean.code, clean.stderr).toBe(0);
  return prodSnapshot('reference.duckdb');
}

describe('malformed CSV rows', () => {
  it('are reported with file and line, dead-lettered and counted, while the rest of the replay flows', async () => {
    const { cp, readFile: read, writeFile } = await import('node:fs/promises');
    const seed = join(dir, 'seed-broken');
    await cp(join(dir, 'seed'), seed, { recursive: true });
    const lines = (await read(join(seed, 'orders.csv'), 'utf8')).split('\n');
    lines[10] = lines[10]!.replace(/,(\d+),(\d+\.\d\d),/, ',-3,$2,'); // line 11: negative quantity
    lines[20] = 'ORD-garbage,,,'; // line 21: not an order at all
    await writeFile(join(seed, 'orders.csv'), lines.join('\n'));
    for (const rate of ['0', '5000']) {
      const db = `broken-${rate}.duckdb`;
      const args = rate === '0' ? ['run', '--once'] : ['run', '--no-dashboard', '--rate', rate];
      const started = startCli(args, {
        cwd: dir,
        env: { ...env(db), SEED_DIR: seed },
        timeoutMs: 120_000,
      });
      if (rate !== '0') {
        // The throttled run streams live orders after the replay: stop it once the replay is done.
        await waitForOutput(started, /replay done/);
        started.child.kill('SIGINT');
      }
      const result = await started.result;
      expect(result.code, result.stderr).toBe(rate === '0' ? 0 : 130);
      expect(result.stderr).toMatch(/orders\.csv line 11: quantity "-3": must be positive/);
      expect(result.stderr).toMatch(/orders\.csv line 21: /);
      expect(result.stderr).toMatch(/bad CSV rows 2/);
      const [row] = await prodCount(db);
      expect(row).toBeGreaterThanOrEqual(4998);
    }
    const after = await prodSnapshot('broken-0.duckdb');
    expect(after.count).toBe(4998);
    // The two rows are dead letters in orders_quarantine, with their reason and line (issue 13).
    const w = await DuckDbWarehouse.open(join(dir, 'broken-0.duckdb'));
    try {
      const rows = await w.query<{ reason: string; detail: string }>(
        `SELECT reason, detail FROM orders_quarantine WHERE stage = 'ingest' ORDER BY "offset"`,
      );
      expect(rows.map((r) => r.reason)).toEqual(['invalid_value', 'invalid_shape']);
      // The lifecycle steps of the two orders that never reached PROD: unknown orders.
      const orphans = await w.query<{ order_id: string; reason: string }>(
        `SELECT DISTINCT order_id, reason FROM orders_quarantine WHERE stage = 'task' ORDER BY order_id`,
      );
      expect(orphans).toEqual([
        { order_id: 'ORD-00000010', reason: 'unknown_order' },
        { order_id: 'ORD-00000020', reason: 'unknown_order' },
      ]);
      expect(rows[0]!.detail).toMatch(/orders\.csv line 11: quantity "-3": must be positive/);
      expect(rows[1]!.detail).toMatch(/orders\.csv line 21: /);
    } finally {
      await w.close();
    }
  }, 240_000);
});

async function prodCount(db: string): Promise<number[]> {
  const w = await DuckDbWarehouse.open(join(dir, db));
  try {
    const [r] = await w.query<{ n: string }>(
      "SELECT count(*) AS n FROM orders WHERE id NOT LIKE 'ORD-L%'",
    );
    return [Number(r?.n)];
  } finally {
    await w.close();
  }
}

describe('bad events in the stream', () => {
  it('go to quarantine with their reason while good events flow to PROD', async () => {
    const warehouse = await DuckDbWarehouse.open(join(dir, 'bad-events.duckdb'));
    const bus = new MemoryBus({ partitions: 3 });
    try {
      await warehouse.setup();
      await warehouse.loadReferenceData(
        (async function* () {
          yield* customers;
        })(),
        (async function* () {
          yield* products;
        })(),
      );
      const producer = await bus.producer('orders_topic');
      const good = [order(1), order(2), order(3)].map((o) => ({
        key: o.id,
        value: JSON.stringify(orderCreatedEvent(o)),
      }));
      const negative = orderCreatedEvent(order(4));
      negative.order.quantity = -2;
      const missingField = orderCreatedEvent(order(5)) as unknown as Record<string, unknown>;
      delete missingField.order;
      await producer.send([
        good[0]!,
        { key: 'ORD-X', value: 'this is not json' },
        good[1]!,
        { key: 'ORD-00000004', value: JSON.stringify(negative) },
        { key: 'ORD-00000005', value: JSON.stringify(missingField) },
        {
          key: 'ORD-00000006',
          value: JSON.stringify(orderCreatedEvent(order(6, { customer_id: 'CUS-424242' }))),
        },
        good[2]!,
      ]);
      const consumer = await bus.consumer('orders_topic', 'g');
      const stop = new AbortController();
      const ingest = runIngest({
        consumer,
        warehouse,
        consumerGroup: 'g',
        batchSize: 100,
        batchWaitMs: 20,
        signal: stop.signal,
      });
      while (((await consumer.lag()) ?? 0) > 0) await new Promise((r) => setTimeout(r, 20));
      stop.abort();
      await ingest;
      const run = await runTaskOnce(warehouse);
      expect(run).toMatchObject({ state: 'SUCCEEDED', rowsInserted: 3, rowsQuarantined: 1 });
      const reasons = await warehouse.query<{ reason: string; stage: string; detail: string }>(
        'SELECT reason, stage, detail FROM orders_quarantine ORDER BY reason',
      );
      expect(reasons.map((r) => `${r.stage}:${r.reason}`)).toEqual([
        'ingest:invalid_json',
        'ingest:invalid_shape',
        'ingest:invalid_value',
        'task:unknown_customer',
      ]);
      expect(reasons.find((r) => r.reason === 'invalid_value')?.detail).toMatch(/order\.quantity/);
      const [prod] = await warehouse.query<{ n: string }>('SELECT count(*) AS n FROM orders');
      expect(Number(prod?.n)).toBe(3);
    } finally {
      await bus.close();
      await warehouse.close();
    }
  });
});
