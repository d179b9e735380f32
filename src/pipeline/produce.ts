/**
 * Produce stage: one `order_created` event per order, key = order id, published in small
 * batches at a steady rate (`rate` events/s; 0 = as fast as the bus acknowledges, which is
 * the backpressure). Replay reads orders.csv; stream invents new orders until stopped.
 */
import type { BusProducer, OutgoingMessage } from '../bus/types.ts';
import type { Order } from '../domain/entities.ts';
import { orderCreatedEvent } from '../domain/event.ts';
import { LiveOrders } from '../generator/orders.ts';
import { readOrders, readProducts, type BadRow } from './seed-files.ts';
import { sleep } from './retry.ts';

export interface ProduceOptions {
  producer: BusProducer;
  /** Events per second; 0 = unthrottled. */
  rate: number;
  /** Stop after this many events (stream mode; replay stops at the end of the file anyway). */
  count?: number;
  signal?: AbortSignal;
  onProgress?: (published: number) => void;
  onBadRow?: (bad: BadRow) => void;
}

export interface ProduceResult {
  published: number;
  badRows: number;
  durationMs: number;
  interrupted: boolean;
}

export function orderMessage(order: Order, now: Date = new Date()): OutgoingMessage {
  return { key: order.id, value: JSON.stringify(orderCreatedEvent(order, now)) };
}

/**
 * Paces batches so that after n events, n/rate seconds have passed. Small batches at low
 * rates (a person watching sees a smooth flow), large ones when unthrottled.
 */
function batchSizeFor(rate: number): number {
  if (rate === 0) return 1000;
  return Math.max(1, Math.min(1000, Math.floor(rate / 20)));
}

async function publish(
  orders: AsyncIterable<Order> | Iterable<Order>,
  options: ProduceOptions,
  badRows: () => number,
): Promise<ProduceResult> {
  const started = performance.now();
  const batchSize = batchSizeFor(options.rate);
  let batch: OutgoingMessage[] = [];
  let batchTime: Date | null = null;
  let published = 0;
  let interrupted = false;
  // Up to 2 sends in flight: the bus batches while we build the next one.
  const inFlight: Promise<void>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = options.producer.send(batch);
    // Awaited below; until then a failure must not be an unhandled rejection (it would kill the process).
    sending.catch(() => undefined);
    published += batch.length;
    batch = [];
    batchTime = null;
    inFlight.push(sending);
    if (inFlight.length >= 2) await inFlight.shift();
    options.onProgress?.(published);
    if (options.rate > 0) {
      const due = started + (published / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, options.signal);
    }
  };
  for await (const order of orders) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    // One timestamp per batch: the events of a batch are published together.
    batchTime ??= new Date();
    batch.push(orderMessage(order, batchTime));
    if (batch.length >= batchSize) await flush();
    if (options.count !== undefined && published + batch.length >= options.count) break;
  }
  await flush();
  await Promise.all(inFlight);
  options.onProgress?.(published);
  return { published, badRows: badRows(), durationMs: performance.now() - started, interrupted };
}

export async function replayOrders(
  file: { dir: string; path?: string },
  options: ProduceOptions,
): Promise<ProduceResult> {
  let bad = 0;
  async function* good(): AsyncGenerator<Order> {
    for await (const r of readOrders(file.dir, file.path)) {
      if (r.ok) yield r.row;
      else {
        bad++;
        options.onBadRow?.(r);
      }
    }
  }
  return publish(good(), options, () => bad);
}

/** Endless new orders drawn with the catalogue's popularity (stream mode). */
export async function streamOrders(
  seedDir: string,
  customers: number,
  options: ProduceOptions,
): Promise<ProduceResult> {
  const prices: number[] = [];
  for await (const p of readProducts(seedDir, (bad) => options.onBadRow?.(bad)))
    prices.push(p.price_cents);
  const live = new LiveOrders({ customers, productPrices: prices, seed: Date.now() & 0x7fffffff });
  function* forever(): Generator<Order> {
    for (;;) yield live.next();
  }
  return publish(forever(), options, () => 0);
}
