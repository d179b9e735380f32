/**
 * The order lifecycle, defined once: the events after `order_created`, their details, the
 * statuses they lead to and what makes a step valid. The bus decoder (event-decoding.ts), the
 * CSV reader of order_events.csv (pipeline/seed-files.ts), the generator and the warehouses'
 * task all take them from here.
 *
 *   order_created → order_paid → order_shipped (supplier, tracking id) → order_delivered
 *   order_cancelled (reason), before shipping (unpaid, or paid then cancelled)
 *   order_returned (reason: size, quality, not_as_described), after delivery
 *
 * All events of an order go on the orders topic with the order id as key, so one partition
 * keeps them in order. No validation library here (the replay worker loads this module).
 */
import { ID_PATTERN } from './entities.ts';
import { timestampProblem, type OrderProblem } from './order-rules.ts';

export const LIFECYCLE_EVENT_TYPES = [
  'order_paid',
  'order_shipped',
  'order_delivered',
  'order_cancelled',
  'order_returned',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export function isLifecycleEventType(text: unknown): text is LifecycleEventType {
  return (LIFECYCLE_EVENT_TYPES as readonly unknown[]).includes(text);
}

export const CANCEL_REASONS = ['unpaid', 'out_of_stock', 'customer_request'] as const;
export const RETURN_REASONS = ['size', 'quality', 'not_as_described'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];
export type ReturnReason = (typeof RETURN_REASONS)[number];

/**
 * PROD orders.status, in the order of the funnel. The status of an order is the furthest step
 * its applied events reached (returned > delivered > cancelled|shipped > paid > created):
 * an order is never both cancelled and shipped, the task quarantines such an event.
 */
export const ORDER_STATUSES = [
  'created',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
  'returned',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The status each event type leads to. */
export const STATUS_OF: Record<'order_created' | LifecycleEventType, OrderStatus> = {
  order_created: 'created',
  order_paid: 'paid',
  order_shipped: 'shipped',
  order_delivered: 'delivered',
  order_cancelled: 'cancelled',
  order_returned: 'returned',
};

/**
 * One lifecycle step, as order_events.csv holds it and the event carries it. `at` is the
 * step's own time (ISO-8601 UTC), which is also the event's timestamp: the task orders the
 * steps of an order by it, whatever order they arrive in.
 */
export interface LifecycleStep {
  order_id: string;
  event_type: LifecycleEventType;
  at: string;
  /** order_shipped only. */
  supplier_id?: string;
  /** order_shipped only. */
  tracking_id?: string;
  /** order_cancelled (CANCEL_REASONS) and order_returned (RETURN_REASONS) only. */
  reason?: string;
}

const TRACKING_ID = /^[A-Z0-9-]{6,40}$/;

/** A step's rule broken, in the words of order-rules.ts (the field, the reason, the message). */
export interface StepProblem {
  field: 'order_id' | 'event_type' | 'at' | 'supplier_id' | 'tracking_id' | 'reason';
  reason: OrderProblem['reason'];
  message: string;
}

/** The first rule a step breaks, or null when it is valid. */
export function lifecycleProblem(s: LifecycleStep, latest?: string): StepProblem | null {
  if (!ID_PATTERN.order.test(s.order_id))
    return { field: 'order_id', reason: 'invalid_shape', message: 'must look like ORD-00000001' };
  if (!isLifecycleEventType(s.event_type))
    return {
      field: 'event_type',
      reason: 'unknown_event_type',
      message: `must be one of ${LIFECYCLE_EVENT_TYPES.join(', ')}`,
    };
  const time = timestampProblem('timestamp', s.at, latest);
  if (time) return { field: 'at', reason: time.reason, message: time.message };
  if (s.event_type === 'order_shipped') {
    if (s.supplier_id === undefined || !ID_PATTERN.supplier.test(s.supplier_id))
      return {
        field: 'supplier_id',
        reason: 'invalid_shape',
        message: 'an order_shipped names its supplier, like SUP-001',
      };
    if (s.tracking_id === undefined || !TRACKING_ID.test(s.tracking_id))
      return {
        field: 'tracking_id',
        reason: 'invalid_shape',
        message: 'an order_shipped carries a tracking id (6 to 40 of A-Z, 0-9, -)',
      };
  }
  const reasons =
    s.event_type === 'order_cancelled'
      ? CANCEL_REASONS
      : s.event_type === 'order_returned'
        ? RETURN_REASONS
        : null;
  if (reasons && !(reasons as readonly (string | undefined)[]).includes(s.reason))
    return {
      field: 'reason',
      reason: 'invalid_value',
      message: `an ${s.event_type} gives its reason: one of ${reasons.join(', ')}`,
    };
  return null;
}
