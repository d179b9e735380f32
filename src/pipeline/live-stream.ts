/**
 * The live stream (`produce --mode stream`, and `run` after its replay): new orders, and what
 * happens to each of them afterwards, published when its time comes.
 *
 * Shop time runs `timeScale` times faster than wall time, so whole lifecycles complete while
 * someone watches: at the default 10,000 (PRODUCE_TIME_SCALE, config/settings.ts) (one wall second is 2.8 shop hours) an order is paid
 * within a tenth of a second, shipped 3–17 s later and delivered 14 s to 2.6 min after its sale
 * (median ~56 s: the supplier's 2–14 days × 0.8–1.3); a return comes up to 2.3 min after that.
 * Slower, and a session would end before its first deliveries; much faster, and the steps of
 * an order would blur into one moment on the dashboard. What happens
 * to an order is decided once, by the same LifecycleSimulator.plan that writes
 * order_events.csv; only its timing is scaled. Each step's event is stamped with the
 * wall-clock time it is published (the decoder refuses timestamps a day ahead, so a scaled
 * shop time could not be used), and goes out with the order id as key after the order's
 * creation, so one partition keeps an order's events in order.
 *
 * The orders whose lifecycle is not over wait in a min-heap by the due time of their next
 * step: one entry per order, ≈ order rate × mean lifecycle span / timeScale of them. An order
 * makes 4.13 events on average and its lifecycle spans 8.95 shop days (measured over 200k
 * planned orders; at most ~32 days), so at 10 events/s and the default scale ≈ 2.4 orders/s ×
 * 77 s ≈ 190 orders wait. The heap is capped (maxPending): when it is full no new order is
 * created until a lifecycle ends, so memory stays bounded whatever the rate; an unthrottled
 * stream then runs at the pace lifecycles end (≈ cap × 4.13 / 77 s ≈ 2,700 events/s at the
 * default scale, proportionally more at a higher one).
 */
import type { OutgoingMessage } from '../bus/types.ts';
import { lifecycleJson, orderCreatedJson } from '../domain/event.ts';
import { LifecycleSimulator, type PlannedStep, type ShippingOf } from '../generator/lifecycle.ts';
import { MinHeap } from '../generator/min-heap.ts';
import { releasesStock, StockLedger } from '../generator/stock-ledger.ts';
import { LiveOrders } from '../generator/orders.ts';
import { sleep as sleepUnlessAborted } from './retry.ts';

/**
 * Orders in the middle of their lifecycle, at most (~0.7 KB each with their planned steps,
 * measured: ~35 MB when full). Reached at ~2,700 events/s with the default time scale.
 */
export const MAX_PENDING_ORDERS = 50_000;

/** An order whose lifecycle is not over: its planned steps and the next one to publish. */
interface PendingOrder {
  /** Wall-clock ms at which steps[next] is due. */
  dueMs: number;
  /** Creation order: ties of dueMs go in that order. */
  seq: number;
  /** Wall-clock ms of the order's creation. */
  createdMs: number;
  steps: PlannedStep[];
  next: number;
  /** The order's product (index) and the units it reserved. */
  product: number;
  units: number;
}

/** Pending orders by due time (then creation). */
export class DueHeap extends MinHeap<PendingOrder> {
  constructor() {
    super(before);
  }
}

function before(a: PendingOrder, b: PendingOrder): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

export interface LiveStreamSource {
  orders: LiveOrders;
  lifecycle: LifecycleSimulator;
  /**
   * The stock the stream's orders reserve and give back (domain/stock.ts), by product index:
   * it starts from what the seed's period left (stock.csv), see streamOrders.
   */
  stock: StockLedger;
  /** The supplier of a product (null: none known, its orders are never shipped). */
  shippingOf: (productId: string) => ShippingOf | null;
}

export interface LiveStreamOptions {
  batchSize: number;
  /** Shop seconds per wall second (≥ 1). */
  timeScale: number;
  /** The heap's cap (default MAX_PENDING_ORDERS). */
  maxPending?: number;
  signal?: AbortSignal;
  /** Observes each order created and each step published (tests, metrics). */
  onPending?: (pending: number) => void;
  /** The wall clock (tests give their own). */
  clock?: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> };
}

/**
 * Endless batches of the live stream, each built when it is asked for (its publication
 * time): first the steps that are due, oldest first, then new orders while the heap has room.
 * When nothing is due and the heap is full, it waits for the next step. Stops when `signal`
 * aborts; the steps still pending are not published (those orders stay where they are, as
 * the ones after a generated period's end).
 */
export async function* liveBatches(
  source: LiveStreamSource,
  options: LiveStreamOptions,
): AsyncGenerator<OutgoingMessage[]> {
  const heap = new DueHeap();
  const cap = Math.max(1, options.maxPending ?? MAX_PENDING_ORDERS);
  const { now, sleep } = options.clock ?? { now: Date.now, sleep: sleepUnlessAborted };
  let seq = 0;
  while (!options.signal?.aborted) {
    const at = now();
    const timestamp = new Date(at).toISOString();
    const batch: OutgoingMessage[] = [];
    while (batch.length < options.batchSize) {
      const due = heap.peek();
      if (due !== undefined && due.dueMs <= at) {
        const { step } = due.steps[due.next]!;
        batch.push({ key: step.order_id, value: lifecycleJson({ ...step, at: timestamp }) });
        // Its units come back when the cancellation or return is published, not planned.
        if (releasesStock(step.event_type)) source.stock.release(due.product, due.units);
        due.next++;
        if (due.next < due.steps.length) {
          due.dueMs = due.createdMs + due.steps[due.next]!.afterSaleMs / options.timeScale;
          heap.topLater();
        } else heap.pop();
        continue;
      }
      // Backpressure: a new order only while the heap has room for its lifecycle.
      if (heap.size >= cap) break;
      const order = source.orders.next(new Date(at));
      batch.push({ key: order.id, value: orderCreatedJson(order, timestamp) });
      const inStock = source.stock.reserve(order.product_index, order.quantity);
      // Planned from the creation's wall time: the first step is due after it, never with it.
      const steps = source.lifecycle.planned(
        order,
        at,
        source.shippingOf(order.product_id),
        inStock,
      );
      // Refused at checkout (out of stock): its cancellation goes out with its creation, in
      // the same batch, so that no stop between the two leaves PROD counting units it never held.
      if (!inStock) {
        for (const { step } of steps)
          batch.push({ key: step.order_id, value: lifecycleJson({ ...step, at: timestamp }) });
        continue;
      }
      if (steps.length > 0)
        heap.push({
          dueMs: at + steps[0]!.afterSaleMs / options.timeScale,
          seq: seq++,
          createdMs: at,
          steps,
          next: 0,
          product: order.product_index,
          units: order.quantity,
        });
    }
    options.onPending?.(heap.size);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    // Full and nothing due yet: wait for the earliest step (Ctrl-C ends the wait).
    await sleep(Math.max(1, heap.peek()!.dueMs - now()), options.signal);
  }
}
