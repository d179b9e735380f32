/**
 * generate's orders.csv and order_events.csv, formatted, hashed and written by a worker thread
 * (order-rows-worker.ts) while the main thread draws the orders and their lifecycles.
 *
 * Why a thread: drawing an order, its lifecycle and its stock is sequential (one random
 * stream, one stock ledger), but turning them into ~250 bytes of CSV and hashing those bytes
 * is not, and it was a third of generate's CPU (1M orders: row writing and ISO timestamps
 * ~0.75 s, SHA-256 ~0.22 s). The main thread sends each order as numbers (`PackedOrders`,
 * typed arrays transferred, not copied); the worker rebuilds the ids from them, as the
 * generator makes them (entityId), and writes the rows with the same functions as the rest
 * of the product (domain/csv.ts), so the files are byte for byte those of a single thread
 * (order-rows.test.ts compares them).
 *
 * Flow control: a fixed pool of batches goes back and forth; when every batch is in the
 * worker's hands, the main thread waits for one to come back. Memory stays bounded (POOL ×
 * ~0.5 MB) whatever the number of orders.
 */
import { Worker } from 'node:worker_threads';
import type { LifecycleEventType } from '../domain/lifecycle.ts';
import { CANCEL_REASONS, LIFECYCLE_EVENT_TYPES, RETURN_REASONS } from '../domain/lifecycle.ts';
import type { LifecyclePlan } from '../generator/lifecycle.ts';
import type { GeneratedOrder } from '../generator/orders.ts';
import { WORKER_HEAP_LIMITS } from './worker-heap.ts';

/** Orders per batch: big enough that a message costs nothing per order, small for the pool. */
export const BATCH_ORDERS = 8192;
/** Batches in flight; the first ones queue up while the worker loads its modules. */
const POOL = 8;
/** Steps of a plan at most (LifecyclePlan: paid, shipped, delivered, returned). */
export const MAX_STEPS = 4;

/** The reasons a step may carry, by code (−1: none). */
export const STEP_REASONS: readonly string[] = [...CANCEL_REASONS, ...RETURN_REASONS];
const TYPE_CODE = new Map<LifecycleEventType, number>(LIFECYCLE_EVENT_TYPES.map((t, i) => [t, i]));

/** A file the worker wrote: as the manifest lists it. */
export interface WrittenFile {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Orders and their plans as numbers, one slot per order: what a row needs that the worker
 * cannot derive. Ids are rebuilt from numbers (ORD-(seq), PRD-(product+1), CUS-(customer+1)),
 * the price from the product, the supplier and tracking id from the product and the order.
 */
export class PackedOrders {
  count = 0;
  readonly seq: Int32Array;
  readonly product: Int32Array;
  readonly customer: Int32Array;
  readonly quantity: Int32Array;
  readonly soldMs: Float64Array;
  readonly steps: Uint8Array;
  readonly reason: Int8Array;
  /** MAX_STEPS slots per order: the type code and time of each step. */
  readonly stepType: Uint8Array;
  readonly stepAt: Float64Array;

  constructor(buffers?: readonly ArrayBuffer[], count = 0) {
    const n = BATCH_ORDERS;
    const b = buffers ?? [];
    this.seq = new Int32Array(b[0] ?? new ArrayBuffer(n * 4));
    this.product = new Int32Array(b[1] ?? new ArrayBuffer(n * 4));
    this.customer = new Int32Array(b[2] ?? new ArrayBuffer(n * 4));
    this.quantity = new Int32Array(b[3] ?? new ArrayBuffer(n * 4));
    this.soldMs = new Float64Array(b[4] ?? new ArrayBuffer(n * 8));
    this.steps = new Uint8Array(b[5] ?? new ArrayBuffer(n));
    this.reason = new Int8Array(b[6] ?? new ArrayBuffer(n));
    this.stepType = new Uint8Array(b[7] ?? new ArrayBuffer(n * MAX_STEPS));
    this.stepAt = new Float64Array(b[8] ?? new ArrayBuffer(n * MAX_STEPS * 8));
    this.count = count;
  }

  /** The buffers, in the constructor's order (to transfer, then rebuild on the other side). */
  buffers(): ArrayBuffer[] {
    return [
      this.seq,
      this.product,
      this.customer,
      this.quantity,
      this.soldMs,
      this.steps,
      this.reason,
      this.stepType,
      this.stepAt,
    ].map((a) => a.buffer as ArrayBuffer);
  }

  get full(): boolean {
    return this.count === BATCH_ORDERS;
  }

  /** Adds order number `seq` (its id is ORD-(seq)) and its plan. */
  add(seq: number, order: GeneratedOrder, plan: Readonly<LifecyclePlan>): void {
    const i = this.count++;
    this.seq[i] = seq;
    this.product[i] = order.product_index;
    this.customer[i] = order.customer_index;
    this.quantity[i] = order.quantity;
    this.soldMs[i] = order.sold_ms;
    this.steps[i] = plan.length;
    this.reason[i] = plan.reason === '' ? -1 : STEP_REASONS.indexOf(plan.reason);
    for (let s = 0; s < plan.length; s++) {
      this.stepType[i * MAX_STEPS + s] = TYPE_CODE.get(plan.types[s]!)!;
      this.stepAt[i * MAX_STEPS + s] = plan.at[s]!;
    }
  }
}

/** What the worker needs to rebuild a row from its numbers. */
export interface OrderRowsSetup {
  ordersPath: string;
  eventsPath: string;
  ordersHeader: readonly string[];
  eventsHeader: readonly string[];
  /** Catalogue price of each product, in cents, by index. */
  prices: readonly number[];
  /** Supplier id of each product, by index ('' when it has none). */
  supplierIds: readonly string[];
  customers: number;
}

export type OrderRowsMessage =
  { type: 'batch'; buffers: ArrayBuffer[]; count: number } | { type: 'close' };

export type OrderRowsReply =
  | { type: 'free'; buffers: ArrayBuffer[] }
  | { type: 'closed'; orders: WrittenFile; events: WrittenFile }
  | { type: 'error'; message: string };

/** The main thread's side: hands batches to the worker and gets them back. */
export class OrderRowsWriter {
  private readonly worker: Worker;
  private readonly free: PackedOrders[] = [];
  private current: PackedOrders;
  private failure: Error | null = null;
  private waiting: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private closing: {
    resolve: (files: { orders: WrittenFile; events: WrittenFile }) => void;
    reject: (error: Error) => void;
  } | null = null;
  /** Closed or aborted: the worker's exit is expected. */
  private done = false;

  constructor(setup: OrderRowsSetup) {
    for (let i = 1; i < POOL; i++) this.free.push(new PackedOrders());
    this.current = new PackedOrders();
    this.worker = new Worker(new URL('./order-rows-worker-entry.js', import.meta.url), {
      workerData: setup,
      name: 'dropship-order-rows', // the thread's name in top -H
      resourceLimits: WORKER_HEAP_LIMITS,
    });
    this.worker.on('message', (reply: OrderRowsReply) => {
      if (reply.type === 'free') {
        this.free.push(new PackedOrders(reply.buffers));
        this.wake();
      } else if (reply.type === 'closed') {
        this.closing?.resolve({ orders: reply.orders, events: reply.events });
      } else this.fail(new Error(reply.message));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.done)
        this.fail(new Error(`the order rows' writer thread stopped (exit code ${code})`));
    });
  }

  /** Adds order number `seq` and its plan; resolves at once unless every batch is in use. */
  add(seq: number, order: GeneratedOrder, plan: Readonly<LifecyclePlan>): Promise<void> | void {
    this.current.add(seq, order, plan);
    if (this.current.full) return this.send();
  }

  /** Sends the last batch, waits for both files to be written, and returns them. */
  async close(): Promise<{ orders: WrittenFile; events: WrittenFile }> {
    if (this.current.count > 0) await this.send();
    this.check();
    const files = await new Promise<{ orders: WrittenFile; events: WrittenFile }>(
      (resolve, reject) => {
        this.closing = { resolve, reject };
        this.post({ type: 'close' });
      },
    );
    this.done = true;
    await this.worker.terminate();
    return files;
  }

  /** Stops the worker where it is (its files are the caller's to remove). */
  async abort(): Promise<void> {
    this.done = true;
    await this.worker.terminate();
  }

  private async send(): Promise<void> {
    const batch = this.current;
    const buffers = batch.buffers();
    this.post({ type: 'batch', buffers, count: batch.count }, buffers);
    while (this.free.length === 0) {
      this.check();
      await new Promise<void>((resolve, reject) => (this.waiting = { resolve, reject }));
    }
    this.check();
    this.current = this.free.pop()!;
    this.current.count = 0;
  }

  private post(message: OrderRowsMessage, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.resolve();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failure);
    this.closing?.reject(this.failure);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
