/**
 * What a valid order is, defined once: the bus decoder (event-decoding.ts, its zod schema and
 * its fast path), the CSV reader (pipeline/seed-files.ts), the generator's period check and the
 * validation's data_quality check all take their rules and caps from here. A CSV row and a bus
 * event are judged by the same functions, so `2025-02-30` or a quantity of -2 is refused by
 * both, with the same words.
 *
 * No validation library here: the replay worker reads orders through this module and starts
 * sooner without one (zod stays in event-decoding.ts, for the shape of a bus event).
 */
import { ID_PATTERN, type Order } from './entities.ts';

/**
 * The caps on an order's values. Quantity and price: the largest values RAW and PROD hold
 * (INTEGER quantity, DECIMAL(12,2) price); larger ones are refused as invalid values rather
 * than failing the warehouse write of the whole batch on every retry. Dates: an event or a
 * sale more than a day ahead of the clock is refused (a wrong clock, or a typo such as 2205):
 * such an event's timestamp would win every later MERGE of its order.
 */
export const ORDER_LIMITS = {
  maxQuantity: 2_147_483_647,
  maxUnitPriceCents: 999_999_999_999,
  maxFutureMs: 86_400_000,
} as const;

/** Why a record could not be accepted; stored with its dead letter (orders_quarantine, DLQ). */
export const REJECT_REASONS = [
  'invalid_json',
  'invalid_shape',
  'invalid_value',
  'unknown_event_type',
  'unsupported_schema_version',
  'key_mismatch',
  'too_large',
  'unknown_customer',
  'unknown_product',
  // The task, on lifecycle events (lifecycle.ts): no such order in PROD, or a step the order
  // can no longer take (shipped after cancelled, cancelled after shipping).
  'unknown_order',
  'impossible_transition',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export function isRejectReason(text: string): text is RejectReason {
  return (REJECT_REASONS as readonly string[]).includes(text);
}

/** One broken rule: the field, the reason its dead letter gets, and what is wrong. */
export interface OrderProblem {
  field: 'id' | 'product_id' | 'customer_id' | 'quantity' | 'unit_price' | 'sold_at' | 'timestamp';
  reason: RejectReason;
  message: string;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO-8601 UTC and a real instant (`2025-02-30T…` is refused, where V8's Date.parse rolls it
 * over to March 2). Checked with arithmetic, not Date objects: it runs twice per ingested event.
 */
export function isUtcTimestamp(text: string): boolean {
  if (!ISO_UTC.test(text)) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!;
  return (
    day <= daysInMonth &&
    digits(text, 11, 13) <= 23 &&
    digits(text, 14, 16) <= 59 &&
    digits(text, 17, 19) <= 59
  );
}

/** The number written by the ASCII digits text[from, to). */
export function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

let latestAt = 0;
let latestText = '';

/**
 * The latest timestamp accepted now (the clock plus ORDER_LIMITS.maxFutureMs), as ISO text.
 * Timestamps that passed `isUtcTimestamp` compare as text (fixed-width year to second; the
 * fraction only matters within a second of a one-day margin), so no Date is built per event;
 * the limit itself is rebuilt once a second.
 */
export function latestAcceptedTimestamp(now: number = Date.now()): string {
  if (now - latestAt >= 1000 || now < latestAt) {
    latestAt = now;
    latestText = new Date(now + ORDER_LIMITS.maxFutureMs).toISOString();
  }
  return latestText;
}

/**
 * What is wrong with a timestamp (sold_at, or an event's timestamp), or null. `latest` is
 * latestAcceptedTimestamp(), which a caller judging many records reads once (a clock read per
 * event cost the ingest ~10 % of its decoding).
 */
export function timestampProblem(
  field: 'sold_at' | 'timestamp',
  text: string,
  latest: string = latestAcceptedTimestamp(),
): OrderProblem | null {
  if (!isUtcTimestamp(text))
    return {
      field,
      reason: 'invalid_value',
      message: 'must be an ISO-8601 UTC timestamp of a real date, like 2025-03-14T09:26:53.000Z',
    };
  if (text > latest)
    return {
      field,
      reason: 'invalid_value',
      message: 'must not be more than a day in the future',
    };
  return null;
}

/** What is wrong with a quantity already read as a number, or null. */
export function quantityProblem(quantity: number): OrderProblem | null {
  if (!Number.isSafeInteger(quantity))
    return { field: 'quantity', reason: 'invalid_value', message: 'must be an integer' };
  if (quantity <= 0)
    return { field: 'quantity', reason: 'invalid_value', message: 'must be positive' };
  if (quantity > ORDER_LIMITS.maxQuantity)
    return {
      field: 'quantity',
      reason: 'invalid_value',
      message: `must be at most ${ORDER_LIMITS.maxQuantity}`,
    };
  return null;
}

/** What is wrong with a price in cents (NaN: not a decimal with at most 2 places), or null. */
export function unitPriceProblem(cents: number): OrderProblem | null {
  if (Number.isNaN(cents))
    return {
      field: 'unit_price',
      reason: 'invalid_value',
      message: 'must be a decimal with at most 2 places, like 19.99',
    };
  if (cents < 0)
    return { field: 'unit_price', reason: 'invalid_value', message: 'must not be negative' };
  if (cents > ORDER_LIMITS.maxUnitPriceCents)
    return {
      field: 'unit_price',
      reason: 'invalid_value',
      message: 'must be below 10,000,000,000',
    };
  return null;
}

/**
 * The first rule an order breaks, or null when it is valid. Ids of the wrong form are a broken
 * shape (the record is not an order of ours); values out of range are invalid values. Written
 * out rather than looped over a table: this runs once per ingested event.
 */
export function orderProblem(
  o: Order,
  latest: string = latestAcceptedTimestamp(),
): OrderProblem | null {
  if (!ID_PATTERN.order.test(o.id))
    return { field: 'id', reason: 'invalid_shape', message: 'must look like ORD-00000001' };
  if (!ID_PATTERN.product.test(o.product_id))
    return { field: 'product_id', reason: 'invalid_shape', message: 'must look like PRD-00001' };
  if (!ID_PATTERN.customer.test(o.customer_id))
    return { field: 'customer_id', reason: 'invalid_shape', message: 'must look like CUS-000001' };
  return (
    quantityProblem(o.quantity) ??
    unitPriceProblem(o.unit_price_cents) ??
    timestampProblem('sold_at', o.sold_at, latest)
  );
}
