/**
 * Benchmark of the Kafka bus (DESIGN.md §8), side by side with Kafka's own Java tools on the
 * same broker, in one run:
 *
 *   (1) producer replay: `replayOrders` (what `dropship produce --mode replay --rate 0` runs:
 *       CSV read, JSON events, idempotent producer, acks=all) of 200k orders
 *       ÷ org.apache.kafka.tools.ProducerPerformance, same record count, same record size (the
 *       average size of our JSON events), acks=all.
 *   (2) consume → RAW: `runIngest` into a fresh DuckDB file (decode, RAW rows + offsets in one
 *       transaction per batch, commit after the write) of those 200k records
 *       ÷ org.apache.kafka.tools.ConsumerPerformance on the same topic (nMsg.sec).
 *
 * Each is the median of 5 rounds (the machine's speed drifts by a third within minutes); each
 * round runs ours and the baseline back to back on fresh topics and groups. Our producer with
 * gzip is measured too (the default stays uncompressed).
 * Like each Java tool in its JVM, our producer and consumer each run in a fresh Node process
 * (this file, with `child` arguments), so neither runs beside the heap the bench's earlier
 * sections left (a replay next to 1M retained messages ran 5–10 % slower).
 *
 * Needs a broker (KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092: `npm run kafka:up`) and the jars in
 * .kafka/libs. Run alone: `node --import tsx bench/kafka.ts` prints a markdown table
 * (`BENCH_KAFKA_ONLY=producer` for part (1) only, `BENCH_KAFKA_ROUNDS=n` for n rounds).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { settingDefault } from '../src/config/settings.ts';
import type { KafkaCompression } from '../src/bus/kafka/kafka-producer.ts';
import { runIngest } from '../src/pipeline/ingest.ts';
import { orderMessage, replayOrders } from '../src/pipeline/produce.ts';
import { readOrders } from '../src/pipeline/seed-files.ts';
import { PipelineStats } from '../src/pipeline/stats.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { count, median } from './stats.ts';
import { cpuPerEvent, formatCpuPerEvent, readThreadCpu } from './thread-cpu.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI_BIN = join(ROOT, 'bin', 'dropship.js');
const LIBS = join(ROOT, '.kafka', 'libs');
const TOOLS_LOG = join(ROOT, 'infra', 'kafka', 'log4j2-tools.properties');
export const ORDERS = 200_000;
const ROUNDS = Number(process.env.BENCH_KAFKA_ROUNDS ?? 5);
/** `BENCH_KAFKA_ONLY=producer` runs part (1) alone: tuning the producer needs no consumer runs. */
const PRODUCER_ONLY = process.env.BENCH_KAFKA_ONLY === 'producer';
const TARGET_PRODUCE = 0.8;
const TARGET_CONSUME = 0.5;
/** What `consume` uses: the product's default INGEST_BATCH_SIZE. */
const INGEST_BATCH_SIZE = Number(settingDefault('INGEST_BATCH_SIZE'));
const run = promisify(execFile);

export interface BenchResult {
  name: string;
  rows: Array<Record<string, string | number>>;
  notes: string[];
}

/** Runs a command to its end: its stdout, or an error with the end of its stderr. */
function outputOf(command: string, args: string[], label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${label} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

function javaTool(args: string[]): Promise<string> {
  return outputOf(
    'java',
    ['-Xmx1g', `-Dlog4j2.configurationFile=${TOOLS_LOG}`, '-cp', `${LIBS}/*`, ...args],
    args[0]!,
  );
}

/** ProducerPerformance: "200000 records sent, 81234.5 records/sec (…)". */
async function producerPerformance(
  bootstrap: string,
  topic: string,
  size: number,
): Promise<number> {
  const out = await javaTool([
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(ORDERS),
    '--record-size',
    String(size),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${bootstrap}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
  const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out);
  if (!match) throw new Error(`cannot read ProducerPerformance output: ${out.slice(-500)}`);
  return Number(match[2]);
}

/** ConsumerPerformance: CSV line, nMsg.sec is the 6th column (group join included, like ours). */
async function consumerPerformance(
  bootstrap: string,
  topic: string,
  group: string,
): Promise<number> {
  const out = await javaTool([
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    topic,
    '--messages',
    String(ORDERS),
    '--group',
    group,
    '--timeout',
    '60000',
  ]);
  const line = out.trim().split('\n').at(-1) ?? '';
  const value = Number(line.split(',')[5]);
  if (!Number.isFinite(value))
    throw new Error(`cannot read ConsumerPerformance output: ${out.slice(-500)}`);
  return value;
}

/** The broker the Kafka benches use: KAFKA_BOOTSTRAP_SERVERS' first, or the local one. */
export function benchBootstrap(): string {
  return process.env.KAFKA_BOOTSTRAP_SERVERS?.split(',')[0]?.trim() || '127.0.0.1:9092';
}

/** Why the Kafka benches cannot run here (no jars, no broker), or null. */
export async function kafkaUnavailable(bootstrap: string): Promise<string | null> {
  if (!existsSync(join(LIBS, '.pom.sha256')))
    return `no Kafka jars in ${LIBS}: run \`npm run kafka:up\` first`;
  const b = bus(bootstrap);
  try {
    await b.ping();
    return null;
  } catch (error) {
    return `no broker answers on ${bootstrap} (${(error as Error).message.split('\n')[0]})`;
  } finally {
    await b.close().catch(() => undefined);
  }
}

function bus(bootstrap: string, compression: KafkaCompression = 'none'): KafkaBus {
  return new KafkaBus(
    {
      kind: 'kafka',
      brokers: [bootstrap],
      groupId: 'bench',
      dlqTopic: 'bench.dlq',
      partitions: 3,
      clientId: 'dropship-bench',
    },
    { compression },
  );
}

/** What a child measures: msg/s and µs of CPU per event by thread group. */
export interface ChildResult {
  rate: number;
  cpuUsPerEvent: Record<string, number>;
}

/**
 * Runs `ourProducer` or `ourConsumer` in a fresh Node process (`node`: which Node binary, this
 * one by default); resolves with what it measured.
 */
export async function inChild(task: ChildTask, node = process.execPath): Promise<ChildResult> {
  const label = `bench child ${task.kind}`;
  const out = await outputOf(
    node,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', JSON.stringify(task)],
    label,
  );
  try {
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult;
    if (Number.isFinite(result.rate)) return result;
  } catch {
    // reported below
  }
  throw new Error(`${label} printed no result: ${out.slice(-500)}`);
}

export type ChildTask =
  | {
      kind: 'produce';
      bootstrap: string;
      seedDir: string;
      topic: string;
      compression: KafkaCompression;
    }
  | { kind: 'consume'; bootstrap: string; dir: string; topic: string; group: string };

async function runChild(task: ChildTask): Promise<ChildResult> {
  return task.kind === 'produce'
    ? ourProducer(task.bootstrap, task.seedDir, task.topic, task.compression)
    : ourConsumer(task.bootstrap, task.dir, task.topic, task.group);
}

/** Our replay of the file (CSV → events → broker, acks=all), events/s. */
async function ourProducer(
  bootstrap: string,
  seedDir: string,
  topic: string,
  compression: KafkaCompression,
): Promise<ChildResult> {
  const b = bus(bootstrap, compression);
  try {
    await b.ensureTopic(topic, 3);
    const producer = await b.producer(topic);
    const cpuBefore = readThreadCpu();
    const result = await replayOrders({ dir: seedDir }, { producer, rate: 0 });
    const cpuAfter = readThreadCpu(); // the replay worker's time is under "exited threads"
    await producer.close();
    if (result.published !== ORDERS) throw new Error(`published ${result.published} of ${ORDERS}`);
    return {
      rate: result.published / (result.durationMs / 1000),
      cpuUsPerEvent: Object.fromEntries(cpuPerEvent(cpuBefore, cpuAfter, ORDERS)),
    };
  } finally {
    await b.close();
  }
}

/** Our ingest of the topic into a fresh DuckDB RAW (group join included), events/s. */
async function ourConsumer(
  bootstrap: string,
  dir: string,
  topic: string,
  group: string,
): Promise<ChildResult> {
  const path = join(dir, `${group}.duckdb`);
  const warehouse = await DuckDbWarehouse.open(path);
  const b = bus(bootstrap);
  const stop = new AbortController();
  try {
    await warehouse.setup();
    const consumer = await b.consumer(topic, group);
    const stats = new PipelineStats();
    const cpuBefore = readThreadCpu();
    let cpuAfter = cpuBefore;
    const started = performance.now();
    let finished = 0;
    await runIngest({
      consumer,
      warehouse,
      consumerGroup: group,
      batchSize: INGEST_BATCH_SIZE,
      batchWaitMs: 100,
      signal: stop.signal,
      stats,
      onBatch: () => {
        if (stats.consumed >= ORDERS && !finished) {
          finished = performance.now();
          cpuAfter = readThreadCpu();
          stop.abort();
        }
      },
    });
    await consumer.close();
    if (stats.rawInserted !== ORDERS) throw new Error(`ingested ${stats.rawInserted} of ${ORDERS}`);
    return {
      rate: ORDERS / ((finished - started) / 1000),
      cpuUsPerEvent: Object.fromEntries(cpuPerEvent(cpuBefore, cpuAfter, ORDERS)),
    };
  } finally {
    stop.abort();
    await b.close();
    await warehouse.close();
    await rm(path, { force: true });
    await rm(`${path}.wal`, { force: true });
  }
}

type CpuRecord = Record<string, number>;

/** The median of each thread group's µs per event over the rounds. */
export function medianCpu(records: readonly CpuRecord[]): Map<string, number> {
  const groups = new Set(records.flatMap((r) => Object.keys(r)));
  return new Map(
    [...groups].map((g) => [g, median(records.map((r) => r[g] ?? 0))] as [string, number]),
  );
}

async function averageEventSize(seedDir: string): Promise<number> {
  let bytes = 0;
  let n = 0;
  const now = new Date().toISOString();
  for await (const r of readOrders(seedDir)) {
    if (!r.ok) continue;
    bytes += Buffer.byteLength(orderMessage(r.row, now).value);
    n++;
  }
  return Math.round(bytes / n);
}

/** The Kafka benches' seed: ORDERS orders over 20k customers and 2k products, seed 42. */
export async function generateKafkaSeed(seedDir: string, node = process.execPath): Promise<void> {
  await run(
    node,
    [
      CLI_BIN,
      'generate',
      '--orders',
      String(ORDERS),
      '--customers',
      '20000',
      '--products',
      '2000',
      '--seed',
      '42',
      '--output-dir',
      seedDir,
    ],
    { cwd: dirname(seedDir) },
  );
  // One order_created per record, as the bench has always measured against Kafka's tools
  // (fixed-size records): the lifecycle steps, a different and smaller event, are left out.
  await rm(join(seedDir, 'order_events.csv'));
}

export async function benchKafka(): Promise<BenchResult> {
  const bootstrap = benchBootstrap();
  const unavailable = await kafkaUnavailable(bootstrap);
  if (unavailable) throw new Error(unavailable);
  const dir = await mkdtemp(join(tmpdir(), 'dropship-bench-kafka-'));
  const loadBefore = loadavg()[0]!;
  try {
    const seedDir = join(dir, 'seed');
    await generateKafkaSeed(seedDir);
    const size = await averageEventSize(seedDir);
    const figures = {
      ours: [] as number[],
      gzip: [] as number[],
      pp: [] as number[],
      consume: [] as number[],
      cp: [] as number[],
    };
    /** µs of CPU per event by thread group, one record per round. */
    const cpuRounds = { produce: [] as CpuRecord[], consume: [] as CpuRecord[] };
    const stamp = Date.now().toString(36);
    for (let round = 1; round <= ROUNDS; round++) {
      const topic = `bench-${stamp}-${round}`;
      const ppTopic = `bench-pp-${stamp}-${round}`;
      const setupBus = bus(bootstrap);
      await setupBus.ensureTopic(ppTopic, 3);
      await setupBus.close();
      const step = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
        const t0 = performance.now();
        const value = await work();
        process.stderr.write(
          `bench kafka: round ${round}/${ROUNDS} ${label}: ${count(Number(value))} msg/s (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
        );
        return value;
      };
      const produce = async (topic: string, compression: KafkaCompression) => {
        const r = await inChild({ kind: 'produce', bootstrap, seedDir, topic, compression });
        if (compression === 'none') cpuRounds.produce.push(r.cpuUsPerEvent);
        return r.rate;
      };
      figures.ours.push(await step('ours produce', () => produce(topic, 'none')));
      figures.pp.push(
        await step('ProducerPerformance', () => producerPerformance(bootstrap, ppTopic, size)),
      );
      figures.gzip.push(
        await step('ours produce gzip', () => produce(`bench-gzip-${stamp}-${round}`, 'gzip')),
      );
      if (PRODUCER_ONLY) continue;
      // Both consumers read the same records (our events) with fresh groups.
      figures.consume.push(
        await step('ours consume→RAW', async () => {
          const r = await inChild({
            kind: 'consume',
            bootstrap,
            dir,
            topic,
            group: `bench-ingest-${stamp}-${round}`,
          });
          cpuRounds.consume.push(r.cpuUsPerEvent);
          return r.rate;
        }),
      );
      figures.cp.push(
        await step('ConsumerPerformance', () =>
          consumerPerformance(bootstrap, topic, `bench-cp-${stamp}-${round}`),
        ),
      );
    }
    const produceRatio = median(figures.ours) / median(figures.pp);
    const consumeRatio = median(figures.consume) / median(figures.cp);
    const rows: BenchResult['rows'] = [
      {
        measure: `producer replay, ${count(ORDERS)} events of ${size} B, acks=all (median of ${ROUNDS})`,
        ours: `${count(median(figures.ours))} msg/s`,
        baseline: `${count(median(figures.pp))} msg/s (ProducerPerformance)`,
        ratio: produceRatio.toFixed(2),
        target: `≥ ${TARGET_PRODUCE}`,
        verdict: produceRatio >= TARGET_PRODUCE ? 'ok' : 'under target',
      },
      ...(PRODUCER_ONLY
        ? []
        : [
            {
              measure: `consume → RAW (DuckDB), ${count(ORDERS)} events, batches of up to ${count(INGEST_BATCH_SIZE)} (median of ${ROUNDS})`,
              ours: `${count(median(figures.consume))} msg/s`,
              baseline: `${count(median(figures.cp))} msg/s (ConsumerPerformance)`,
              ratio: consumeRatio.toFixed(2),
              target: `≥ ${TARGET_CONSUME}`,
              verdict: consumeRatio >= TARGET_CONSUME ? 'ok' : 'under target',
            },
          ]),
      {
        measure: 'producer replay with gzip (not the default)',
        ours: `${count(median(figures.gzip))} msg/s`,
        baseline: `${count(median(figures.pp))} msg/s (ProducerPerformance, none)`,
        ratio: (median(figures.gzip) / median(figures.pp)).toFixed(2),
        target: '—',
        verdict: '—',
      },
    ];
    const cpu = cpus();
    const notes = [
      `Rounds (msg/s): ours ${figures.ours.map(count).join(', ')}; ProducerPerformance ${figures.pp.map(count).join(', ')}; ours gzip ${figures.gzip.map(count).join(', ')}${PRODUCER_ONLY ? '' : `; consume→RAW ${figures.consume.map(count).join(', ')}; ConsumerPerformance ${figures.cp.map(count).join(', ')}`}.`,
      `CPU per event, µs by thread (median of the rounds; /proc/self/task, bench/thread-cpu.ts): producer replay — ${formatCpuPerEvent(medianCpu(cpuRounds.produce))}${PRODUCER_ONLY ? '' : `; consume → RAW — ${formatCpuPerEvent(medianCpu(cpuRounds.consume))}`}. The broker's own CPU is not included.`,
      'Ours = @platformatic/kafka 1.35 producing (idempotent, acks=all, murmur2 partitioner, no compression, one batch in flight), kafkajs 2.2.4 consuming; the producer is fed by the CSV reader like `dropship produce --mode replay --rate 0`; ConsumerPerformance only deserialises, ours also decodes the JSON and writes RAW rows + offsets in a DuckDB transaction and commits the offsets after each batch. Both include the group join.',
      `Broker ${bootstrap} (${process.env.KAFKA_BOOTSTRAP_SERVERS ? 'KAFKA_BOOTSTRAP_SERVERS' : 'local, scripts/kafka-local.sh'}), 3-partition topics; the Java tools run in a fresh JVM each time (warm-up included, as for our process).`,
      `Machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB RAM, Node ${process.version}; broker, tools and our client share it; 1-min load ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after.`,
      'Reproduce: `npm run kafka:up && node --import tsx bench/kafka.ts`.',
    ];
    return { name: 'kafka', rows, notes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function toMarkdown(result: BenchResult): string {
  const columns = Object.keys(result.rows[0] ?? {});
  return [
    `## ${result.name}`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...result.rows.map((r) => `| ${columns.map((c) => String(r[c] ?? '')).join(' | ')} |`),
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fail = (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  };
  if (process.argv[2] === 'child')
    // A measurement for the parent (inChild): msg/s on the last line.
    runChild(JSON.parse(process.argv[3]!) as ChildTask).then(
      (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
      fail,
    );
  else benchKafka().then((result) => process.stdout.write(toMarkdown(result)), fail);
}
