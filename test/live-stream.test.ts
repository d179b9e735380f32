/**
 * The live stream end to end, at a high time scale so lifecycles end within seconds: on a
 * real Kafka broker (`produce --mode stream` and `consume` as separate processes) and on the
 * in-process bus (`run`, which streams after its replay). Every step of an order is on the
 * bus after the order's creation, on the same partition; PROD shows orders paid, shipped,
 * delivered…, and the task quarantined none of the stream's events.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { waitCaughtUp } from './helpers/pipeline-processes.ts';

const broker = await kafkaBroker();
/** A wall second is ~23 shop days: most lifecycles (up to ~32 days) end within 2 s. */
const TIME_SCALE = '2000000';

let dir: string;
let seedDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-live-stream-'));
  seedDir = join(dir, 'seed');
  const gen = await runCli(
    ['generate', '--orders', '300', '--customers', '100', '--products', '40', '--seed', '5'],
    { cwd: dir, env: { SEED_DIR: seedDir } },
  );
  expect(gen.code, gen.stderr).toBe(0);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the stream's orders (`ORD-L…`) became in RAW and PROD. */
async function streamed(db: string) {
  const w = await DuckDbWarehouse.open(db);
  try {
    // Each lifecycle event against its order's creation: same partition, a later offset.
    const misplaced = await w.query<{ order_id: string; event_type: string }>(
      `SELECT s.order_id, s.event_type FROM orders_events s
       LEFT JOIN orders_events c ON c.order_id = s.order_id AND c.event_type = 'order_created'
       WHERE s.order_id LIKE 'ORD-L%' AND s.event_type <> 'order_created'
         AND (c.order_id IS NULL OR c.partition <> s.partition OR c."offset" >= s."offset")`,
    );
    const [steps] = await w.query<{ n: string }>(
      `SELECT count(*) AS n FROM orders_events WHERE order_id LIKE 'ORD-L%' AND event_type <> 'order_created'`,
    );
    // Steps reached, not current statuses: 'paid' lasts a fraction of a second at this time
    // scale, so whether an order is still in it when the stream stops is a matter of timing.
    const [reached] = await w.query<{ paid: string; shipped: string; delivered: string }>(
      `SELECT count(paid_at) AS paid, count(shipped_at) AS shipped, count(delivered_at) AS delivered
       FROM orders WHERE id LIKE 'ORD-L%'`,
    );
    const [quarantined] = await w.query<{ n: string }>(
      `SELECT count(*) AS n FROM orders_quarantine WHERE order_id LIKE 'ORD-L%' OR order_id IS NULL`,
    );
    return {
      misplaced,
      steps: Number(steps?.n),
      reached: {
        paid: Number(reached?.paid),
        shipped: Number(reached?.shipped),
        delivered: Number(reached?.delivered),
      },
      quarantined: Number(quarantined?.n),
    };
  } finally {
    await w.close();
  }
}

function expectWholeLifecycles(s: Awaited<ReturnType<typeof streamed>>) {
  expect(s.steps).toBeGreaterThan(0);
  expect(s.misplaced).toEqual([]);
  for (const step of ['paid', 'shipped', 'delivered'] as const)
    expect(s.reached[step], `${step}: ${JSON.stringify(s.reached)}`).toBeGreaterThan(0);
  expect(s.quarantined).toBe(0);
}

describe.skipIf(!broker.available)(`produce --mode stream on Kafka (${broker.bootstrap})`, () => {
  it('publishes each order’s steps after its creation, on its partition; PROD reaches delivered', async () => {
    const topic = uniqueName('live');
    const group = uniqueName('live-group');
    const db = join(dir, 'kafka.duckdb');
    const env = {
      KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      SEED_DIR: seedDir,
      DUCKDB_PATH: db,
      CI: 'true',
    };
    const opts = { cwd: dir, env, timeoutMs: 120_000 };
    const setup = await runCli(['setup'], opts);
    expect(setup.code, setup.stderr).toBe(0);
    const count = 3000;
    const produce = await runCli(
      [
        'produce',
        '--mode',
        'stream',
        '--rate',
        '1000',
        '--time-scale',
        TIME_SCALE,
        '--count',
        String(count),
      ],
      opts,
    );
    expect(produce.code, produce.stderr).toBe(0);
    // --count, or one or two more: an order's events that go out together are never split.
    const [, sent] = /done: published ([\d,]+) events/.exec(produce.stderr) ?? [];
    const published = Number(sent?.replaceAll(',', ''));
    expect(published).toBeGreaterThanOrEqual(count);
    expect(published).toBeLessThanOrEqual(count + 4);
    const consume = startCli(['consume', '--no-task'], { ...opts, timeoutMs: 180_000 });
    await waitCaughtUp({ bootstrap: broker.bootstrap, topic, group }, published);
    consume.child.kill('SIGINT');
    const stopped = await consume.result;
    expect(stopped.code, stopped.stderr).toBe(130);
    const task = await runCli(['task', 'run'], opts);
    expect(task.code, task.stderr).toBe(0);
    expectWholeLifecycles(await streamed(db));
  }, 180_000);
});

describe('run: the stream after the replay (in-process bus, DuckDB)', () => {
  it('streams whole lifecycles until Ctrl-C, with nothing half-published', async () => {
    const db = join(dir, 'run.duckdb');
    const started = startCli(
      ['run', '--rate', '500', '--time-scale', TIME_SCALE, '--no-dashboard'],
      { cwd: dir, env: { SEED_DIR: seedDir, DUCKDB_PATH: db, CI: 'true' }, timeoutMs: 180_000 },
    );
    await waitForOutput(started, /now streaming new orders and their lifecycles/, 120_000);
    // A few seconds of stream: thousands of events at 500/s, lifecycles ending within ~2 s.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    started.child.kill('SIGINT');
    const result = await started.result;
    expect(result.code, result.stderr).toBe(130);
    expectWholeLifecycles(await streamed(db));
  }, 180_000);
});
