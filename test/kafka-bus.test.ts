/**
 * The bus contract on a real Kafka broker, plus what only Kafka has: the DLQ topic, lag from
 * the group's committed offsets, a broker that cannot be reached.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import type { Bus } from '../src/bus/types.ts';
import { PipelineError } from '../src/errors.ts';
import { busContract, collect } from './contract/bus-contract.ts';
import {
  kafkaBroker,
  privateBrokerSkipReason,
  startPrivateBroker,
  uniqueName,
} from './helpers/kafka-broker.ts';

const broker = await kafkaBroker();

/** Kafka's murmur2 as kafkajs computes it (the Java client's value, signed). */
const kafkajsMurmur2 = createRequire(import.meta.url)(
  'kafkajs/src/producer/partitioners/default/murmur2.js',
) as (key: string) => number;

const kafkaConfig = (brokers: string) => ({
  kind: 'kafka' as const,
  brokers: brokers.split(','),
  groupId: uniqueName('group'),
  dlqTopic: uniqueName('dlq'),
  partitions: 3,
  clientId: 'dropship-tests',
});

describe.skipIf(!broker.available)('Kafka bus', () => {
  const groupSuffix = uniqueName('run');
  busContract({
    name: `Kafka (${broker.bootstrap})`,
    // Group ids in the contract are fixed ('g-delivery'…); topics are unique, so groups never see old records.
    create: async () => new KafkaBus(kafkaConfig(broker.bootstrap)),
    topic: (label) => `${uniqueName(label)}-${groupSuffix}`,
    partitions: 3,
    timeoutMs: 30_000,
  });

  describe('Kafka specifics', () => {
    const open: Bus[] = [];
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });
    /** A bus on `bootstrap` (the test broker by default), closed after the test. */
    const openBus = (bootstrap = broker.bootstrap) => {
      const bus = new KafkaBus(kafkaConfig(bootstrap));
      open.push(bus);
      return bus;
    };

    it('hands out batches no larger than maxRecords, spanning partitions, and commits only on commit()', async () => {
      const bus = openBus();
      const topic = uniqueName('slices');
      const group = uniqueName('g');
      await bus.ensureTopic(topic, 3);
      const producer = await bus.producer(topic);
      await producer.send(
        Array.from({ length: 1000 }, (_, i) => ({ key: `ORD-${i}`, value: String(i) })),
      );
      await producer.close();
      const consumer = await bus.consumer(topic, group);
      const sizes: number[] = [];
      const partitions = new Set<number>();
      let seen = 0;
      for await (const batch of consumer.batches({ maxRecords: 128, maxWaitMs: 50 })) {
        sizes.push(batch.records.length);
        for (const r of batch.records) partitions.add(r.partition);
        seen += batch.records.length;
        // Commit only the first half of the batches.
        if (seen <= 500) await batch.commit();
        if (seen >= 1000) break;
      }
      expect(Math.max(...sizes)).toBeLessThanOrEqual(128);
      expect(partitions.size).toBe(3);
      // The uncommitted records are still owed to the group.
      const lag = await consumer.lag();
      expect(lag).toBeGreaterThanOrEqual(1000 - 500);
      expect(lag).toBeLessThan(1000);
      await consumer.close();
    });

    it('puts each key on the partition Java clients pick (murmur2, sign bit cleared, modulo)', async () => {
      const bus = openBus();
      const topic = uniqueName('partitions');
      await bus.ensureTopic(topic, 3);
      const producer = await bus.producer(topic);
      const keys = Array.from(
        { length: 300 },
        (_, i) => `ORD-${String(i * 7919).padStart(8, '0')}`,
      );
      await producer.send(keys.map((key) => ({ key, value: key })));
      await producer.close();
      const records = await collect(bus, topic, uniqueName('g'), keys.length, 30_000);
      const landed = new Map(records.map((r) => [r.key!, r.partition]));
      for (const key of keys)
        expect(landed.get(key), key).toBe((kafkajsMurmur2(key) & 0x7fffffff) % 3);
    });

    it('publishes one send larger than the broker accepts in one record batch (1 MB), all of it in order', async () => {
      const bus = openBus();
      const topic = uniqueName('large-send');
      await bus.ensureTopic(topic, 1);
      const producer = await bus.producer(topic);
      // 4,000 × 1 KB = 4 MB in one call (the default message.max.bytes is 1 MB).
      const filler = 'x'.repeat(1000);
      await producer.send(
        Array.from({ length: 4000 }, (_, i) => ({ key: `K${i}`, value: `${i}:${filler}` })),
      );
      await producer.close();
      const records = await collect(bus, topic, uniqueName('g'), 4000, 30_000);
      const order = records.map((r) => Number(String(r.value).split(':')[0]));
      expect(order).toEqual(Array.from({ length: 4000 }, (_, i) => i));
    });

    it('creates topics idempotently with the requested partitions', async () => {
      const bus = openBus();
      const topic = uniqueName('create');
      await bus.ensureTopic(topic, 4);
      await bus.ensureTopic(topic, 4);
      const producer = await bus.producer(topic);
      await producer.send(
        Array.from({ length: 200 }, (_, i) => ({ key: `K${i}`, value: 'v', headers: { h: 'x' } })),
      );
      await producer.close();
      const records = await collect(bus, topic, uniqueName('g'), 200, 30_000);
      for (const r of records) expect(r.headers).toEqual({ h: 'x' });
      expect(new Set(records.map((r) => r.partition)).size).toBe(4);
    });

    it('ping describes the cluster; an unreachable broker is BUS_UNAVAILABLE with the fix', async () => {
      const bus = openBus();
      expect(await bus.ping()).toMatch(/Kafka cluster .* 1 broker/);
      const nowhere = openBus('127.0.0.1:1');
      const started = Date.now();
      const error = await nowhere.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as PipelineError).code).toBe('BUS_UNAVAILABLE');
      expect((error as PipelineError).transient).toBe(true);
      expect((error as PipelineError).hint).toMatch(/npm run kafka:up|docker compose up -d/);
      expect((error as PipelineError).hint).toMatch(/KAFKA_BOOTSTRAP_SERVERS/);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('says plainly when the topic to consume does not exist', async () => {
      const bus = openBus();
      const consumer = await bus.consumer(uniqueName('missing'), uniqueName('g'));
      const iterate = async () => {
        for await (const batch of consumer.batches({ maxRecords: 10, maxWaitMs: 10 })) void batch;
      };
      await expect(iterate()).rejects.toThrow(/does not exist/);
    });
  });
});

const privateProblem = await privateBrokerSkipReason(broker, 'broker-outage test');

describe.skipIf(privateProblem !== null)('Kafka bus across a broker outage', () => {
  it('a consumer keeps going when the broker stops and comes back, and misses nothing', async () => {
    // A broker of its own: stopping it never disturbs the shared one or other test files.
    const own = await startPrivateBroker();
    const logged: string[] = [];
    const bus = new KafkaBus(kafkaConfig(own.bootstrap), { log: (m) => logged.push(m) });
    try {
      const topic = uniqueName('outage');
      await bus.ensureTopic(topic, 3);
      const send = async (prefix: string) => {
        const producer = await bus.producer(topic);
        await producer.send(
          Array.from({ length: 100 }, (_, i) => ({ key: `${prefix}-${i}`, value: String(i) })),
        );
        await producer.close();
      };
      await send('before');
      const consumer = await bus.consumer(topic, uniqueName('g'));
      const keys = new Set<string>();
      const consuming = (async () => {
        for await (const batch of consumer.batches({ maxRecords: 50, maxWaitMs: 100 })) {
          for (const r of batch.records) keys.add(r.key!);
          // A commit to a broker that went away fails: those records come again, which is allowed.
          await batch.commit().catch(() => undefined);
          if (keys.size === 200) break;
        }
      })();
      consuming.catch(() => undefined);
      const deadline = Date.now() + 30_000;
      while (keys.size < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(keys.size).toBe(100);
      await own.stop();
      // Long enough for kafkajs to give up on its own retries at least once.
      await new Promise((r) => setTimeout(r, 3000));
      await own.start();
      await send('after');
      await Promise.race([
        consuming,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`only ${keys.size} of 200 keys after 90 s`)), 90_000),
        ),
      ]);
      expect(keys.size, logged.join('\n')).toBe(200);
      await consumer.close();
    } finally {
      await bus.close().catch(() => undefined);
      await own.destroy();
    }
  }, 180_000);
});
