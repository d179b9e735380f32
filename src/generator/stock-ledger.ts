/**
 * The generator's stock (the rule: domain/stock.ts): units left per product, by product index.
 * An order reserves its quantity at its creation, or finds too little stock and is cancelled
 * as out of stock; its cancellation or return gives the units back when it happens.
 *
 * generate works in shop time, orders in time order: a release is due at its step's time and
 * waits in a min-heap until an order created at or after that time is seen (advance). Only
 * the releases of orders under way wait there (cancellations up to 3 days after the sale,
 * returns up to ~47 days): a few weeks of orders' worth, never the whole period. The live
 * stream gives units back when it publishes the step instead (release).
 */
import { LIFECYCLE_EVENT_TYPES, STATUS_OF, type LifecycleEventType } from '../domain/lifecycle.ts';
import { RELEASED_STATUSES } from '../domain/stock.ts';
import type { LifecyclePlan } from './lifecycle.ts';
import { MinHeap } from './min-heap.ts';

/** The steps that give an order's units back: those whose status holds no stock. */
const RELEASING: ReadonlySet<string> = new Set(
  LIFECYCLE_EVENT_TYPES.filter((t) =>
    (RELEASED_STATUSES as readonly string[]).includes(STATUS_OF[t]),
  ),
);

/** Whether a step gives its order's units back (a cancellation or a return). */
export function releasesStock(type: LifecycleEventType): boolean {
  return RELEASING.has(type);
}

interface Release {
  atMs: number;
  /** Order of scheduling: ties of atMs go in that order. */
  seq: number;
  product: number;
  units: number;
}

export class StockLedger {
  /** Units left per product index. */
  readonly left: Int32Array;
  private readonly releases = new MinHeap<Release>(
    (a, b) => a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq),
  );
  private seq = 0;
  /** Orders that found too little stock. */
  outOfStockOrders = 0;

  constructor(initial: ArrayLike<number>) {
    this.left = Int32Array.from(initial);
  }

  /** Gives back every release due at or before `atMs`. */
  advance(atMs: number): void {
    for (
      let r = this.releases.peek();
      r !== undefined && r.atMs <= atMs;
      r = this.releases.peek()
    ) {
      this.left[r.product]! += r.units;
      this.releases.pop();
    }
  }

  /**
   * The creation of an order of `units` of `product`: reserves them and returns true, or
   * returns false (the order is out of stock, nothing reserved).
   */
  reserve(product: number, units: number): boolean {
    if (this.left[product]! >= units) {
      this.left[product]! -= units;
      return true;
    }
    this.outOfStockOrders++;
    return false;
  }

  /** Gives `units` of `product` back now (the live stream, when it publishes the step). */
  release(product: number, units: number): void {
    this.left[product]! += units;
  }

  /**
   * After a reserving order is planned, with its last step (undefined: none): its units come
   * back at that step's time if it is a cancellation or a return (a step after the period is
   * not planned, so neither is its release).
   */
  settle(product: number, units: number, last: LifecycleEventType | undefined, atMs: number): void {
    // Due at the second the step is written at (writeStepRow), so that a reader of the files
    // replaying them in time order sees the same stock as here.
    if (last !== undefined && releasesStock(last))
      this.releases.push({ atMs: atMs - (atMs % 1000), seq: this.seq++, product, units });
  }

  /** settle() with a plan's last step. */
  settlePlan(product: number, units: number, plan: Readonly<LifecyclePlan>): void {
    const last = plan.length - 1;
    if (last >= 0) this.settle(product, units, plan.types[last], plan.at[last]!);
  }

  /** Releases waiting (memory: bounded by the orders under way). */
  get pendingReleases(): number {
    return this.releases.size;
  }
}
