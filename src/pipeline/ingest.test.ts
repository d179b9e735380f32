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
import { runIngest } from './ingest.ts';
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

it('counts the rows a failed attempt stored as stored, once, and nothing as redelivered', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-ingest-'));
  const warehouse = await DuckDbWarehouse.open(join(dir, 'w.duckdb'));
  try {
    await warehouse.setup();
    const bus = new MemoryBus({ partitions: 3 });
    const producer = await bus.producer('orders_topic');
    const at = '2026-01-01T00:00:00.000Z';
    const messages = Array.from({ length: EVENTS }, (_, i) =>
      orderMessage(
        {
          id: `ORD-${String(i + 1).padStart(8, '0')}`,
          product_id: 'PRD-00001',
          customer_id: 'CUS-000001',
          quantity: 1,
          unit_price_cents: 1000,
          sold_at: at,
        },
        at,
      ),
    );
    await producer.send(messages);
    const consumer = await bus.consumer('orders_topic', 'g');
    const stats = new PipelineStats();
    const stop = new AbortController();
    const retries: string[] = [];
    await runIngest({
      consumer,
      warehouse: failingOnce(warehouse),
      consumerGroup: 'g',
      batchSize: EVENTS,
      batchWaitMs: 10,
      signal: stop.signal,
      stats,
      onRetry: (error) => retries.push((error as Error).message),
      onBatch: () => {
        if (stats.consumed >= EVENTS) stop.abort();
      },
    });
    await bus.close();
    expect(retries.join('\n')).toMatch(/disk full \(injected\)/);
    const [raw] = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM orders_events');
    expect(Number(raw!.n)).toBe(EVENTS);
    expect({ inserted: stats.rawInserted, redelivered: stats.redelivered }).toEqual({
      inserted: EVENTS,
      redelivered: 0,
    });
  } finally {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  }
});
