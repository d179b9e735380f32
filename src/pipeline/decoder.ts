/**
 * Decoding of bus records into RAW rows and dead letters, off the writer's thread.
 *
 * The ingest runs on one JS thread, and per event it spent about as long decoding (UTF-8,
 * JSON.parse, validation: ~4.5 µs) as appending the row to DuckDB (~4 µs). A worker thread now
 * decodes while the writer appends: a large batch is cut into chunks, all posted at once, and
 * the writer appends chunk k while the worker decodes chunk k+1 (docs/BENCHMARKS.md).
 * Small batches (a live stream of a few events per second) are decoded inline: a round trip
 * to the worker would only add latency.
 *
 * Decoding is a pure function of the bytes, so both paths give the same result (tested), and
 * a worker that dies only costs speed: its chunks are decoded inline instead.
 */
import { isUtf8 } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import type { BusCoordinates, BusRecord } from '../bus/types.ts';
import { settingDefault } from '../config/settings.ts';
import { decodeOrderEvent, utcMicros, type RejectedEvent } from '../domain/event-decoding.ts';
import {
  EVENT_TYPE_ORDER_CREATED,
  REJECTED_AT_SOURCE,
  type LifecycleEvent,
  type OrderCreatedEvent,
} from '../domain/event.ts';
import { isRejectReason, latestAcceptedTimestamp } from '../domain/order-rules.ts';
import { RawEventColumnsBuilder, type RawEventColumns } from '../warehouse/raw-event-columns.ts';
import { packValues, type PackedValues } from './packed-values.ts';
import { WORKER_HEAP_LIMITS } from './worker-heap.ts';
import type { DeadLetter, DecodedChunk, RawEvent, RawEventFields } from '../warehouse/types.ts';

/** The RAW row of a valid event: the payload as received plus its typed order fields. */
function rawEventFieldsOf(
  event: OrderCreatedEvent | LifecycleEvent,
  payload: string | Uint8Array,
): RawEventFields {
  if (event.event_type !== EVENT_TYPE_ORDER_CREATED)
    // A lifecycle step: no order fields; RAW stores them as NULL (LIFECYCLE_ROW), the step's
    // details stay in the payload, which the task reads.
    return {
      eventId: event.event_id,
      eventType: event.event_type,
      orderId: event.order.id,
      payload,
      createdAtMicros: utcMicros(event.timestamp),
      productId: '',
      customerId: '',
      quantity: 0,
      unitPriceCents: 0,
      soldAtMicros: 0n,
    };
  const o = (event as OrderCreatedEvent).order;
  return {
    eventId: event.event_id,
    eventType: event.event_type,
    orderId: o.id,
    payload,
    createdAtMicros: utcMicros(event.timestamp),
    productId: o.product_id,
    customerId: o.customer_id,
    quantity: o.quantity,
    unitPriceCents: Math.round(o.unit_price * 100),
    soldAtMicros: utcMicros(o.sold_at),
  };
}

/** The same, with its bus coordinates, one object per event (tests and fixtures). */
export function rawEventOf(
  event: OrderCreatedEvent | LifecycleEvent,
  coordinates: BusCoordinates,
  payload: string = JSON.stringify(event),
): RawEvent {
  return { coordinates, ...rawEventFieldsOf(event, payload) };
}

/** MAX_EVENT_BYTES's default, from the settings table (64 KiB). */
export const DEFAULT_MAX_EVENT_BYTES = Number(settingDefault('MAX_EVENT_BYTES'));

/**
 * Decodes records in order. `acceptedFrom` and `rejectedFrom`, when given, receive each
 * accepted and rejected record's index (the worker sends those back instead of the records'
 * values, which the sender still holds). A record is rejected, before its JSON is read, when
 * it is larger than `maxEventBytes` (too_large) or when its producer already refused it
 * (REJECTED_AT_SOURCE headers); after, when its key is not its order's id (key_mismatch: the
 * bus orders an order's events by key, so a wrong key could let an old version win).
 */
export function decodeBatch(
  records: BusRecord[],
  acceptedFrom?: number[],
  rejectedFrom?: number[],
  maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES,
): DecodedColumns {
  const accepted = new RawEventColumnsBuilder(records.length);
  const rejected: DeadLetter[] = [];
  const latest = latestAcceptedTimestamp(); // one clock read per batch, not per event
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const coordinates = { topic: record.topic, partition: record.partition, offset: record.offset };
    const value = record.value;
    const text = value === null || typeof value === 'string' ? value : value.toString('utf8');
    const decoded = decodeRecord(record, text, maxEventBytes, latest);
    if (decoded.ok) {
      // Stored as it came: bytes stay bytes (no string is kept for them).
      accepted.push(coordinates, rawEventFieldsOf(decoded.event, value!));
      acceptedFrom?.push(i);
    } else {
      rejected.push({
        coordinates,
        reason: decoded.reason,
        detail: decoded.detail,
        // As text, for the quarantine and the DLQ: bytes that are not UTF-8 show as U+FFFD.
        rawValue: text === null ? null : text.slice(0, 10_000),
        eventId: decoded.eventId,
        orderId: decoded.orderId,
        received: { key: record.key, value },
      });
      rejectedFrom?.push(i);
    }
  }
  return { accepted: accepted.finish(), rejected };
}

function decodeRecord(
  record: BusRecord,
  text: string | null,
  maxEventBytes: number,
  latest: string,
) {
  const value = record.value;
  const refusedAtSource = record.headers[REJECTED_AT_SOURCE.reason];
  if (refusedAtSource !== undefined) return rejectedAtSource(record, refusedAtSource);
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: most are measured for free.
  const bytes =
    value === null
      ? 0
      : typeof value !== 'string'
        ? value.length
        : value.length * 3 <= maxEventBytes
          ? 0
          : Buffer.byteLength(value);
  if (bytes > maxEventBytes) return tooLarge(bytes, maxEventBytes);
  // JSON travels as UTF-8 (RFC 8259). Other bytes would be stored altered: replacement
  // characters in the text, or, as bytes, a NULL (DuckDB refuses invalid UTF-8 silently).
  if (value !== null && typeof value !== 'string' && !isUtf8(value)) return notUtf8;
  const decoded = decodeOrderEvent(text, latest);
  if (decoded.ok && record.key !== null && record.key !== decoded.orderId)
    return {
      ok: false,
      reason: 'key_mismatch',
      detail: `the record's key "${record.key.slice(0, 60)}" is not its order id ${decoded.orderId}`,
      eventId: decoded.event.event_id,
      orderId: decoded.orderId,
    } satisfies RejectedEvent;
  return decoded;
}

function tooLarge(bytes: number, maxEventBytes: number): RejectedEvent {
  return {
    ok: false,
    reason: 'too_large',
    detail: `the event is ${bytes} bytes, more than MAX_EVENT_BYTES (${maxEventBytes})`,
    eventId: null,
    orderId: null,
  };
}

function rejectedAtSource(record: BusRecord, reason: string): RejectedEvent {
  const key = record.key ?? '';
  return {
    ok: false,
    reason: isRejectReason(reason) ? reason : 'invalid_shape',
    detail: (record.headers[REJECTED_AT_SOURCE.detail] ?? 'refused by its producer').slice(0, 300),
    eventId: null,
    orderId: key.startsWith('ORD-') ? key : null,
  };
}

const notUtf8 = {
  ok: false,
  reason: 'invalid_json',
  detail: 'the value is not UTF-8 text',
  eventId: null,
  orderId: null,
} as const;

/** A decoded chunk as the decoder makes it: the accepted events as columns. */
export interface DecodedColumns extends DecodedChunk {
  accepted: RawEventColumns;
}

/**
 * Records as posted to the worker. Kafka's values are views into a large fetch buffer, and
 * posting a view copies its whole buffer: the bytes are packed into one buffer instead.
 */
export interface DecodeRequest {
  id: number;
  maxEventBytes: number;
  topics: string[];
  partitions: Int32Array;
  offsets: BigInt64Array;
  /** The keys, checked against the order ids. */
  keys: (string | null)[];
  /** The headers of the records that have REJECTED_AT_SOURCE ones (rare), by index. */
  rejectedAtSource: [number, Record<string, string>][];
  values: { kind: 'strings'; strings: (string | null)[] } | ({ kind: 'bytes' } & PackedValues);
}

export interface DecodeReply {
  id: number;
  /**
   * The accepted events without their topics and payloads: the sender still holds those, and
   * `acceptedFrom` gives each event's record in the request.
   */
  accepted: RawEventColumns;
  acceptedFrom: Int32Array;
  /** Without what they received: `rejectedFrom` gives each one's record in the request. */
  rejected: DeadLetter[];
  rejectedFrom: Int32Array;
}

function pack(id: number, records: BusRecord[], maxEventBytes: number): DecodeRequest {
  const n = records.length;
  const topics: string[] = new Array(n);
  const partitions = new Int32Array(n);
  const offsets = new BigInt64Array(n);
  const keys: (string | null)[] = new Array(n);
  const rejectedAtSource: [number, Record<string, string>][] = [];
  let allStrings = true;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    topics[i] = r.topic;
    partitions[i] = r.partition;
    offsets[i] = r.offset;
    keys[i] = r.key;
    if (r.headers[REJECTED_AT_SOURCE.reason] !== undefined) rejectedAtSource.push([i, r.headers]);
    if (r.value !== null && typeof r.value !== 'string') allStrings = false;
  }
  const common = { id, maxEventBytes, topics, partitions, offsets, keys, rejectedAtSource };
  if (allStrings) {
    const strings = records.map((r) => r.value as string | null);
    return { ...common, values: { kind: 'strings', strings } };
  }
  const values = packValues(records.map((r) => r.value));
  return { ...common, values: { kind: 'bytes', ...values } };
}

export interface EventDecoderOptions {
  /** Decode large batches in a worker thread (default true). */
  worker?: boolean;
  /** Records per chunk handed to the worker. */
  chunkSize?: number;
  /** Told once if the worker dies (decoding goes on inline). */
  onWorkerFailure?: (error: Error) => void;
  /** MAX_EVENT_BYTES: larger records become dead letters (too_large). */
  maxEventBytes?: number;
}

/** Decodes batches of bus records; see the module comment. One per ingest loop. */
export class EventDecoder {
  private readonly useWorker: boolean;
  private readonly chunkSize: number;
  private readonly onWorkerFailure: ((error: Error) => void) | undefined;
  private readonly maxEventBytes: number;
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { records: BusRecord[]; resolve: (chunk: DecodedColumns) => void }
  >();

  constructor(options: EventDecoderOptions = {}) {
    this.useWorker = options.worker ?? true;
    this.chunkSize = options.chunkSize ?? 2_000;
    this.onWorkerFailure = options.onWorkerFailure;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    // Started now rather than at the first large batch: its start-up (~0.3 s, loading the
    // TypeScript loader and the domain code) overlaps the bus's connection and group join
    // instead of delaying the first batch. Idle, it costs memory only.
    if (this.useWorker) this.startWorker();
  }

  /**
   * The batch's decoded chunks, in bus order. The promises are created at once (the worker
   * starts on all of them) and never reject, so the list can be awaited again by a retry.
   */
  decode(records: BusRecord[]): Promise<DecodedColumns>[] {
    // Chunks either way: the writer commits in transactions of a bounded size.
    const slices: BusRecord[][] = [];
    for (let start = 0; start < records.length || start === 0; start += this.chunkSize)
      slices.push(records.slice(start, start + this.chunkSize));
    if (!this.useWorker || this.broken || records.length < this.chunkSize)
      return slices.map((slice) =>
        Promise.resolve(decodeBatch(slice, undefined, undefined, this.maxEventBytes)),
      );
    const worker = this.worker ?? this.startWorker();
    return slices.map((slice) => {
      const id = this.nextId++;
      const chunk = new Promise<DecodedColumns>((resolve) => {
        this.pending.set(id, { records: slice, resolve });
      });
      const request = pack(id, slice, this.maxEventBytes);
      worker.postMessage(
        request,
        request.values.kind === 'bytes' ? [request.values.bytes] : undefined,
      );
      return chunk;
    });
  }

  /** Decoding is pure: what the worker still had in hand is decoded here instead. */
  private decodePendingInline(): void {
    for (const [id, job] of this.pending) {
      this.pending.delete(id);
      job.resolve(decodeBatch(job.records, undefined, undefined, this.maxEventBytes));
    }
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL('./decode-worker-entry.js', import.meta.url), {
      name: 'dropship-decode', // the thread's name in top -H and in the bench's CPU per thread
      resourceLimits: WORKER_HEAP_LIMITS,
    });
    worker.unref(); // never keeps the process alive on its own
    worker.on('message', (reply: DecodeReply) => {
      const job = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!job) return;
      const { accepted, acceptedFrom } = reply;
      const records = job.records;
      for (let k = 0; k < acceptedFrom.length; k++) {
        const record = records[acceptedFrom[k]!]!;
        accepted.topic[k] = record.topic;
        // The value as received (a string, or Kafka's bytes, checked UTF-8 by the worker).
        accepted.payload[k] = record.value!;
      }
      reply.rejected.forEach((deadLetter, k) => {
        const record = records[reply.rejectedFrom[k]!]!;
        deadLetter.received = { key: record.key, value: record.value };
      });
      job.resolve({ accepted, rejected: reply.rejected });
    });
    const fail = (error: Error) => {
      if (!this.broken) this.onWorkerFailure?.(error);
      this.broken = true;
      this.worker = null;
      this.decodePendingInline();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`decode worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
    // Anything still pending is decoded inline, so every promise handed out settles.
    this.decodePendingInline();
  }
}
