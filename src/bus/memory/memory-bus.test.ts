import { describe, expect, it } from 'vitest';
import { busContract } from '../../../test/contract/bus-contract.ts';
import { MemoryBus } from './memory-bus.ts';

let n = 0;
busContract({
  name: 'in-process',
  create: async () => new MemoryBus({ partitions: 3 }),
  topic: (label) => `t-${label}-${++n}`,
  partitions: 3,
  timeoutMs: 5000,
});

describe('in-process bus specifics', () => {
  it('tells a group its lag from the bus (consumerLag), as its consumer does', async () => {
    const bus = new MemoryBus({ partitions: 2 });
    const producer = await bus.producer('t');
    await producer.send(Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: 'v' })));
    expect(await bus.consumerLag('g', 'no-such-topic')).toBeNull();
    // A group that has committed nothing starts from the earliest record: all 5 are its lag.
    expect(await bus.consumerLag('g', 't')).toBe(5);
    const consumer = await bus.consumer('t', 'g');
    const stop = new AbortController();
    let taken = 0;
    for await (const batch of consumer.batches({
      maxRecords: 2,
      maxWaitMs: 10,
      signal: stop.signal,
    })) {
      taken = batch.records.length;
      await batch.commit();
      break;
    }
    expect(taken).toBeGreaterThan(0);
    expect(await bus.consumerLag('g', 't')).toBe(5 - taken);
    expect(await bus.consumerLag('g', 't')).toBe(await consumer.lag());
    // Records every known group committed are dropped, so a new group starts after them.
    expect(await bus.consumerLag('other', 't')).toBe(5 - taken);
    await bus.close();
  });

  it('makes producers wait while the backlog is full (bounded memory), and resumes when consumed', async () => {
    const bus = new MemoryBus({ partitions: 1, maxBacklog: 10 });
    const producer = await bus.producer('t');
    const consumer = await bus.consumer('t', 'g');
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'v' })));
    let sent = false;
    const pending = producer.send([{ key: 'late', value: 'v' }]).then(() => (sent = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toBe(false);
    const stop = new AbortController();
    for await (const batch of consumer.batches({
      maxRecords: 10,
      maxWaitMs: 10,
      signal: stop.signal,
    })) {
      await batch.commit();
      break;
    }
    await pending;
    expect(sent).toBe(true);
    await bus.close();
  });

  it('ends a send waiting on a full backlog when its producer is closed (a consumer that gave up)', async () => {
    const bus = new MemoryBus({ partitions: 1, maxBacklog: 10 });
    const producer = await bus.producer('t');
    await bus.consumer('t', 'g');
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'v' })));
    const waiting = producer.send([{ key: 'late', value: 'v' }]);
    waiting.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    await producer.close();
    await expect(waiting).rejects.toThrow(/closed while waiting/);
    await bus.close();
  });

  it('continues offsets stored by an earlier process (resumeTopic) instead of reusing them', async () => {
    const bus = new MemoryBus({ partitions: 2 });
    bus.resumeTopic(
      't',
      new Map([
        [0, 100n],
        [1, 7n],
      ]),
    );
    const producer = await bus.producer('t');
    await producer.send(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v' })));
    const consumer = await bus.consumer('t', 'g');
    const stop = new AbortController();
    const offsets: Record<number, bigint[]> = { 0: [], 1: [] };
    for await (const batch of consumer.batches({
      maxRecords: 100,
      maxWaitMs: 10,
      signal: stop.signal,
    })) {
      for (const r of batch.records) offsets[r.partition]!.push(r.offset);
      await batch.commit();
      break;
    }
    expect(offsets[0]![0]).toBe(100n);
    expect(offsets[1]![0]).toBe(7n);
    await bus.close();
  });
});
