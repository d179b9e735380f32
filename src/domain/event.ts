/**
 * The event on the bus (DESIGN.md §4): key = order id, value = this JSON envelope.
 * `event_id` is a UUIDv5 of the order id, so the same order always yields the same id and
 * redelivery or replay can be recognised downstream. Reading and checking a record from the
 * bus is event-decoding.ts: this module has no validation library, so the replay worker that
 * writes events starts without loading one.
 */
import { hash as digest } from 'node:crypto';
import { centsToDecimal, type Order } from './entities.ts';
import { LIFECYCLE_EVENT_TYPES, type LifecycleEventType, type LifecycleStep } from './lifecycle.ts';

export const EVENT_TYPE_ORDER_CREATED = 'order_created';
/** Every event type the ingest accepts: the creation, then the lifecycle (lifecycle.ts). */
export const EVENT_TYPES: readonly string[] = [EVENT_TYPE_ORDER_CREATED, ...LIFECYCLE_EVENT_TYPES];
export const SCHEMA_VERSION = 1;

/**
 * Headers of a record the producer could not turn into an event (a CSV row that breaks the
 * rules of order-rules.ts): it is published anyway, its value the row as read, so that the
 * ingest stores it in orders_quarantine (and the DLQ topic) with this reason and detail, in
 * the same transaction as its bus offset, like any other dead letter. These headers can only
 * ever make a record rejected, never accepted.
 */
export const REJECTED_AT_SOURCE = {
  reason: 'dropship.rejected.reason',
  detail: 'dropship.rejected.detail',
} as const;

/** Fixed namespace for UUIDv5 event ids (a random UUID chosen once for this project). */
const EVENT_NAMESPACE = Buffer.from('6f1c2a9e4b7d4e0f9a35c8d2e1b07f43', 'hex');

export function eventIdFor(eventType: string, orderId: string): string {
  // One-shot hash (no Hash object per event): this runs once per published event.
  const hash = digest(
    'sha1',
    Buffer.concat([EVENT_NAMESPACE, Buffer.from(`${eventType}:${orderId}`)]),
    'buffer',
  ) as Buffer;
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface OrderCreatedEvent {
  event_id: string;
  event_type: typeof EVENT_TYPE_ORDER_CREATED;
  schema_version: typeof SCHEMA_VERSION;
  timestamp: string;
  order: {
    id: string;
    product_id: string;
    customer_id: string;
    quantity: number;
    unit_price: number;
    sold_at: string;
  };
}

export function orderCreatedEvent(order: Order, timestamp: Date = new Date()): OrderCreatedEvent {
  return {
    event_id: eventIdFor(EVENT_TYPE_ORDER_CREATED, order.id),
    event_type: EVENT_TYPE_ORDER_CREATED,
    schema_version: SCHEMA_VERSION,
    timestamp: timestamp.toISOString(),
    order: {
      id: order.id,
      product_id: order.product_id,
      customer_id: order.customer_id,
      quantity: order.quantity,
      // A JSON number with 2 decimals: what consumers in any language expect for a price.
      unit_price: Number(centsToDecimal(order.unit_price_cents)),
      sold_at: order.sold_at,
    },
  };
}

/** Printable ASCII without `"` and `\\`: JSON.stringify writes such a string as it is, quoted. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `JSON.stringify(orderCreatedEvent(order, timestamp))`, written directly: every published
 * event is encoded once, and building the object then stringifying it cost ~50 % more on the
 * replay's hottest thread. Any field that JSON would escape (or a number it would write as
 * null) takes the JSON.stringify path instead; a unit test holds both to the same text.
 */
export function orderCreatedJson(order: Order, timestamp: string): string {
  const price = Number(centsToDecimal(order.unit_price_cents));
  if (
    !JSON_PLAIN.test(order.id) ||
    !JSON_PLAIN.test(order.product_id) ||
    !JSON_PLAIN.test(order.customer_id) ||
    !JSON_PLAIN.test(order.sold_at) ||
    !JSON_PLAIN.test(timestamp) ||
    !Number.isFinite(order.quantity) ||
    !Number.isFinite(price)
  )
    return JSON.stringify({ ...orderCreatedEvent(order), timestamp });
  return (
    `{"event_id":"${eventIdFor(EVENT_TYPE_ORDER_CREATED, order.id)}","event_type":"${EVENT_TYPE_ORDER_CREATED}",` +
    `"schema_version":${SCHEMA_VERSION},"timestamp":"${timestamp}","order":{"id":"${order.id}",` +
    `"product_id":"${order.product_id}","customer_id":"${order.customer_id}",` +
    `"quantity":${order.quantity},"unit_price":${price},"sold_at":"${order.sold_at}"}}`
  );
}

/**
 * A lifecycle event (lifecycle.ts): the envelope of every event, the order's id, and the
 * step's details at the top level. Its timestamp is the step's own time.
 */
export interface LifecycleEvent {
  event_id: string;
  event_type: LifecycleEventType;
  schema_version: typeof SCHEMA_VERSION;
  timestamp: string;
  order: { id: string };
  supplier_id?: string;
  tracking_id?: string;
  reason?: string;
}

export function lifecycleEvent(step: LifecycleStep): LifecycleEvent {
  const event: LifecycleEvent = {
    event_id: eventIdFor(step.event_type, step.order_id),
    event_type: step.event_type,
    schema_version: SCHEMA_VERSION,
    timestamp: step.at,
    order: { id: step.order_id },
  };
  if (step.supplier_id !== undefined) event.supplier_id = step.supplier_id;
  if (step.tracking_id !== undefined) event.tracking_id = step.tracking_id;
  if (step.reason !== undefined) event.reason = step.reason;
  return event;
}

/** `JSON.stringify(lifecycleEvent(step))`. */
export function lifecycleJson(step: LifecycleStep): string {
  return JSON.stringify(lifecycleEvent(step));
}
