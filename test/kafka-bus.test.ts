/**
 * The bus contract on a real Kafka broker, plus what only Kafka has: the DLQ topic, lag from
 * the group's committed offsets, a broker that cannot be reached.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import type { Bus } from '../src/bus/types.ts';
import { PipelineError } from '../src/errors.ts';
import { busContract } from './contract/bus-contract.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';

const broker = await kafkaBroker();

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

    it('hands out batches no larger than maxRecords, spanning partitions, and commits only on commit()', async () => {
      const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
      open.push(bus);
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

    it('creates topics idempotently with the requested partitions', async () => {
      const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
      open.push(bus);
      const topic = uniqueName('create');
      await bus.ensureTopic(topic, 4);
      await bus.ensureTopic(topic, 4);
      const producer = await bus.producer(topic);
      await producer.send(
        Array.from({ length: 200 }, (_, i) => ({ key: `K${i}`, value: 'v', headers: { h: 'x' } })),
      );
      await producer.close();
      const consumer = await bus.consumer(topic, uniqueName('g'));
      const partitions = new Set<number>();
      let n = 0;
      for await (const batch of consumer.batches({ maxRecords: 500, maxWaitMs: 50 })) {
        for (const r of batch.records) {
          partitions.add(r.partition);
          expect(r.headers).toEqual({ h: 'x' });
        }
        n += batch.records.length;
        await batch.commit();
        if (n >= 200) break;
      }
      await consumer.close();
      expect(partitions.size).toBe(4);
    });

    it('ping describes the cluster; an unreachable broker is BUS_UNAVAILABLE with the fix', async () => {
      const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
      open.push(bus);
      expect(await bus.ping()).toMatch(/Kafka cluster .* 1 broker/);
      const nowhere = new KafkaBus(kafkaConfig('127.0.0.1:1'));
      open.push(nowhere);
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
      const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
      open.push(bus);
      const consumer = await bus.consumer(uniqueName('missing'), uniqueName('g'));
      const iterate = async () => {
        for await (const batch of consumer.batches({ maxRecords: 10, maxWaitMs: 10 })) void batch;
      };
      await expect(iterate()).rejects.toThrow(/does not exist/);
    });
  });
});
