/**
 * Produce stage: the events of orders, key = order id, published in batches at a steady rate
 * (`rate` events/s; 0 = as fast as the bus acknowledges, which is the backpressure). Replay
 * reads orders.csv, then order_events.csv; stream invents new orders and plays out their
 * lifecycles until stopped (live-stream.ts).
 *
 * An unthrottled replay reads and encodes in a worker thread (replay-worker.ts) while this
 * thread publishes: on two cores, parsing CSV and building JSON no longer compete with the bus
 * client (and, in `run`, with the ingest); this thread only reads the first rows, while the
 * worker loads. A throttled one encodes each batch just before it is sent, so the event
 * timestamp is the publication time.
 */
import { Worker } from 'node:worker_threads';
import type { BusProducer, OutgoingMessage } from '../bus/types.ts';
import { csvField } from '../domain/csv.ts';
import { ID_PATTERN, type Order } from '../domain/entities.ts';
import { lifecycleJson, orderCreatedJson, REJECTED_AT_SOURCE } from '../domain/event.ts';
import type { LifecycleStep } from '../domain/lifecycle.ts';
import { PipelineError, type ErrorCode } from '../errors.ts';
import { LifecycleSimulator, type ShippingOf } from '../generator/lifecycle.ts';
import { LiveOrders } from '../generator/orders.ts';
import { StockLedger } from '../generator/stock-ledger.ts';
import { liveBatches, type LiveStreamSource } from './live-stream.ts';
import { unpackValues } from './packed-values.ts';
import type {
  ReplayControl,
  ReplayRejection,
  ReplayValues,
  ReplayWorkerMessage,
} from './replay-worker.ts';
import {
  isBadEvent,
  readOrders,
  readFinalStock,
  readProducts,
  replayedLifecycleChunks,
  type BadRow,
} from './seed-files.ts';
import { sleep } from './retry.ts';
import { WORKER_HEAP_LIMITS } from './worker-heap.ts';

export interface ProduceOptions {
  producer: BusProducer;
  /** Events per second; 0 = unthrottled. */
  rate: number;
  /**
   * Stop after this many events (stream mode; replay stops at the end of the file anyway), or
   * a few more when the last one's order has more events in its batch (never split).
   */
  count?: number;
  /** Stream: orders in the middle of their lifecycle at most (default MAX_PENDING_ORDERS). */
  maxPending?: number;
  /** Replay: leave out the first `skip` events (already published and stored: a resumed run). */
  skip?: number;
  signal?: AbortSignal;
  onProgress?: (published: number) => void;
  onBadRow?: (bad: BadRow) => void;
}

export interface ProduceResult {
  /** Records published: the events, and the bad rows' dead letters (`badRows` of them). */
  published: number;
  badRows: number;
  durationMs: number;
  interrupted: boolean;
}

/** The message of an order, its event created at `timestamp` (ISO 8601, UTC). */
export function orderMessage(
  order: Order,
  timestamp: string = new Date().toISOString(),
): OutgoingMessage & { value: string } {
  return { key: order.id, value: orderCreatedJson(order, timestamp) };
}

/**
 * The input stopped a publication (a CSV error in a replay) after `published` events had been
 * acknowledged by the bus; the cause's code, message and hint are kept. `lastKey` is the key
 * (order id) of the last acknowledged event, so the CLI can say up to which row the file is
 * on the bus.
 */
export class PublishStoppedError extends PipelineError {
  constructor(
    readonly stoppedBy: unknown,
    readonly published: number,
    readonly lastKey: string | null,
  ) {
    const typed = stoppedBy instanceof PipelineError ? stoppedBy : null;
    super(typed?.code ?? 'IO', (stoppedBy as Error)?.message ?? String(stoppedBy), {
      ...(typed?.hint ? { hint: typed.hint } : {}),
      transient: typed?.transient ?? false,
      cause: stoppedBy,
    });
  }
}

/** The longest row text a dead letter carries (what orders_quarantine keeps of a value). */
const MAX_REJECTED_ROW_CHARS = 10_000;

/**
 * The record of a CSV row the reader refused: published like an event so the ingest stores it
 * as a dead letter (see REJECTED_AT_SOURCE), its value the row as read, its key the order id
 * when there is a readable one (else file and line, which partition it just as well).
 */
export function rejectedRowMessage(bad: BadRow): OutgoingMessage & { value: string } {
  const id = bad.record[0] ?? '';
  return {
    key: ID_PATTERN.order.test(id) ? id : `${bad.file}:${bad.line}`,
    value: bad.record.map(csvField).join(',').slice(0, MAX_REJECTED_ROW_CHARS),
    headers: {
      [REJECTED_AT_SOURCE.reason]: bad.reason,
      [REJECTED_AT_SOURCE.detail]: `${bad.file} line ${bad.line}: ${bad.problem}`,
    },
  };
}

function isBadRow(item: Order | BadRow): item is BadRow {
  return 'problem' in item;
}

/** Small batches at low rates (a person watching sees a smooth flow), large ones unthrottled. */
export function batchSizeFor(rate: number): number {
  if (rate === 0) return 1000;
  return Math.max(1, Math.min(1000, Math.floor(rate / 20)));
}

/** An error of the input's iterator (reading the CSV), told apart from the bus's own. */
class InputFailure {
  constructor(readonly error: unknown) {}
}

async function* failuresOfInput<T>(input: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* input;
  } catch (error) {
    throw new InputFailure(error);
  }
}

/**
 * Publishes batches, paced so that after n events n/rate seconds have passed. Up to 2 sends
 * are in flight: the bus client works on one while the next is prepared.
 */
async function publishBatches(
  batches: AsyncIterable<OutgoingMessage[]>,
  options: ProduceOptions,
): Promise<Omit<ProduceResult, 'badRows'>> {
  const started = performance.now();
  let published = 0;
  let interrupted = false;
  const inFlight: Promise<void>[] = [];
  let toSkip = options.skip ?? 0;
  // Acknowledged by the bus, in send order (batches go out in file order).
  let acknowledged = 0;
  let lastKey: string | null = null;
  try {
    for await (const encoded of failuresOfInput(batches)) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      let batch = encoded;
      if (toSkip > 0) {
        const n = Math.min(toSkip, batch.length);
        toSkip -= n;
        batch = batch.slice(n);
        if (batch.length === 0) continue;
      }
      let room =
        options.count === undefined
          ? batch.length
          : Math.min(batch.length, options.count - published);
      // --count never splits what goes out together for one order (the stream's creation of an
      // order refused for want of stock and its cancellation, adjacent): without the
      // cancellation, PROD would count units the order never held.
      while (room > 0 && room < batch.length && batch[room]!.key === batch[room - 1]!.key) room++;
      const sent = room === batch.length ? batch : batch.slice(0, room);
      const sending = options.producer.send(sent).then(() => {
        acknowledged += sent.length;
        lastKey = sent.at(-1)?.key ?? lastKey;
      });
      // Awaited below; until then a failure must not be an unhandled rejection (it would kill the process).
      sending.catch(() => undefined);
      published += room;
      inFlight.push(sending);
      if (inFlight.length >= 2) await inFlight.shift();
      options.onProgress?.(published);
      if (options.count !== undefined && published >= options.count) break;
      if (options.rate > 0) {
        const wait = started + (published / options.rate) * 1000 - performance.now();
        if (wait > 0) await sleep(wait, options.signal);
      }
    }
  } catch (error) {
    // A bus failure (a send, the pacing) goes up as it is.
    if (!(error instanceof InputFailure)) throw error;
    // The input failed (a CSV error): what was already sent is waited for, so the error can
    // say exactly how much of the input is on the bus.
    await Promise.allSettled(inFlight);
    throw new PublishStoppedError(error.error, acknowledged, lastKey);
  }
  await Promise.all(inFlight);
  options.onProgress?.(published);
  return {
    published,
    durationMs: performance.now() - started,
    interrupted: interrupted || Boolean(options.signal?.aborted),
  };
}

/**
 * Groups orders (and bad rows, as dead letters) into batches, encoding each batch when it is
 * asked for (its publication time).
 */
async function* encodeWhenNeeded(
  orders: AsyncIterable<Order | BadRow> | Iterable<Order>,
  batchSize: number,
): AsyncGenerator<OutgoingMessage[]> {
  let pending: (Order | BadRow)[] = [];
  const encode = () => {
    const now = new Date().toISOString();
    const batch = pending.map((o) => (isBadRow(o) ? rejectedRowMessage(o) : orderMessage(o, now)));
    pending = [];
    return batch;
  };
  for await (const order of orders) {
    pending.push(order);
    if (pending.length >= batchSize) yield encode();
  }
  if (pending.length > 0) yield encode();
}

export async function replayOrders(
  file: { dir: string; path?: string },
  options: ProduceOptions,
): Promise<ProduceResult> {
  // Bad rows are published as dead letters (rejectedRowMessage), in file order with the rest.
  let bad = 0;
  const onBad = (row: BadRow) => {
    bad++;
    options.onBadRow?.({ ...row, deadLettered: true });
  };
  // The lifecycle steps of a seed folder (order_events.csv) follow its creations: every
  // order_created is on the bus before any step, and one key's records stay in order on its
  // partition. A replay of another file (--file) has no lifecycle.
  const lifecycle = file.path === undefined ? file.dir : null;
  if (options.rate === 0) {
    const result = await publishBatches(
      thenLifecycle(
        encodedInWorker(
          file,
          batchSizeFor(0),
          options.producer.prefersBytes,
          onBad,
          options.signal,
        ),
        lifecycle,
        batchSizeFor(0),
        onBad,
      ),
      options,
    );
    return { ...result, badRows: bad };
  }
  async function* rows(): AsyncGenerator<Order | BadRow> {
    for await (const r of readOrders(file.dir, file.path)) {
      if (r.ok) yield r.row;
      else {
        onBad(r);
        yield r;
      }
    }
  }
  const result = await publishBatches(
    thenLifecycle(
      encodeWhenNeeded(rows(), batchSizeFor(options.rate)),
      lifecycle,
      batchSizeFor(options.rate),
      onBad,
    ),
    options,
  );
  return { ...result, badRows: bad };
}

/** The message of a lifecycle step: key = its order's id, as for the order's creation. */
export function lifecycleMessage(step: LifecycleStep): OutgoingMessage & { value: string } {
  return { key: step.order_id, value: lifecycleJson(step) };
}

/**
 * `creations`, then the batches of `<dir>/order_events.csv` (none when dir is null or the
 * seed has no such file), with the records of `<dir>/bad_events.jsonl` among them
 * (replayedLifecycleChunks: the order `run` counts when it resumes). A step's
 * event carries its own time (the step's), not the publication's: the task orders an order's
 * steps by it. Bad rows become dead letters, as in orders.csv.
 */
async function* thenLifecycle(
  creations: AsyncIterable<OutgoingMessage[]>,
  dir: string | null,
  batchSize: number,
  onBad: (row: BadRow) => void,
): AsyncGenerator<OutgoingMessage[]> {
  yield* creations;
  if (dir === null) return;
  let batch: OutgoingMessage[] = [];
  for await (const records of replayedLifecycleChunks(dir)) {
    for (const r of records) {
      if (isBadEvent(r)) batch.push({ key: r.key, value: r.value });
      else if (r.ok) batch.push(lifecycleMessage(r.row));
      else {
        onBad(r);
        batch.push(rejectedRowMessage(r));
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Endless new orders drawn with the catalogue's popularity, and their lifecycles played out
 * in shop time `timeScale` times faster than wall time (stream mode; live-stream.ts). `rate`
 * and `count` count every event, creations and steps alike.
 *
 * Stock (domain/stock.ts): the stream's orders reserve and give back units as the seed's did,
 * starting from what the seed's period left (stock.csv's final_stock; inventory.csv's
 * stock_quantity for a seed without stock.csv), so that they never oversell either.
 */
export async function streamOrders(
  seedDir: string,
  customers: number,
  options: ProduceOptions & { timeScale: number },
): Promise<ProduceResult> {
  const prices: number[] = [];
  const shipping = new Map<string, ShippingOf>();
  const left = await readFinalStock(seedDir);
  const stock: number[] = [];
  for await (const p of readProducts(seedDir, (bad) => options.onBadRow?.(bad))) {
    prices.push(p.price_cents);
    stock.push(left?.get(p.id) ?? p.stock_quantity);
    const supplier = p.supply?.supplier;
    if (supplier)
      shipping.set(p.id, { supplierId: supplier.id, shippingDays: supplier.shipping_days });
  }
  const seed = Date.now() & 0x7fffffff;
  const source: LiveStreamSource = {
    orders: new LiveOrders({ customers, productPrices: prices, seed }),
    // No end of period: every lifecycle is played to its end.
    lifecycle: new LifecycleSimulator(seed, Number.POSITIVE_INFINITY),
    stock: new StockLedger(stock),
    shippingOf: (id) => shipping.get(id) ?? null,
  };
  const result = await publishBatches(
    liveBatches(source, {
      batchSize: batchSizeFor(options.rate),
      timeScale: options.timeScale,
      ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
    options,
  );
  return { ...result, badRows: 0 };
}

/** A worker's batch as messages; packed values become views of the one buffer. */
function messagesOf(
  keys: string[],
  values: ReplayValues,
  rejections: ReplayRejection[],
): OutgoingMessage[] {
  const unpacked = Array.isArray(values) ? values : unpackValues(values);
  const messages: OutgoingMessage[] = keys.map((key, i) => ({ key, value: unpacked[i]! }));
  for (const { at, headers } of rejections) messages[at]!.headers = headers;
  return messages;
}

/** How many encoded batches the worker may prepare ahead of the publisher (bounded memory). */
const WORKER_AHEAD = 4;

/**
 * Batches this thread still encodes after telling the worker where to start: the worker takes
 * ~0.2 s to skip the rows before and warm up, as long as this thread needs for ~8 batches.
 */
const HANDOVER_BATCHES = 8;

/**
 * Batches of an unthrottled replay, read and encoded by a worker thread with credit-based
 * flow control: the worker sends a batch only when it holds a credit, and gets one back per
 * batch taken here.
 *
 * The worker needs ~0.5 s to load its modules through tsx (Papa Parse, the domain code…)
 * before its first row: an eighth of a 200k-order replay, with the producer idle. So this
 * thread reads and encodes the first rows itself; once the worker is ready it is told from
 * which row to start (a few batches ahead, see HANDOVER_BATCHES) and skips the rows before.
 * A file read completely before then never waits for the worker.
 */
async function* encodedInWorker(
  file: { dir: string; path?: string },
  batchSize: number,
  bytes: boolean,
  onBadRow: (bad: BadRow) => void,
  signal?: AbortSignal,
): AsyncGenerator<OutgoingMessage[]> {
  const worker = new Worker(new URL('./replay-worker-entry.js', import.meta.url), {
    workerData: { dir: file.dir, path: file.path, batchSize, ahead: WORKER_AHEAD, bytes },
    name: 'dropship-replay', // the thread's name in top -H and in the bench's CPU per thread
    resourceLimits: WORKER_HEAP_LIMITS,
  });
  const queue: ReplayWorkerMessage[] = [];
  let ready = false;
  let wake: (() => void) | null = null;
  let exited = false;
  const push = (m: ReplayWorkerMessage) => {
    if (m.type === 'ready') ready = true;
    else queue.push(m);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (error) =>
    push({
      type: 'error',
      code: 'IO',
      message: `replay worker failed: ${error.message}`,
      hint: null,
    }),
  );
  worker.on('exit', () => {
    exited = true;
    wake?.();
  });
  const onAbort = () => worker.postMessage({ type: 'stop' } satisfies ReplayControl);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Head start: rows counted whether good or bad, as the worker counts them when skipping.
    let taken = 0;
    let skip: number | null = null;
    let handOver = false;
    let pending: OutgoingMessage[] = [];
    let now = new Date().toISOString();
    for await (const r of readOrders(file.dir, file.path)) {
      taken++;
      if (r.ok) pending.push(orderMessage(r.row, now));
      else {
        onBadRow(r);
        pending.push(rejectedRowMessage(r));
      }
      if (taken === skip) {
        handOver = true;
        break;
      }
      if (pending.length < batchSize) continue;
      yield pending;
      pending = [];
      now = new Date().toISOString();
      // Before `start` the worker only ever says it is ready or that it failed (reported below).
      if (skip === null && (ready || queue.length > 0)) {
        skip = taken + HANDOVER_BATCHES * batchSize;
        worker.postMessage({ type: 'start', skip } satisfies ReplayControl);
      }
    }
    if (pending.length > 0) yield pending;
    if (!handOver) return;
    for (;;) {
      while (queue.length === 0 && !exited) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const message = queue.shift();
      if (!message) return; // the worker exited after its last message
      if (message.type === 'batch') {
        for (const bad of message.badRows) onBadRow(bad);
        worker.postMessage({ type: 'credit' } satisfies ReplayControl);
        if (message.keys.length > 0)
          yield messagesOf(message.keys, message.values, message.rejections);
      } else if (message.type === 'done') {
        return;
      } else if (message.type === 'error') {
        throw new PipelineError(
          message.code as ErrorCode,
          message.message,
          message.hint ? { hint: message.hint } : {},
        );
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
