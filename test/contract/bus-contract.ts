/**
 * The bus contract: what every bus adapter (in-process, Kafka) must guarantee for the
 * pipeline to be correct. Each adapter's test file calls `busContract` with a factory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusRecord, ConsumedBatch } from '../../src/bus/types.ts';

export interface BusFactory {
  name: string;
  create(): Promise<Bus>;
  /** A topic name unique to this test, so tests never collide on a shared broker. */
  topic(label: string): string;
  partitions: number;
  /** Longest time to wait for records to show up. */
  timeoutMs: number;
}

/** Consumes up to `expected` records of `topic` as `group`, within `timeoutMs`, committing each batch. */
export async function collect(
  bus: Bus,
  topic: string,
  group: string,
  expected: number,
  timeoutMs: number,
  commit = true,
): Promise<BusRecord[]> {
  const consumer = await bus.consumer(topic, group);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  const records: BusRecord[] = [];
  try {
    for await (const batch of consumer.batches({
      maxRecords: 500,
      maxWaitMs: 50,
      signal: stop.signal,
    })) {
      records.push(...batch.records);
      if (commit) await batch.commit();
      if (records.length >= expected) break;
    }
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  return records;
}

const messages = (n: number, prefix = 'ORD-') =>
  Array.from({ length: n }, (_, i) => ({
    key: `${prefix}${String(i).padStart(8, '0')}`,
    value: JSON.stringify({ n: i }),
  }));

export function busContract(factory: BusFactory): void {
  describe(`bus contract: ${factory.name}`, () => {
    const open: Bus[] = [];
    const create = async () => {
      const bus = await factory.create();
      open.push(bus);
      return bus;
    };
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });

    it('delivers every published record once, with per-partition increasing offsets and key-based partitions', async () => {
      const bus = await create();
      const topic = factory.topic('delivery');
      await bus.ensureTopic(topic, factory.partitions);
      const producer = await bus.producer(topic);
      await producer.send(messages(300));
      await producer.close();
      const records = await collect(bus, topic, 'g-delivery', 300, factory.timeoutMs);
      expect(records).toHaveLength(300);
      expect(new Set(records.map((r) => r.key)).size).toBe(300);
      const byPartition = new Map<number, bigint[]>();
      const partitionOfKey = new Map<string, number>();
      for (const r of records) {
        expect(r.topic).toBe(topic);
        byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
        partitionOfKey.set(r.key!, r.partition);
        expect(JSON.parse(r.value!.toString())).toEqual({ n: Number(r.key!.slice(4)) });
      }
      for (const offsets of byPartition.values()) {
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
        expect(new Set(offsets).size).toBe(offsets.length);
      }
      expect(byPartition.size).toBeGreaterThan(1);
      // Same key → same partition, always.
      const producer2 = await bus.producer(topic);
      await producer2.send([{ key: 'ORD-00000007', value: JSON.stringify({ n: 7 }) }]);
      await producer2.close();
      const again = await collect(bus, topic, 'g-delivery', 1, factory.timeoutMs);
      expect(again[0]?.partition).toBe(partitionOfKey.get('ORD-00000007'));
    });

    it('redelivers records whose batch was not committed (commit only after the write)', async () => {
      const bus = await create();
      const topic = factory.topic('redeliver');
      await bus.ensureTopic(topic, factory.partitions);
      const producer = await bus.producer(topic);
      await producer.send(messages(50));
      await producer.close();
      const uncommitted = await collect(bus, topic, 'g-redeliver', 50, factory.timeoutMs, false);
      expect(uncommitted.length).toBeGreaterThan(0);
      const all = await collect(bus, topic, 'g-redeliver', 50, factory.timeoutMs, true);
      expect(new Set(all.map((r) => r.key)).size).toBe(50);
      // Committed now: a new consumer of the group gets nothing more.
      const producer2 = await bus.producer(topic);
      await producer2.send([{ key: 'ORD-99999999', value: '{}' }]);
      await producer2.close();
      const rest = await collect(bus, topic, 'g-redeliver', 1, factory.timeoutMs, true);
      expect(rest.map((r) => r.key)).toEqual(['ORD-99999999']);
    });

    it('gives each consumer group its own position, starting from the earliest record', async () => {
      const bus = await create();
      const topic = factory.topic('groups');
      await bus.ensureTopic(topic, factory.partitions);
      // Both groups exist before either consumes (the in-process bus deletes records every
      // known group has committed, like retention; a group created later starts after them).
      for (const group of ['g-a', 'g-b']) await (await bus.consumer(topic, group)).close();
      const producer = await bus.producer(topic);
      await producer.send(messages(40));
      await producer.close();
      const a = await collect(bus, topic, 'g-a', 40, factory.timeoutMs);
      const b = await collect(bus, topic, 'g-b', 40, factory.timeoutMs);
      expect(a).toHaveLength(40);
      expect(b).toHaveLength(40);
    });

    it('shares partitions between two consumers of one group: every record reaches exactly one of them', async () => {
      const bus = await create();
      const topic = factory.topic('share');
      await bus.ensureTopic(topic, factory.partitions);
      const c1 = await bus.consumer(topic, 'g-share');
      const c2 = await bus.consumer(topic, 'g-share');
      const seen: string[] = [];
      const stop = new AbortController();
      const run = async (c: typeof c1) => {
        for await (const batch of c.batches({
          maxRecords: 50,
          maxWaitMs: 20,
          signal: stop.signal,
        })) {
          seen.push(...batch.records.map((r) => r.key!));
          await batch.commit();
        }
      };
      const loops = [run(c1), run(c2)];
      const producer = await bus.producer(topic);
      for (let i = 0; i < 4; i++) await producer.send(messages(100, `ORD-${i}-`));
      await producer.close();
      const deadline = Date.now() + factory.timeoutMs;
      while (seen.length < 400 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      // Give a duplicate delivery, if any, time to show up.
      await new Promise((r) => setTimeout(r, 300));
      stop.abort();
      await Promise.all(loops);
      await c1.close();
      await c2.close();
      expect(seen).toHaveLength(400);
      expect(new Set(seen).size).toBe(400);
    });

    it('ends the batch iteration when the signal aborts', async () => {
      const bus = await create();
      const topic = factory.topic('abort');
      await bus.ensureTopic(topic, factory.partitions);
      const consumer = await bus.consumer(topic, 'g-abort');
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 200);
      const batches: ConsumedBatch[] = [];
      for await (const batch of consumer.batches({
        maxRecords: 10,
        maxWaitMs: 10,
        signal: stop.signal,
      }))
        batches.push(batch);
      await consumer.close();
      expect(batches).toHaveLength(0);
      expect(stop.signal.aborted).toBe(true);
    });

    it('reports consumer lag', async () => {
      const bus = await create();
      const topic = factory.topic('lag');
      await bus.ensureTopic(topic, factory.partitions);
      const producer = await bus.producer(topic);
      await producer.send(messages(25));
      await producer.close();
      const consumer = await bus.consumer(topic, 'g-lag');
      const lagBefore = await consumer.lag();
      await consumer.close();
      if (lagBefore !== null) expect(lagBefore).toBe(25);
      // The bus answers the same without a consumer of the group (what `monitor` asks).
      expect(await bus.consumerLag('g-lag', topic)).toBe(lagBefore);
      await collect(bus, topic, 'g-lag', 25, factory.timeoutMs);
      const consumer2 = await bus.consumer(topic, 'g-lag');
      const lagAfter = await consumer2.lag();
      await consumer2.close();
      if (lagAfter !== null) expect(lagAfter).toBe(0);
      expect(await bus.consumerLag('g-lag', topic)).toBe(lagAfter);
    });
  });
}
