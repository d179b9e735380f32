/**
 * The production shape on a real Kafka broker: `dropship produce` and `dropship consume` as
 * separate processes (the real CLI), DuckDB as the warehouse. Nothing lost, nothing doubled in
 * PROD — through a second consumer joining the group, kill -9 of the consumer, a broker
 * restart in the middle of a replay, and poison messages (DLQ topic + quarantine).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { replayedEvents, type Manifest } from '../src/domain/manifest.ts';
import { runIngest } from '../src/pipeline/ingest.ts';
import { replayOrders } from '../src/pipeline/produce.ts';
import { runTaskOnce } from '../src/pipeline/task.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, startCli, waitForOutput, type StartedCli } from './helpers/cli.ts';
import {
  kafkaBroker,
  privateBrokerSkipReason,
  startPrivateBroker,
  uniqueName,
} from './helpers/kafka-broker.ts';
import { groupOffsets, waitCaughtUp } from './helpers/pipeline-processes.ts';

const broker = await kafkaBroker();
const ORDERS = 5000;

let dir: string;
let seedDir: string;
let manifest: Manifest;

interface Lane {
  env: Record<string, string>;
  bootstrap: string;
  topic: string;
  group: string;
  db: string;
}

function lane(label: string, bootstrap = broker.bootstrap): Lane {
  const topic = uniqueName(label);
  const group = uniqueName(`${label}-group`);
  const db = join(dir, `${label}.duckdb`);
  return {
    bootstrap,
    topic,
    group,
    db,
    env: {
      KAFKA_BOOTSTRAP_SERVERS: bootstrap,
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      SEED_DIR: seedDir,
      DUCKDB_PATH: db,
      CI: 'true',
    },
  };
}

const cli = (l: Lane, args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { ...l.env, ...extra }, timeoutMs: 120_000 });
const start = (l: Lane, args: string[], extra: Record<string, string> = {}) =>
  startCli(args, { cwd: dir, env: { ...l.env, ...extra }, timeoutMs: 180_000 });

const offsets = groupOffsets;
const waitFor = waitForOutput;

/** SIGINT: the consumer finishes its batch, commits and exits 130 (stopped by Ctrl-C). */
async function stop(started: StartedCli): Promise<string> {
  started.child.kill('SIGINT');
  const result = await started.result;
  expect(result.code, result.stderr).toBe(130);
  expect(result.stderr).toMatch(/stopped: /);
  return result.stderr;
}

async function snapshot(db: string) {
  const w = await DuckDbWarehouse.open(db);
  try {
    const [prod] = await w.query<{ n: string; cents: string; ids: string }>(
      'SELECT count(*) AS n, CAST(round(sum(quantity * unit_price) * 100) AS BIGINT) AS cents, count(DISTINCT id) AS ids FROM orders',
    );
    const [raw] = await w.query<{ n: string; records: string }>(
      `SELECT count(*) AS n, count(DISTINCT (topic, "partition", "offset")) AS records FROM orders_events`,
    );
    const quarantine = await w.query<{ reason: string; stage: string }>(
      'SELECT reason, stage FROM orders_quarantine ORDER BY reason',
    );
    return {
      prod: Number(prod?.n),
      cents: Number(prod?.cents),
      distinct: Number(prod?.ids),
      raw: Number(raw?.n),
      rawRecords: Number(raw?.records),
      quarantine,
    };
  } finally {
    await w.close();
  }
}

async function taskRun(l: Lane): Promise<void> {
  const task = await cli(l, ['task', 'run']);
  expect(task.code, task.stderr).toBe(0);
}

async function expectEveryOrderOnce(l: Lane): Promise<void> {
  await taskRun(l);
  const s = await snapshot(l.db);
  expect(s.prod).toBe(ORDERS);
  expect(s.distinct).toBe(ORDERS);
  expect(s.cents).toBe(manifest.totals.revenue_cents);
  // RAW holds each bus record once, whatever the redeliveries.
  expect(s.raw).toBe(s.rawRecords);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-kafka-e2e-'));
  seedDir = join(dir, 'seed');
  const gen = await runCli(
    [
      'generate',
      '--orders',
      String(ORDERS),
      '--customers',
      '500',
      '--products',
      '120',
      '--seed',
      '11',
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

describe.skipIf(!broker.available)(`pipeline on Kafka (${broker.bootstrap})`, () => {
  it('replays 5000 orders from one process and ingests them in another: PROD has every order once and the manifest revenue', async () => {
    const l = lane('replay');
    const setup = await cli(l, ['setup']);
    expect(setup.code, setup.stderr).toBe(0);
    const consumer = start(l, ['consume', '--progress-seconds', '1']);
    const produce = await cli(l, ['produce', '--mode', 'replay', '--rate', '0']);
    expect(produce.code, produce.stderr).toBe(0);
    // Every order's creation, then its lifecycle steps (order_events.csv).
    const events = replayedEvents(manifest).toLocaleString('en');
    expect(produce.stderr).toMatch(new RegExp(`done: published ${events} events`));
    await waitCaughtUp(l, ORDERS);
    const stderr = await stop(consumer);
    expect(stderr).toMatch(new RegExp(`RAW rows \\+${events}`));
    // kafkajs's negative timer is not the user's business (bin/dropship.js).
    expect(produce.stderr + stderr).not.toMatch(/TimeoutNegativeWarning/);
    await expectEveryOrderOnce(l);
  }, 120_000);

  it('two consumers of one group share the partitions: every order reaches PROD once', async () => {
    const l = lane('group');
    const setup = await cli(l, ['setup']);
    expect(setup.code, setup.stderr).toBe(0);
    // DuckDB allows one process per file, so the two group members run in this process.
    const warehouse = await DuckDbWarehouse.open(l.db);
    const bus = new KafkaBus({
      kind: 'kafka',
      brokers: [l.bootstrap],
      groupId: l.group,
      dlqTopic: `${l.topic}.dlq`,
      partitions: 3,
      clientId: 'dropship-tests',
    });
    const stopAll = new AbortController();
    const batchesBy = [0, 0];
    try {
      const producer = await bus.producer(l.topic);
      const member = async (i: number) => {
        const consumer = await bus.consumer(l.topic, l.group);
        try {
          await runIngest({
            consumer,
            warehouse,
            consumerGroup: l.group,
            batchSize: 300,
            batchWaitMs: 50,
            signal: stopAll.signal,
            onBatch: () => batchesBy[i]!++,
          });
        } finally {
          await consumer.close();
        }
      };
      const first = member(0);
      // The second member joins while records flow: a rebalance in the middle of the stream.
      const replay = replayOrders({ dir: seedDir }, { producer, rate: 2500 });
      await new Promise((r) => setTimeout(r, 700));
      const second = member(1);
      const result = await replay;
      expect(result.published).toBe(replayedEvents(manifest));
      await producer.close();
      await waitCaughtUp(l, ORDERS);
      stopAll.abort();
      await Promise.all([first, second]);
      expect(batchesBy[0]).toBeGreaterThan(0);
      expect(batchesBy[1]).toBeGreaterThan(0);
      await runTaskOnce(warehouse);
    } finally {
      stopAll.abort();
      await bus.close();
      await warehouse.close();
    }
    await expectEveryOrderOnce(l);
  }, 120_000);

  it('after kill -9 of the consumer in the middle of the stream, a restarted consumer loses and doubles nothing', async () => {
    const l = lane('kill');
    const setup = await cli(l, ['setup']);
    expect(setup.code, setup.stderr).toBe(0);
    const produce = start(l, ['produce', '--mode', 'replay', '--rate', '2500']);
    const first = start(l, [
      'consume',
      '--batch-size',
      '200',
      '--batch-wait-ms',
      '20',
      '--progress-seconds',
      '1',
    ]);
    await waitFor(first, /consume: [1-9][\d,]* events/);
    first.child.kill('SIGKILL');
    const killed = await first.result;
    expect(killed.signal).toBe('SIGKILL');
    const before = await offsets(l);
    expect(before.committed).toBeGreaterThan(0);
    expect(before.committed).toBeLessThan(ORDERS);
    const second = start(l, ['consume', '--batch-size', '200', '--batch-wait-ms', '20']);
    const produced = await produce.result;
    expect(produced.code, produced.stderr).toBe(0);
    await waitCaughtUp(l, ORDERS);
    await stop(second);
    await expectEveryOrderOnce(l);
  }, 120_000);

  it('a poison message goes to the DLQ topic (reason in headers) and to quarantine while the rest flows', async () => {
    const l = lane('poison');
    const setup = await cli(l, ['setup']);
    expect(setup.code, setup.stderr).toBe(0);
    const kafka = new Kafka({
      clientId: 'dropship-tests',
      brokers: [l.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const raw = kafka.producer();
    await raw.connect();
    // The DLQ republishes each as received: the long one whole (the quarantine keeps 10,000
    // characters of it), the one that is not UTF-8 byte for byte.
    const long = `not JSON ${'x'.repeat(20_000)}`;
    const notUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    await raw.send({
      topic: l.topic,
      messages: [
        { key: 'poison-1', value: 'this is not JSON' },
        {
          key: 'poison-2',
          value: JSON.stringify({ event_type: 'order_created', order: { id: 42 } }),
        },
        { key: 'poison-3', value: long },
        { key: 'poison-4', value: notUtf8 },
      ],
    });
    await raw.disconnect();
    const produce = await cli(l, ['produce', '--mode', 'replay', '--rate', '0']);
    expect(produce.code, produce.stderr).toBe(0);
    const consumer = start(l, ['consume']);
    await waitCaughtUp(l, ORDERS + 4);
    const stderr = await stop(consumer);
    expect(stderr).toMatch(/dead letters 4 \(published to .*\.dlq: 4\)/);

    // Read the DLQ topic back.
    const dlq = kafka.consumer({ groupId: uniqueName('dlq-reader') });
    const letters: {
      key: string;
      value: string;
      bytes: Buffer;
      headers: Record<string, string>;
    }[] = [];
    await dlq.connect();
    try {
      await dlq.subscribe({ topics: [`${l.topic}.dlq`], fromBeginning: true });
      await dlq.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          letters.push({
            key: String(message.key),
            value: String(message.value),
            bytes: message.value!,
            headers,
          });
        },
      });
      const deadline = Date.now() + 30_000;
      while (letters.length < 4 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      await dlq.disconnect();
    }
    expect(letters).toHaveLength(4);
    const byKey = new Map(letters.map((d) => [d.key, d]));
    const notJson = byKey.get('poison-1');
    expect(notJson?.value).toBe('this is not JSON');
    expect(notJson?.headers['dlq.reason']).toBe('invalid_json');
    expect(notJson?.headers['dlq.source.topic']).toBe(l.topic);
    expect(notJson?.headers['dlq.source.offset']).toMatch(/^\d+$/);
    const wrongShape = byKey.get('poison-2');
    expect(wrongShape?.headers['dlq.reason']).toBe('invalid_shape');
    expect(wrongShape?.headers['dlq.detail']).toBeTruthy();
    expect(byKey.get('poison-3')?.value).toBe(long);
    expect(byKey.get('poison-4')?.bytes.equals(notUtf8)).toBe(true);
    expect(byKey.get('poison-4')?.headers['dlq.detail']).toBe('the value is not UTF-8 text');

    await expectEveryOrderOnce(l);
    const s = await snapshot(l.db);
    expect(s.quarantine.filter((q) => q.stage === 'ingest').map((q) => q.reason)).toEqual([
      'invalid_json',
      'invalid_json',
      'invalid_json',
      'invalid_shape',
    ]);
  }, 120_000);
});

const privateProblem = await privateBrokerSkipReason(broker, 'broker-restart test');

describe.skipIf(privateProblem !== null)('pipeline on Kafka across a broker restart', () => {
  it('stopping and restarting the broker during a replay loses nothing and doubles nothing in PROD', async () => {
    // A broker of its own: stopping it never disturbs the shared one or other test files.
    const own = await startPrivateBroker();
    try {
      const l = lane('restart', own.bootstrap);
      const setup = await cli(l, ['setup']);
      expect(setup.code, setup.stderr).toBe(0);
      const consumer = start(l, ['consume', '--batch-size', '500', '--progress-seconds', '1']);
      // The replay (creations and lifecycle steps, ~16k events) lasts ~20 s at 700/s: still
      // going when the consumer's first count shows, also on a loaded machine (with creations
      // only, 5,000 events, it had once ended before the stop).
      const produce = start(l, ['produce', '--mode', 'replay', '--rate', '700']);
      await waitFor(consumer, /consume: [1-9][\d,]* events/);
      await own.stop();
      // The broker went away in the middle of the replay.
      expect(produce.child.exitCode).toBeNull();
      await new Promise((r) => setTimeout(r, 1000));
      await own.start();
      const produced = await produce.result;
      expect(produced.code, produced.stderr).toBe(0);
      expect(produced.stderr).toMatch(
        new RegExp(`done: published ${replayedEvents(manifest).toLocaleString('en')} events`),
      );
      await waitCaughtUp(l, ORDERS, 120_000).catch(async (error: Error) => {
        // Seen once under a loaded full suite (committed 0): say what the consumer printed.
        consumer.child.kill('SIGINT');
        const { stderr } = await consumer.result;
        throw new Error(`${error.message}\nconsumer stderr (tail):\n${stderr.slice(-4000)}`);
      });
      const consumed = await stop(consumer);
      if (process.env.DEBUG_KAFKA_TESTS) console.log(produced.stderr, consumed);
      await expectEveryOrderOnce(l);
    } finally {
      await own.destroy();
    }
  }, 200_000);
});
