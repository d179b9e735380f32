/**
 * What happens to each generated order after its creation (domain/lifecycle.ts), seeded and
 * deterministic, drawn from its own random stream so that orders.csv is the same as before.
 *
 * Shares, from what online fashion shops report: ~3 % of orders are never paid and cancelled
 * after the payment window (1–3 days); of the paid, ~1.5 % are cancelled by the customer, and
 * those that found too little stock (StockLedger, ~1–2 %) are cancelled as out of stock 1–8 h
 * after the payment, as the supplier reports it; the rest ship after the supplier's
 * handling time (8–48 h) and arrive after the supplier's typical delay (suppliers.ts shipping
 * days, ×0.8–1.3, counted from the sale); ~22 % of delivered orders come back within 1–14 days
 * (size 55 %, quality 25 %, not as described 20 %). A step that would fall after the end of
 * the period is not written, nor the ones after it: the order is still on its way.
 */
import type { Order } from '../domain/entities.ts';
import {
  LIFECYCLE_EVENT_TYPES,
  ORDER_STATUSES,
  STATUS_OF,
  type LifecycleEventType,
  type LifecycleStep,
  type OrderStatus,
} from '../domain/lifecycle.ts';
import { AsciiSink } from '../domain/ascii-sink.ts';
import { writeStepRow } from '../domain/csv.ts';
import { OUT_OF_STOCK_REASON } from '../domain/stock.ts';
import { Random } from './random.ts';
import { RandomStreams } from './reference-data.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const LIFECYCLE_SHARES = {
  unpaidCancelled: 0.03,
  /** Of the paid orders (out of stock is the stock's to decide: StockLedger). */
  customerCancelled: 0.015,
  /** Of the delivered orders. */
  returned: 0.22,
} as const;

/** The supplier of a product, as the lifecycle needs it (null: no known supplier). */
export interface ShippingOf {
  supplierId: string;
  shippingDays: number;
}

export interface LifecycleCounts {
  /** Events per type, order_created included. */
  events: Record<'order_created' | LifecycleEventType, number>;
  /** Orders per final status (the furthest step written). */
  finalStatus: Record<OrderStatus, number>;
  /** Revenue of the orders whose final status is returned, and cancelled, in cents. */
  returnedCents: number;
  cancelledCents: number;
}

/**
 * What happens to one order after its creation: its steps in time order, at most four (paid,
 * shipped, delivered, returned). Only the shipped step has a supplier and tracking id, and an
 * order has at most one reason (its cancellation or its return).
 */
export interface LifecyclePlan {
  orderId: string;
  /** Steps planned, 0 to 4: types[0..length) and at[0..length). */
  length: number;
  types: LifecycleEventType[];
  /** Shop time of each step, ms since the epoch. */
  at: number[];
  supplierId: string;
  trackingId: string;
  reason: string;
}

/** A plan with room for its four steps, filled order after order by whoever reuses it. */
export function emptyPlan(): LifecyclePlan {
  return {
    orderId: '',
    length: 0,
    types: ['order_paid', 'order_paid', 'order_paid', 'order_paid'],
    at: [0, 0, 0, 0],
    supplierId: '',
    trackingId: '',
    reason: '',
  };
}

/** A planned step that outlives its plan: its delay after the sale, in shop time. */
export interface PlannedStep {
  afterSaleMs: number;
  step: Omit<LifecycleStep, 'at'>;
}

export class LifecycleSimulator {
  private readonly random: Random;
  readonly counts: LifecycleCounts = {
    events: Object.fromEntries(
      ['order_created', ...LIFECYCLE_EVENT_TYPES].map((t) => [t, 0]),
    ) as LifecycleCounts['events'],
    finalStatus: Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<
      OrderStatus,
      number
    >,
    returnedCents: 0,
    cancelledCents: 0,
  };
  /** @param endMs the end of the period (exclusive): no step is written at or after it. */
  constructor(
    seed: number,
    private readonly endMs: number,
  ) {
    this.random = new Random(seed, RandomStreams.lifecycle);
  }

  /** The plan of the last order planned: one object reused for every order (no garbage). */
  private readonly current: LifecyclePlan = emptyPlan();
  private status: OrderStatus = 'created';
  /** stepsCsv's rows, as text. */
  private readonly scratch = new AsciiSink(new Uint8Array(4096));

  /**
   * Adds a step to the plan unless it falls after the period; false then (no later step
   * either). A method, not a closure per order: the generator calls this ~3.5 times per order.
   */
  private step(type: LifecycleEventType, at: number, reason = '', evenAfterEnd = false): boolean {
    if (at >= this.endMs && !evenAfterEnd) return false;
    const p = this.current;
    p.types[p.length] = type;
    p.at[p.length] = at;
    p.length++;
    if (reason !== '') p.reason = reason;
    this.counts.events[type]++;
    this.status = STATUS_OF[type];
    return true;
  }

  /**
   * What happens to `order` after its creation: the steps, their times and details, decided
   * here and only here (the CSV of generate and the live stream both read this plan), and the
   * counts. Four draws per order whatever happens, so a longer period extends the same
   * lifecycles. The plan is reused by the next call: copy what must outlive it (planned()).
   */
  plan(
    order: Order,
    soldMs: number,
    shipping: ShippingOf | null,
    inStock = true,
  ): Readonly<LifecyclePlan> {
    const r = this.random;
    const c = this.counts;
    c.events.order_created++;
    const p = this.current;
    p.orderId = order.id;
    p.length = 0;
    p.reason = '';
    this.status = 'created';
    const u = r.next();
    const paidAt = soldMs + 30_000 + Math.floor(-Math.log(1 - r.next()) * 8 * MINUTE);
    const later = r.next(); // the delay of the next step
    const third = r.next();
    const fourth = r.next();
    done: {
      // Out of stock (domain/stock.ts): the order found too little stock at its creation
      // (StockLedger.reserve) and is cancelled at checkout, a second later, even in the
      // period's last second: PROD must never be left counting units the order never held.
      if (!inStock) {
        this.step('order_cancelled', soldMs + SECOND, OUT_OF_STOCK_REASON, true);
        break done;
      }
      if (u < LIFECYCLE_SHARES.unpaidCancelled) {
        this.step('order_cancelled', soldMs + DAY + Math.floor(later * 2 * DAY), 'unpaid');
        break done;
      }
      if (!this.step('order_paid', paidAt)) break done;
      const v = (u - LIFECYCLE_SHARES.unpaidCancelled) / (1 - LIFECYCLE_SHARES.unpaidCancelled);
      if (v < LIFECYCLE_SHARES.customerCancelled) {
        this.step(
          'order_cancelled',
          paidAt + HOUR + Math.floor(later * 7 * HOUR),
          'customer_request',
        );
        break done;
      }
      if (shipping === null) break done;
      const shippedAt = paidAt + 8 * HOUR + Math.floor(later * 40 * HOUR);
      p.supplierId = shipping.supplierId;
      p.trackingId = trackingIdOf(shipping.supplierId, order.id);
      if (!this.step('order_shipped', shippedAt)) break done;
      const deliveredAt = Math.max(
        shippedAt + 12 * HOUR,
        soldMs + Math.floor(shipping.shippingDays * (0.8 + third * 0.5) * DAY),
      );
      if (!this.step('order_delivered', deliveredAt)) break done;
      const w = fourth / LIFECYCLE_SHARES.returned;
      if (w < 1) {
        const reason = w < 0.55 ? 'size' : w < 0.8 ? 'quality' : 'not_as_described';
        this.step('order_returned', deliveredAt + DAY + Math.floor(w * 13 * DAY), reason);
      }
    }
    const status = this.status as OrderStatus;
    c.finalStatus[status]++;
    const revenue = order.quantity * order.unit_price_cents;
    if (status === 'returned') c.returnedCents += revenue;
    if (status === 'cancelled') c.cancelledCents += revenue;
    return p;
  }

  /** The CSV rows of the plan of `order` as text, and the plan (see writePlanRows). */
  stepsCsv(
    order: Order,
    soldMs: number,
    shipping: ShippingOf | null,
    inStock = true,
  ): { text: string; plan: Readonly<LifecyclePlan> } {
    const plan = this.plan(order, soldMs, shipping, inStock);
    this.scratch.pos = 0;
    writePlanRows(this.scratch, plan);
    return { text: this.scratch.textSince(), plan };
  }

  /**
   * The plan of `order` as steps that outlive the next call: each with its delay after the
   * sale (ms, shop time) and the step without its time (the live stream stamps it when it
   * publishes it).
   */
  planned(
    order: Order,
    soldMs: number,
    shipping: ShippingOf | null,
    inStock = true,
  ): PlannedStep[] {
    const p = this.plan(order, soldMs, shipping, inStock);
    const steps: PlannedStep[] = [];
    for (let i = 0; i < p.length; i++)
      steps.push({ afterSaleMs: p.at[i]! - soldMs, step: stepOf(p, i) });
    return steps;
  }
}

/**
 * The order_events.csv rows of a plan, in time order, into `out`: the supplier and tracking id
 * on the shipped step only, the reason on the cancelled or returned step only (as stepOf).
 */
export function writePlanRows(out: AsciiSink, p: Readonly<LifecyclePlan>): void {
  for (let i = 0; i < p.length; i++) {
    const type = p.types[i]!;
    const shipped = type === 'order_shipped';
    writeStepRow(
      out,
      p.orderId,
      type,
      p.at[i]!,
      shipped ? p.supplierId : '',
      shipped ? p.trackingId : '',
      type === 'order_cancelled' || type === 'order_returned' ? p.reason : '',
    );
  }
}

/** The tracking id of an order's parcel: its supplier's number and the order's (`TRK-007-00000042`). */
export function trackingIdOf(supplierId: string, orderId: string): string {
  return `TRK-${supplierId.slice(4)}-${orderId.slice(4)}`;
}

/** Step `i` of a plan, without its time. */
export function stepOf(p: Readonly<LifecyclePlan>, i: number): Omit<LifecycleStep, 'at'> {
  const type = p.types[i]!;
  const step: Omit<LifecycleStep, 'at'> = { order_id: p.orderId, event_type: type };
  if (type === 'order_shipped') {
    step.supplier_id = p.supplierId;
    step.tracking_id = p.trackingId;
  } else if (type === 'order_cancelled' || type === 'order_returned') step.reason = p.reason;
  return step;
}
