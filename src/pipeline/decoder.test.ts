/**
 * The worker-thread decoder must give exactly what the inline decoder gives, whatever the
 * records look like: strings (in-process bus), views into one larger buffer (Kafka), null
 * values, bytes that are not UTF-8 JSON, and events of the wrong shape.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord } from '../bus/types.ts';
import { orderCreatedEvent, REJECTED_AT_SOURCE } from '../domain/event.ts';
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

/** A valid event with a large extra field: more than MAX_EVENT_BYTES when `bytes` is above it. */
function padded(i: number, bytes: number): string {
  return event(i).replace(/\}$/, `,"extra":"${'é'.repeat(bytes / 2)}"}`);
}

const orderKey = (i: number) => `ORD-${String(i).padStart(8, '0')}`;

/**
 * Records as each bus hands them over: Kafka's values share one fetch buffer. Besides odd
 * values, some are larger than 10,000 bytes, some keyed with another order's id, and some
 * carry the producer's rejection headers (a CSV row it refused).
 */
function records(kind: 'string' | 'buffer' | 'mixed', n: number): BusRecord[] {
  const values: (string | null)[] = [];
  for (let i = 0; i < n; i++)
    values.push(
      i % 10 === 3 ? oddValues[i % oddValues.length]! : i % 83 === 1 ? padded(i, 12_000) : event(i),
    );
  const fetch = Buffer.from(values.map((v) => v ?? '').join(''));
  let at = 0;
  return values.map((v, i): BusRecord => {
    const bytes = Buffer.byteLength(v ?? '');
    const view = fetch.subarray(at, at + bytes);
    at += bytes;
    const asBuffer = kind === 'buffer' || (kind === 'mixed' && i % 2 === 0);
    return {
      topic: i % 7 === 0 ? 'other_topic' : 'orders_topic',
      partition: i % 3,
      offset: BigInt(1_000_000_000_000 + i),
      key: i % 4 === 0 ? null : i % 97 === 5 ? orderKey(i + 1) : orderKey(i),
      value: v === null ? null : !asBuffer ? v : i % 50 === 14 ? NOT_UTF8 : view,
      headers:
        i % 89 === 2 && i % 50 !== 14
          ? {
              [REJECTED_AT_SOURCE.reason]: 'invalid_value',
              [REJECTED_AT_SOURCE.detail]: `orders.csv line ${i}: quantity "-2": must be positive`,
            }
          : {},
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
      decoder = new EventDecoder({ chunkSize: 64, maxEventBytes: 10_000 });
      const input = records(kind, 1000);
      const chunks = decoder.decode(input);
      expect(chunks.length).toBe(Math.ceil(1000 / 64));
      const decoded = await Promise.all(chunks);
      const expected = decodeBatch(input, undefined, undefined, 10_000);
      expect(acceptedRows(decoded)).toEqual(acceptedRows([expected]));
      expect(expected.accepted.length).toBeGreaterThan(800);
      expect(decoded.flatMap((c) => c.rejected)).toEqual(expected.rejected);
      expect(expected.rejected.length).toBeGreaterThan(50);
      expect(expected.rejected.map((r) => r.reason)).toEqual(
        expect.arrayContaining([
          'invalid_json',
          'invalid_shape',
          'invalid_value',
          'too_large',
          'key_mismatch',
        ]),
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

describe('decodeBatch rules besides the event itself', () => {
  const record = (value: string | Buffer, key: string | null, headers = {}): BusRecord => ({
    topic: 'orders_topic',
    partition: 0,
    offset: 5n,
    key,
    value,
    headers,
    timestamp: 0,
  });

  it('dead-letters an event larger than MAX_EVENT_BYTES as too_large, counting UTF-8 bytes', () => {
    // 2 bytes per é: 5,000 characters are 10,000 bytes, over a 9,000-byte limit.
    const big = padded(1, 10_000);
    expect(big.length).toBeLessThan(9_000 * 1.2);
    for (const value of [big, Buffer.from(big)]) {
      const { accepted, rejected } = decodeBatch([record(value, orderKey(1))], [], [], 9_000);
      expect(accepted.length).toBe(0);
      expect(rejected).toMatchObject([
        {
          reason: 'too_large',
          detail: expect.stringMatching(/bytes, more than MAX_EVENT_BYTES \(9000\)/),
        },
      ]);
      // The quarantine keeps its first 10,000 characters, never the whole event.
      expect(rejected[0]!.rawValue!.length).toBeLessThanOrEqual(10_000);
    }
    // The same event under the default limit (64 KiB) is accepted, its extra field kept in the payload.
    const { accepted } = decodeBatch([record(big, orderKey(1))]);
    expect(accepted.length).toBe(1);
    expect(String(accepted.payload[0])).toContain('"extra"');
  });

  it('dead-letters an event whose key is another order id as key_mismatch (a null key is fine)', () => {
    const { accepted, rejected } = decodeBatch([
      record(event(1), orderKey(2)),
      record(event(1), null),
      record(event(1), orderKey(1)),
    ]);
    expect(accepted.length).toBe(2);
    expect(rejected).toMatchObject([
      {
        reason: 'key_mismatch',
        orderId: orderKey(1),
        detail: expect.stringContaining(orderKey(2)),
      },
    ]);
  });

  it("takes the producer's rejection headers as the dead letter's reason and detail, never as an acceptance", () => {
    const headers = {
      [REJECTED_AT_SOURCE.reason]: 'invalid_value',
      [REJECTED_AT_SOURCE.detail]: 'orders.csv line 7: quantity "-2": must be positive',
    };
    // Even a valid event is refused when its producer says so; an unknown reason becomes invalid_shape.
    const { accepted, rejected } = decodeBatch([
      record(
        'ORD-00000007,PRD-00001,CUS-000001,-2,19.99,2025-03-14T09:26:53.000Z',
        orderKey(7),
        headers,
      ),
      record(event(1), orderKey(1), headers),
      record('x', 'f.csv:3', { [REJECTED_AT_SOURCE.reason]: 'trust_me' }),
    ]);
    expect(accepted.length).toBe(0);
    expect(rejected).toMatchObject([
      { reason: 'invalid_value', detail: headers[REJECTED_AT_SOURCE.detail], orderId: orderKey(7) },
      { reason: 'invalid_value', orderId: orderKey(1) },
      { reason: 'invalid_shape', orderId: null },
    ]);
  });
});
