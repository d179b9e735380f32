/**
 * An unthrottled replay starts encoding on the publishing thread while its worker loads, then
 * hands over to the worker at a row it names (produce.ts, encodedInWorker). Whatever the
 * timing, every good row must be published exactly once, in file order per key's partition,
 * and every bad row reported once with its line and published once as a dead letter — also for
 * bad rows on both sides of the handover. The file is large enough (200k rows) for the worker to take over.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory/memory-bus.ts';
import type { BusProducer } from '../src/bus/types.ts';
import { REJECTED_AT_SOURCE } from '../src/domain/event.ts';
import type { BadRow } from '../src/pipeline/seed-files.ts';
import { replayOrders } from '../src/pipeline/produce.ts';
import { runCli } from './helpers/cli.ts';

const ORDERS = 200_000;
/** 1-based file lines (the header is line 1) replaced by broken rows. */
const BROKEN_LINES = [5, 1_500, 20_000, 90_000, 150_001, ORDERS + 1];
let dir: string;
let ids: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-handover-'));
  const seed = join(dir, 'seed');
  const gen = await runCli(
    ['generate', '--orders', String(ORDERS), '--customers', '1000', '--products', '100'],
    { cwd: dir, env: { SEED_DIR: seed } },
  );
  expect(gen.code, gen.stderr).toBe(0);
  const lines = (await readFile(join(seed, 'orders.csv'), 'utf8')).split('\n');
  for (const line of BROKEN_LINES) lines[line - 1] = 'ORD-broken,,,not a number,,';
  ids = lines.slice(1).filter((l, i) => l !== '' && !BROKEN_LINES.includes(i + 2));
  ids = ids.map((l) => l.slice(0, l.indexOf(',')));
  await writeFile(join(seed, 'orders.csv'), lines.join('\n'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Values as strings (the in-process bus) and as UTF-8 bytes packed by the worker (Kafka).
it.each([false, true])(
  'publishes every good row once, in file order per partition, and reports each bad row once (values as bytes: %s)',
  async (prefersBytes) => {
    const bus = new MemoryBus({ partitions: 3 });
    const memory = await bus.producer('orders_topic');
    const producer: BusProducer = {
      prefersBytes,
      send: (messages) => memory.send(messages),
      close: () => memory.close(),
    };
    let mismatched = 0;
    const consumer = await bus.consumer('orders_topic', 'check');
    const bad: BadRow[] = [];
    const received: string[][] = [[], [], []];
    const deadLetterLines: number[] = [];
    const stop = new AbortController();
    const reading = (async () => {
      for await (const batch of consumer.batches({
        maxRecords: 50_000,
        maxWaitMs: 20,
        signal: stop.signal,
      })) {
        for (const r of batch.records) {
          const detail = r.headers[REJECTED_AT_SOURCE.detail];
          if (detail !== undefined) {
            deadLetterLines.push(Number(/ line (\d+):/.exec(detail)?.[1]));
            continue;
          }
          received[r.partition]!.push(r.key!);
          // Each value is its own key's event (bytes: the right slice of the packed buffer).
          const value = typeof r.value === 'string' ? r.value : r.value!.toString('utf8');
          if ((JSON.parse(value) as { order: { id: string } }).order.id !== r.key) mismatched++;
        }
        await batch.commit();
      }
    })();
    // orders.csv alone (--file): this test is about its rows, not the lifecycle steps after them.
    const result = await replayOrders(
      { dir: join(dir, 'seed'), path: join(dir, 'seed', 'orders.csv') },
      { producer, rate: 0, onBadRow: (row) => bad.push(row) },
    );
    while (((await consumer.lag()) ?? 0) > 0) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    await reading;
    await bus.close();

    // The events, and the bad rows' dead letters.
    expect(result.published).toBe(ids.length + BROKEN_LINES.length);
    expect(mismatched).toBe(0);
    expect(bad.map((b) => b.line).sort((a, b) => a - b)).toEqual(BROKEN_LINES);
    expect(deadLetterLines.sort((a, b) => a - b)).toEqual(BROKEN_LINES);
    expect(result.badRows).toBe(BROKEN_LINES.length);
    // Once each, and within a partition in the order of the file.
    const all = received.flat();
    expect(all.length).toBe(ids.length);
    expect(new Set(all).size).toBe(ids.length);
    const position = new Map(ids.map((id, i) => [id, i]));
    for (const keys of received) {
      const order = keys.map((k) => position.get(k)!);
      expect(order.every((p, i) => i === 0 || p > order[i - 1]!)).toBe(true);
    }
  },
  120_000,
);
