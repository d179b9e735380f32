/**
 * Worker thread of generate (order-rows.ts says why): turns packed orders and plans into the
 * rows of orders.csv and order_events.csv, hashes them and writes them, then hands each batch
 * back. Writes are synchronous here: this thread has nothing else to do meanwhile, and the
 * main thread never waits on them unless the whole pool is in use.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { AsciiSink } from '../domain/ascii-sink.ts';
import { writeOrderRowAt } from '../domain/csv.ts';
import { entityId } from '../domain/entities.ts';
import { LIFECYCLE_EVENT_TYPES } from '../domain/lifecycle.ts';
import { emptyPlan, trackingIdOf, writePlanRows } from '../generator/lifecycle.ts';
import { IdCache } from '../generator/orders.ts';
import {
  MAX_STEPS,
  PackedOrders,
  STEP_REASONS,
  type OrderRowsMessage,
  type OrderRowsReply,
  type OrderRowsSetup,
  type WrittenFile,
} from './order-rows.ts';

const CHUNK_BYTES = 1 << 20;
/** Room asked for before an order's rows: its orders.csv row, or its ≤ 4 step rows (~110 bytes each). */
const ROW_ROOM = 2048;
/** Ids cached per kind (~5 MB each at most). */
const ID_CACHE_MAX = 100_000;

/** A file written in 1 MiB chunks, hashed and counted as it goes. */
class ChunkedFile {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  readonly sink = new AsciiSink(new Uint8Array(CHUNK_BYTES));
  rows = 0;
  bytes = 0;

  constructor(path: string, header: readonly string[]) {
    this.fd = openSync(path, 'w');
    this.sink.text(header.join(','));
    this.sink.byte(10);
  }

  /** Flushes the chunk first unless `bytes` more fit in it. */
  room(bytes: number): void {
    if (this.sink.pos + bytes > CHUNK_BYTES) this.flush();
  }

  private flush(): void {
    // A typed array drops writes past its end without a word: a row longer than its room
    // would be cut short in the file, so say so instead (the check CsvFileWriter had).
    if (this.sink.pos > CHUNK_BYTES) throw new Error('a row overran its room in the chunk');
    const chunk = this.sink.bytes.subarray(0, this.sink.pos);
    this.hash.update(chunk);
    for (let at = 0; at < chunk.length;) at += writeSync(this.fd, chunk, at, chunk.length - at);
    this.bytes += chunk.length;
    this.sink.pos = 0;
  }

  close(): WrittenFile {
    this.flush();
    closeSync(this.fd);
    return { rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

function start(port: NonNullable<typeof parentPort>, setup: OrderRowsSetup): void {
  const orders = new ChunkedFile(setup.ordersPath, setup.ordersHeader);
  const events = new ChunkedFile(setup.eventsPath, setup.eventsHeader);
  // Bounded: this thread's heap is capped (WORKER_HEAP_LIMITS), whatever the catalogue's size.
  const productIds = new IdCache('product', setup.prices.length, ID_CACHE_MAX);
  const customerIds = new IdCache('customer', setup.customers, ID_CACHE_MAX);
  const { prices, supplierIds } = setup;

  // One plan object for every order, filled from the batch (as LifecycleSimulator reuses its own).
  const plan = emptyPlan();
  const write = (b: PackedOrders): void => {
    for (let i = 0; i < b.count; i++) {
      const orderId = entityId('order', b.seq[i]!);
      const product = b.product[i]!;
      const steps = b.steps[i]!;
      if (steps > 0) {
        plan.orderId = orderId;
        plan.length = steps;
        let shipped = false;
        for (let s = 0; s < steps; s++) {
          const type = LIFECYCLE_EVENT_TYPES[b.stepType[i * MAX_STEPS + s]!]!;
          plan.types[s] = type;
          plan.at[s] = b.stepAt[i * MAX_STEPS + s]!;
          if (type === 'order_shipped') shipped = true;
        }
        if (shipped) {
          plan.supplierId = supplierIds[product]!;
          plan.trackingId = trackingIdOf(plan.supplierId, orderId);
        }
        const reason = b.reason[i]!;
        plan.reason = reason < 0 ? '' : STEP_REASONS[reason]!;
        events.room(ROW_ROOM);
        writePlanRows(events.sink, plan);
        events.rows += steps;
      }
      orders.room(ROW_ROOM);
      writeOrderRowAt(
        orders.sink,
        orderId,
        productIds.get(product),
        customerIds.get(b.customer[i]!),
        b.quantity[i]!,
        prices[product]!,
        b.soldMs[i]!,
      );
      orders.rows++;
    }
  };

  const reply = (r: OrderRowsReply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);
  port.on('message', (m: OrderRowsMessage) => {
    try {
      if (m.type === 'batch') {
        write(new PackedOrders(m.buffers, m.count));
        reply({ type: 'free', buffers: m.buffers }, m.buffers);
      } else reply({ type: 'closed', orders: orders.close(), events: events.close() });
    } catch (error) {
      reply({ type: 'error', message: (error as Error).message });
      port.close();
    }
  });
}

if (parentPort) {
  try {
    start(parentPort, workerData as OrderRowsSetup);
  } catch (error) {
    parentPort.postMessage({
      type: 'error',
      message: (error as Error).message,
    } satisfies OrderRowsReply);
  }
}
