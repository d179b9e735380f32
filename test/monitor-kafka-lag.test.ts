/**
 * `dropship monitor` with Kafka set runs no consumer of its own, yet shows the consumer lag:
 * it reads the group's committed offsets and the topic's end offsets from the real broker.
 */
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { dashboardUrl, startCli } from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { openFixture, type WarehouseFixture } from './browser/fixture.ts';

const broker = await kafkaBroker();
const RECORDS = 30;

let fixture: WarehouseFixture;
let topic: string;
let group: string;
/** The lag the group has after the commits below: RECORDS minus what it committed. */
let expectedLag: number;

describe.skipIf(!broker.available)(`consumer lag from the broker (${broker.bootstrap})`, () => {
  beforeAll(async () => {
    fixture = await openFixture();
    await fixture.warehouse.close(); // DuckDB: one process per file; monitor opens it next
    topic = uniqueName('lag');
    group = uniqueName('lag-group');
    const kafka = new Kafka({
      clientId: 'dropship-tests',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      await producer.connect();
      await producer.send({
        topic,
        messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: 'v' })),
      });
      // The group commits half of each partition (rounded down), as a consumer part-way would.
      const ends = await admin.fetchTopicOffsets(topic);
      const partitions = ends.map((p) => ({
        partition: p.partition,
        offset: String(Math.floor(Number(p.high) / 2)),
      }));
      await admin.setOffsets({ groupId: group, topic, partitions });
      expectedLag = ends.reduce(
        (sum, p) => sum + Number(p.high) - Math.floor(Number(p.high) / 2),
        0,
      );
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
    // Neither "nothing committed" nor "all committed": a lag that only the offsets explain.
    expect(expectedLag).toBeGreaterThan(0);
    expect(expectedLag).toBeLessThan(RECORDS);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('Bus.consumerLag reads the group lag: the committed offsets against the end offsets', async () => {
    const bus = new KafkaBus({
      kind: 'kafka',
      brokers: [broker.bootstrap],
      groupId: group,
      dlqTopic: `${topic}.dlq`,
      partitions: 3,
      clientId: 'dropship-tests',
    });
    try {
      expect(await bus.consumerLag(group, topic)).toBe(expectedLag);
      // A group that never committed has every record still to read.
      expect(await bus.consumerLag(uniqueName('fresh-group'), topic)).toBe(RECORDS);
    } finally {
      await bus.close();
    }
  });

  it('monitor shows that lag on /api/health and /metrics instead of n/a', async () => {
    const monitor = startCli(['monitor', '--port', '0'], {
      cwd: fixture.dir,
      env: {
        DUCKDB_PATH: `${fixture.dir}/warehouse.duckdb`,
        REPORTS_DIR: `${fixture.dir}/reports`,
        KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
        KAFKA_TOPIC: topic,
        KAFKA_GROUP_ID: group,
      },
    });
    try {
      const url = await dashboardUrl(monitor);
      const health = (await (await fetch(new URL('/api/health', url))).json()) as {
        consumer_lag: number | null;
      };
      expect(health.consumer_lag).toBe(expectedLag);
      const metrics = await (await fetch(new URL('/metrics', url))).text();
      expect(metrics).toMatch(new RegExp(`^dropship_consumer_lag ${expectedLag}$`, 'm'));
    } finally {
      monitor.child.kill('SIGTERM');
      const result = await monitor.result;
      // A clean stop on SIGTERM (the exit-code convention: 128 + 15).
      expect(result.code, result.stderr).toBe(143);
    }
  });
});

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('consumer lag when the broker does not answer', () => {
  it('monitor still serves the warehouse figures, with the lag null (n/a)', async () => {
    const quiet = await openFixture();
    await quiet.warehouse.close();
    const monitor = startCli(['monitor', '--port', '0'], {
      cwd: quiet.dir,
      env: {
        DUCKDB_PATH: `${quiet.dir}/warehouse.duckdb`,
        REPORTS_DIR: `${quiet.dir}/reports`,
        KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${await closedPort()}`,
      },
    });
    try {
      const url = await dashboardUrl(monitor);
      const response = await fetch(new URL('/api/health', url));
      expect(response.status).toBe(200);
      const health = (await response.json()) as { consumer_lag: number | null; raw_rows: number };
      expect(health).toMatchObject({ consumer_lag: null, raw_rows: 0 });
    } finally {
      monitor.child.kill('SIGTERM');
      const result = await monitor.result;
      // A clean stop on SIGTERM (the exit-code convention: 128 + 15).
      expect(result.code, result.stderr).toBe(143);
      await quiet.close();
    }
  });
});
