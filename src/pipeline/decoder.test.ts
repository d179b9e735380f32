/**
 * The worker-thread decoder must give exactly what the inline decoder gives, whatever the
 * records look like: strings (in-process bus), views into one larger buffer (Kafka), null
 * values, bytes that are not UTF-8 JSON, and events of the wrong shape.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord } from '../bus/types.ts';
import { orderCreatedEvent } from '../domain/event.ts';
import type { RawEventColumns } from '../warehouse/raw-event-columns.ts';
import { decodeBatch, EventDecoder, type DecodedColumns } from './decoder.ts';

/** The accepted events of chunks, one plain object per event, to compare. */
function acceptedRows(chunks: DecodedColumns[]): Record<string, unknown>[] {
  return chunks.flatMap(({ accepted: c }) =>
    Array.from({ length: c.length }, (_, i) =>
      Object.fromEntries(
        Object.entries(c)
          .filter(([key]) => key !== 'length')
          .map(([key, column]) => [key, (column as RawEventColumns['topic'])[i]]),
      ),
    ),
  );
}

function event(i: number): string {
  return JSON.stringify(
    orderCreatedEvent(
      {
        id: `ORD-${String(i).padStart(8, '0')}`,
        product_id: 'PRD-00007',
        customer_id: 'CUS-000003',
        quantity: 1 + (i % 5),
        unit_price_cents: 1000 + i,
        sold_at: '2025-03-14T09:26:53.123456Z',
      },
      new Date('2026-01-01T00:00:00.000Z'),
    ),
  );
}

const oddValues: (string | null)[] = [
  null,
  '',
  '{not json',
  '[]',
  '{"event_type":"order_created"}',
  event(7).replace('"quantity":3', '"quantity":-3'),
  'café ☕ — not an event',
];

/** Bytes that are not UTF-8 (only Kafka can deliver them): a dead letter on both paths. */
const NOT_UTF8 = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);

/** Records as each bus hands them over: Kafka's values share one fetch buffer. */
function records(kind: 'string' | 'buffer' | 'mixed', n: number): BusRecord[] {
  const values: (string | null)[] = [];
  for (let i = 0; i < n; i++)
    values.push(i % 10 === 3 ? oddValues[i % oddValues.length]! : event(i));
  const fetch = Buffer.from(values.map((v) => v ?? '').join(''));
  let at = 0;
  return values.map((v, i) => {
    const bytes = Buffer.byteLength(v ?? '');
    const view = fetch.subarray(at, at + bytes);
    at += bytes;
    const asBuffer = kind === 'buffer' || (kind === 'mixed' && i % 2 === 0);
    return {
      topic: i % 7 === 0 ? 'other_topic' : 'orders_topic',
      partition: i % 3,
      offset: BigInt(1_000_000_000_000 + i),
      key: null,
      value: v === null ? null : !asBuffer ? v : i % 50 === 14 ? NOT_UTF8 : view,
      headers: {},
      timestamp: 0,
    };
  });
}

describe('EventDecoder', () => {
  let decoder: EventDecoder | undefined;
  afterEach(async () => {
    await decoder?.close();
    decoder = undefined;
  });

  for (const kind of ['string', 'buffer', 'mixed'] as const) {
    it(`decodes ${kind} values in a worker exactly as inline, chunk by chunk in order`, async () => {
      decoder = new EventDecoder({ chunkSize: 64 });
      const input = records(kind, 1000);
      const chunks = decoder.decode(input);
      expect(chunks.length).toBe(Math.ceil(1000 / 64));
      const decoded = await Promise.all(chunks);
      const expected = decodeBatch(input);
      expect(acceptedRows(decoded)).toEqual(acceptedRows([expected]));
      expect(expected.accepted.length).toBeGreaterThan(800);
      expect(decoded.flatMap((c) => c.rejected)).toEqual(expected.rejected);
      expect(expected.rejected.length).toBeGreaterThan(50);
      expect(expected.rejected.map((r) => r.reason)).toEqual(
        expect.arrayContaining(['invalid_json', 'invalid_shape', 'invalid_value']),
      );
      const notUtf8 = expected.rejected.filter((r) => r.detail === 'the value is not UTF-8 text');
      expect(notUtf8.length).toBe(kind === 'string' ? 0 : 20);
    });
  }

  it('decodes small batches inline (no round trip for a slow stream)', async () => {
    decoder = new EventDecoder({ chunkSize: 64 });
    const input = records('buffer', 10);
    const chunks = decoder.decode(input);
    expect(chunks).toHaveLength(1);
    expect(acceptedRows([await chunks[0]!])).toEqual(acceptedRows([decodeBatch(input)]));
    expect((await chunks[0]!).rejected).toEqual(decodeBatch(input).rejected);
  });

  it('still delivers every chunk when closed with work in flight', async () => {
    decoder = new EventDecoder({ chunkSize: 16 });
    const input = records('mixed', 500);
    const chunks = decoder.decode(input);
    await decoder.close();
    const decoded = await Promise.all(chunks);
    expect(acceptedRows(decoded)).toEqual(acceptedRows([decodeBatch(input)]));
  });

  it('keeps decoding inline when told not to use a worker', async () => {
    decoder = new EventDecoder({ worker: false, chunkSize: 16 });
    const input = records('string', 500);
    const chunks = decoder.decode(input);
    // Still in chunks, so the writer's transactions stay bounded.
    expect(chunks).toHaveLength(Math.ceil(500 / 16));
    const decoded = await Promise.all(chunks);
    expect(acceptedRows(decoded)).toEqual(acceptedRows([decodeBatch(input)]));
    expect(decoded.flatMap((c) => c.rejected)).toEqual(decodeBatch(input).rejected);
  });
});
