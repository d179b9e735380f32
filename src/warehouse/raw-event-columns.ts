/**
 * Accepted events column by column: the form the decoder produces and the RAW writer appends.
 *
 * Why columns and not one object per event: a decoded chunk crosses from the decode worker to
 * the writer's thread, and the structured clone of an object writes every property name again
 * for every event; the writer then copies each field into a DuckDB vector. As columns, numbers
 * and timestamps travel as typed arrays (one copy each, straight into the vector) and only the
 * strings are per event. This halved the writer thread's work per event (docs/BENCHMARKS.md).
 *
 * Timestamps are microseconds since the epoch (UTC), as DuckDB's TIMESTAMP stores them; the
 * price is in cents, as DECIMAL(12,2) stores it.
 */
import type { BusCoordinates } from '../bus/types.ts';
import type { RawEvent, RawEventFields } from './types.ts';

export interface RawEventColumns {
  length: number;
  topic: string[];
  partition: Int32Array;
  offset: BigInt64Array;
  eventId: string[];
  eventType: string[];
  orderId: string[];
  /**
   * The event exactly as received: its JSON text, or the UTF-8 bytes Kafka delivered, which
   * go into DuckDB as they are (no string made of them, no copy back from the decode worker).
   */
  payload: (string | Uint8Array)[];
  createdAt: BigInt64Array;
  productId: string[];
  customerId: string[];
  quantity: Int32Array;
  unitPriceCents: BigInt64Array;
  soldAt: BigInt64Array;
}

/** Fills columns of a known maximum size, event by event. */
export class RawEventColumnsBuilder {
  private readonly columns: RawEventColumns;
  private n = 0;

  constructor(capacity: number) {
    this.columns = {
      length: 0,
      topic: [],
      partition: new Int32Array(capacity),
      offset: new BigInt64Array(capacity),
      eventId: [],
      eventType: [],
      orderId: [],
      payload: [],
      createdAt: new BigInt64Array(capacity),
      productId: [],
      customerId: [],
      quantity: new Int32Array(capacity),
      unitPriceCents: new BigInt64Array(capacity),
      soldAt: new BigInt64Array(capacity),
    };
  }

  push(coordinates: BusCoordinates, e: RawEventFields): void {
    const c = this.columns;
    const i = this.n++;
    c.topic.push(coordinates.topic);
    c.partition[i] = coordinates.partition;
    c.offset[i] = coordinates.offset;
    c.eventId.push(e.eventId);
    c.eventType.push(e.eventType);
    c.orderId.push(e.orderId);
    c.payload.push(e.payload);
    c.createdAt[i] = e.createdAtMicros;
    c.productId.push(e.productId);
    c.customerId.push(e.customerId);
    c.quantity[i] = e.quantity;
    c.unitPriceCents[i] = BigInt(e.unitPriceCents);
    c.soldAt[i] = e.soldAtMicros;
  }

  /** The columns, trimmed to the events pushed. */
  finish(): RawEventColumns {
    return sliceColumns({ ...this.columns, length: this.n }, 0, this.n);
  }
}

/** Rows [start, end) as columns of their own (typed arrays are views, not copies). */
export function sliceColumns(c: RawEventColumns, start: number, end: number): RawEventColumns {
  if (start === 0 && end === c.length && c.partition.length === end) return c;
  return {
    length: end - start,
    topic: c.topic.slice(start, end),
    partition: c.partition.subarray(start, end),
    offset: c.offset.subarray(start, end),
    eventId: c.eventId.slice(start, end),
    eventType: c.eventType.slice(start, end),
    orderId: c.orderId.slice(start, end),
    payload: c.payload.slice(start, end),
    createdAt: c.createdAt.subarray(start, end),
    productId: c.productId.slice(start, end),
    customerId: c.customerId.slice(start, end),
    quantity: c.quantity.subarray(start, end),
    unitPriceCents: c.unitPriceCents.subarray(start, end),
    soldAt: c.soldAt.subarray(start, end),
  };
}

/** Events given one by one (tests, fixtures) as columns. */
export function columnsOf(events: readonly RawEvent[]): RawEventColumns {
  const builder = new RawEventColumnsBuilder(events.length);
  for (const e of events) builder.push(e.coordinates, e);
  return builder.finish();
}
