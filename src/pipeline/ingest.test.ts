/**
 * The ingest's accounting when a warehouse write fails midway and is retried: what the failed
 * attempt stored counts as stored, not as redelivered by the retry. Real DuckDB and the
 * in-process bus; the failure is injected into the first write only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory/memory-bus.ts';
import { DuckDbWarehouse } from '../warehouse/duckdb/duckdb-warehouse.ts';
import type { DecodedChunk, IngestBatch, Warehouse } from '../warehouse/types.ts';
import type { OutgoingMessage } from '../bus/types.ts';
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
