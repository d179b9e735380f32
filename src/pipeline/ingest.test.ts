/**
 * The ingest's accounting when a warehouse write fails midway and is retried: what the failed
 * attempt stored counts as stored, not as redelivered by the retry. Real DuckDB and the
 * in-process bus; the failure is injected into the first write only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors.ts';
import { recordingWaits, RETRY } from './retry.ts';
import { MemoryBus } from '../bus/memory/memory-bus.ts';
import { DuckDbWarehouse } from '../warehouse/duckdb/duckdb-warehouse.ts';
import type { DecodedChunk, IngestBatch, Warehouse } from '../warehouse/types.ts';
import type { BusProducer, OutgoingMessage } from '../bus/types.ts';
import { runIngest, type IngestOptions } from './ingest.ts';
import { orderMessage } from './produce.ts';
import { PipelineStats } from './stats.ts';

const EVENTS = 60_000;

/**
 * The warehouse, whose first write fails after 30,000 records: by then one RAW transaction
 * (25,000 records) has committed.
 */
function failingOnce(warehouse: DuckDbWarehouse): Warehouse {
  let failed = false;
  const ingest = async (batch: IngestBatch) => {
    if (failed) return warehouse.ingest(batch);
    failed = true;
    const head: DecodedChunk[] = [];
    let records = 0;
    for (const chunk of batch.chunks) {
      if (records >= 30_000) break;
      const c = await chunk;
      head.push(c);
      records += c.accepted.length + c.rejected.length;
    }
    const crash = Promise.reject(new Error('disk full (injected)'));
    crash.catch(() => undefined); // observed by the write when it gets there
    return warehouse.ingest({ ...batch, chunks: [...head, crash] });
  };
  return new Proxy(warehouse, {
    get: (target, name, receiver) =>
      name === 'ingest' ? ingest : (Reflect.get(target, name, receiver) as unknown),
  });
}

const AT = '2026-01-01T00:00:00.000Z';

/** The message of order number `n` (ORD-0000000n), sold and published at AT. */
function orderNo(n: number, quantity = 1, unitPriceCents = 1000) {
  return orderMessage(
    {
      id: `ORD-${String(n).padStart(8, '0')}`,
      product_id: 'PRD-00001',
      customer_id: 'CUS-000001',
      quantity,
      unit_price_cents: unitPriceCents,
      sold_at: AT,
    },
    AT,
  );
}

/** A fresh DuckDB warehouse for the test, closed and deleted afterwards. */
async function withWarehouse(body: (warehouse: DuckDbWarehouse) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-ingest-'));
  const warehouse = await DuckDbWarehouse.open(join(dir, 'w.duckdb'));
  try {
    await warehouse.setup();
    await body(warehouse);
  } finally {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Publishes the messages on the in-process bus and ingests them all into `warehouse`. */
async function ingestAll(
  warehouse: Warehouse,
  messages: OutgoingMessage[],
  options: { batchSize: number; onRetry?: IngestOptions['onRetry'] },
): Promise<PipelineStats> {
  const bus = new MemoryBus({ partitions: 3 });
  await (await bus.producer('orders_topic')).send(messages);
  const consumer = await bus.consumer('orders_topic', 'g');
  const stats = new PipelineStats();
  const stop = new AbortController();
  await runIngest({
    consumer,
    warehouse,
    consumerGroup: 'g',
    batchSize: options.batchSize,
    batchWaitMs: 10,
    signal: stop.signal,
    stats,
    onRetry: options.onRetry,
    onBatch: () => {
      if (stats.consumed >= messages.length) stop.abort();
    },
  });
  await bus.close();
  return stats;
}

it('counts the rows a failed attempt stored as stored, once, and nothing as redelivered', async () => {
  await withWarehouse(async (warehouse) => {
    const messages = Array.from({ length: EVENTS }, (_, i) => orderNo(i + 1));
    const retries: string[] = [];
    const stats = await ingestAll(failingOnce(warehouse), messages, {
      batchSize: EVENTS,
      onRetry: (error) => retries.push((error as Error).message),
    });
    expect(retries.join('\n')).toMatch(/disk full \(injected\)/);
    const [raw] = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM orders_events');
    expect(Number(raw!.n)).toBe(EVENTS);
    expect({ inserted: stats.rawInserted, redelivered: stats.redelivered }).toEqual({
      inserted: EVENTS,
      redelivered: 0,
    });
  });
});

it("stores Kafka's bytes as received, and quarantines a value that is not UTF-8", async () => {
  await withWarehouse(async (warehouse) => {
    const texts = Array.from({ length: 5_000 }, (_, i) => {
      const { value } = orderNo(i + 1, 1 + (i % 5), 1000 + i);
      // Exactly as received means the spacing too.
      return i % 100 === 0 ? JSON.stringify(JSON.parse(value), null, 2) : value;
    });
    // Bytes, as Kafka delivers them; the decoder takes batches of this size to its worker.
    const messages = texts.map((text, i) => ({
      key: `ORD-${String(i + 1).padStart(8, '0')}`,
      value: Buffer.from(text, 'utf8'),
    }));
    // A valid event but for one byte that is not UTF-8 (in a field the schema ignores).
    const notUtf8 = Buffer.concat([
      Buffer.from('{"note":"'),
      Buffer.from([0xff]),
      Buffer.from(`",${texts[0]!.slice(1).replace('ORD-00000001', 'ORD-99999999')}`),
    ]);
    messages.splice(2_500, 0, { key: 'ORD-99999999', value: notUtf8 });
    await ingestAll(warehouse, messages, { batchSize: 10_000 });
    const raw = await warehouse.query<{ order_id: string; payload: string }>(
      'SELECT order_id, CAST(payload AS VARCHAR) AS payload FROM orders_events ORDER BY order_id',
    );
    expect(raw.length).toBe(texts.length);
    expect(raw.map((r) => r.payload)).toEqual(texts);
    const quarantined = await warehouse.query<{ reason: string; detail: string }>(
      'SELECT reason, detail FROM orders_quarantine',
    );
    expect(quarantined).toEqual([
      { reason: 'invalid_json', detail: 'the value is not UTF-8 text' },
    ]);
  });
});

describe('retries (RETRY.warehouse for the write; the DLQ producer retries on its own)', () => {
  /** The warehouse, whose ingest first throws `errors` in turn; counts the attempts. */
  function failingWith(warehouse: DuckDbWarehouse, ...errors: Error[]) {
    let attempts = 0;
    const ingest = async (batch: IngestBatch) => {
      const error = errors[attempts++];
      if (error) throw error;
      return warehouse.ingest(batch);
    };
    const proxy = new Proxy(warehouse, {
      get: (target, name, receiver) =>
        name === 'ingest' ? ingest : (Reflect.get(target, name, receiver) as unknown),
    }) as Warehouse;
    return { proxy, attempts: () => attempts };
  }
  const recorded = () => recordingWaits(RETRY.warehouse);

  /** Ingests `messages` (one batch) through `options`; resolves or rejects as runIngest does. */
  async function ingestOnce(
    warehouse: Warehouse,
    messages: OutgoingMessage[],
    extra: Partial<IngestOptions>,
  ): Promise<void> {
    const bus = new MemoryBus({ partitions: 1 });
    try {
      await (await bus.producer('orders_topic')).send(messages);
      const stop = new AbortController();
      await runIngest({
        consumer: await bus.consumer('orders_topic', 'g'),
        warehouse,
        consumerGroup: 'g',
        batchSize: 1000,
        batchWaitMs: 10,
        signal: stop.signal,
        onBatch: () => stop.abort(),
        ...extra,
      });
    } finally {
      await bus.close();
    }
  }
  const messages = () => [orderNo(1), orderNo(2)];
  const rawCount = async (warehouse: DuckDbWarehouse) =>
    Number((await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM orders_events'))[0]!.n);

  it('retries a transient warehouse failure with growing delays', async () => {
    await withWarehouse(async (warehouse) => {
      const hiccup = () =>
        new PipelineError('WAREHOUSE_UNAVAILABLE', 'warehouse hiccup', { transient: true });
      const w = failingWith(warehouse, hiccup(), hiccup(), hiccup());
      const { policy, waits } = recorded();
      await ingestOnce(w.proxy, messages(), { warehouseRetry: policy });
      expect([w.attempts(), waits, await rawCount(warehouse)]).toEqual([4, [200, 400, 800], 2]);
    });
  });

  it('stops on a terminal warehouse error without retrying', async () => {
    await withWarehouse(async (warehouse) => {
      const w = failingWith(warehouse, new PipelineError('NOT_SET_UP', 'run dropship setup'));
      const { policy, waits } = recorded();
      await expect(ingestOnce(w.proxy, messages(), { warehouseRetry: policy })).rejects.toThrow(
        'run dropship setup',
      );
      expect([w.attempts(), waits, await rawCount(warehouse)]).toEqual([1, [], 0]);
    });
  });

  it('sends dead letters once: the DLQ producer retries under its own policy, never twice over', async () => {
    await withWarehouse(async (warehouse) => {
      let sends = 0;
      const deadLetterProducer: BusProducer = {
        prefersBytes: false,
        close: async () => undefined,
        send: async () => {
          sends++;
          throw new PipelineError('BUS_UNAVAILABLE', 'broker away after 90 s of retries', {
            transient: true,
          });
        },
      };
      const bad = { key: 'ORD-00000003', value: 'not json' };
      await expect(
        ingestOnce(warehouse, [...messages(), bad], { deadLetterProducer }),
      ).rejects.toThrow('broker away');
      expect(sends).toBe(1);
    });
  });
});
