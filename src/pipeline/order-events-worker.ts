/**
 * order_events.csv, written beside orders.csv by a second thread.
 *
 * The lifecycle of an order depends only on the order (its id, product, quantity, price, sale
 * time) and on the lifecycle's own random stream, and the order stream is deterministic. So
 * this thread draws the same orders again (generateOrders with the same seed and shape) and
 * writes their lifecycle steps, while the main thread writes customers, inventory and orders:
 * on 2 cores the two files are written side by side instead of one after the other. Drawing
 * the orders twice costs less than handing a million orders between threads (a structured
 * clone per order).
 *
 * Small data sets are written in generate's order loop: the worker needs ~0.5 s to load its
 * modules through tsx, more than 100k orders' lifecycles take.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { CsvColumns } from '../domain/tables.ts';
import { PipelineError, type ErrorCode } from '../errors.ts';
import {
  LifecycleSimulator,
  type LifecycleCounts,
  type ShippingOf,
} from '../generator/lifecycle.ts';
import { generateOrders } from '../generator/orders.ts';
import { CsvFileWriter } from './csv-file-writer.ts';

/** What the lifecycle needs of a data set: the same inputs as the main thread's order loop. */
export interface OrderEventsJob {
  path: string;
  orders: number;
  customers: number;
  seed: number;
  startMs: number;
  /** End of the period, exclusive. */
  endMs: number;
  productIds: string[];
  productPrices: number[];
  shippingOf: (ShippingOf | null)[];
}

export interface OrderEventsResult {
  file: { rows: number; bytes: number; sha256: string };
  counts: LifecycleCounts;
  /** The file under its temporary name, renamed by the caller with the others. */
  tmpPath: string;
}

/** Below this many orders the events are written in generate's own loop (see the module comment). */
export const ORDER_EVENTS_WORKER_MIN_ORDERS = 200_000;

/** Writes order_events.csv (under its temporary name) for the job's orders. */
async function writeOrderEvents(job: OrderEventsJob): Promise<OrderEventsResult> {
  const file = new CsvFileWriter(job.path, CsvColumns.orderEvents);
  try {
    const productIndex = new Map(job.productIds.map((id, i) => [id, i]));
    const lifecycle = new LifecycleSimulator(job.seed, job.endMs);
    const orders = generateOrders(
      job.orders,
      { customers: job.customers, productPrices: job.productPrices, seed: job.seed },
      { start: new Date(job.startMs), end: new Date(job.endMs) },
    );
    for (const order of orders) {
      const product = productIndex.get(order.product_id)!;
      const steps = lifecycle.stepsCsv(order, Date.parse(order.sold_at), job.shippingOf[product]!);
      if (steps.length > 0) {
        const written = file.writeRows(steps, lifecycle.lastRows);
        if (written) await written;
      }
    }
    return { file: await file.close(), counts: lifecycle.counts, tmpPath: file.tmpPath };
  } catch (error) {
    file.abort();
    throw error;
  }
}

type WorkerReply =
  { type: 'done'; result: OrderEventsResult } | { type: 'error'; code: string; message: string };

/**
 * Runs `writeOrderEvents` in a worker thread; `stop()` ends it (the caller removes the
 * temporary file). The promise rejects with the worker's error, or INTERRUPTED after stop().
 */
export function writeOrderEventsInWorker(job: OrderEventsJob): {
  done: Promise<OrderEventsResult>;
  stop: () => Promise<void>;
} {
  const worker = new Worker(new URL('./order-events-worker-entry.js', import.meta.url), {
    workerData: job,
    name: 'dropship-order-events',
  });
  let stopped = false;
  const done = new Promise<OrderEventsResult>((resolve, reject) => {
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'done') resolve(m.result);
      else reject(new PipelineError(m.code as ErrorCode, m.message));
    });
    worker.on('error', (error) =>
      reject(new PipelineError('IO', `order events worker failed: ${error.message}`)),
    );
    worker.on('exit', (code) =>
      reject(
        stopped
          ? new PipelineError('INTERRUPTED', 'generation interrupted')
          : new PipelineError('IO', `order events worker exited (code ${code})`),
      ),
    );
  });
  // A rejection nobody awaits yet (the main thread is still writing orders) is not unhandled.
  done.catch(() => undefined);
  return {
    done,
    stop: async () => {
      stopped = true;
      await worker.terminate();
    },
  };
}

if (parentPort && (workerData as OrderEventsJob | undefined)?.path) {
  const port = parentPort;
  writeOrderEvents(workerData as OrderEventsJob).then(
    (result) => port.postMessage({ type: 'done', result } satisfies WorkerReply),
    (error: unknown) => {
      const e =
        error instanceof PipelineError ? error : new PipelineError('IO', (error as Error).message);
      port.postMessage({ type: 'error', code: e.code, message: e.message } satisfies WorkerReply);
    },
  );
}
