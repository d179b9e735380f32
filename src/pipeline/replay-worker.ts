/**
 * Worker thread of an unthrottled replay: reads orders.csv and encodes the events, so the
 * publishing thread only publishes. It says when its modules are loaded (`ready`), then waits
 * for `start`, which tells it how many rows the publishing thread already took meanwhile (see
 * encodedInWorker in produce.ts). Flow control: it starts with `ahead` credits, spends one per
 * batch sent and gets one back each time the publisher takes a batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PipelineError } from '../errors.ts';
import { packValues, type PackedValues } from './packed-values.ts';
import { orderMessage, rejectedRowMessage } from './produce.ts';
import { readOrderChunks, type BadRow } from './seed-files.ts';

/**
 * A batch's values: strings, or (`bytes` in the worker's data) their UTF-8 bytes packed in one
 * buffer that is transferred, not copied: posting a thousand strings costs the publishing
 * thread a copy of each, and the Kafka client would then encode each to bytes (~1.5 µs of its
 * time per event, docs/BENCHMARKS.md).
 */
export type ReplayValues = string[] | PackedValues;

/** A bad row's dead letter in a batch: its index and the headers that say why (REJECTED_AT_SOURCE). */
export interface ReplayRejection {
  at: number;
  headers: Record<string, string>;
}

export type ReplayWorkerMessage =
  | { type: 'ready' }
  | {
      type: 'batch';
      keys: string[];
      values: ReplayValues;
      badRows: BadRow[];
      rejections: ReplayRejection[];
    }
  | { type: 'done' }
  | { type: 'error'; code: string; message: string; hint: string | null };

/** From the publishing thread: rows to skip, then a credit per batch taken; or stop. */
export type ReplayControl = { type: 'start'; skip: number } | { type: 'credit' } | { type: 'stop' };

interface ReplayWorkerData {
  dir: string;
  path?: string;
  batchSize: number;
  ahead: number;
  /** Post values as UTF-8 bytes (see ReplayValues). */
  bytes: boolean;
}

async function replay(port: NonNullable<typeof parentPort>, data: ReplayWorkerData): Promise<void> {
  let skip: number | null = null;
  let credits = data.ahead;
  let stopped = false;
  let wake: (() => void) | null = null;
  port.on('message', (m: ReplayControl) => {
    if (m.type === 'start') skip = m.skip;
    else if (m.type === 'credit') credits++;
    else stopped = true;
    wake?.();
  });
  port.postMessage({ type: 'ready' } satisfies ReplayWorkerMessage);
  while (skip === null && !stopped) await new Promise<void>((resolve) => (wake = resolve));
  let keys: string[] = [];
  let values: string[] = [];
  let badRows: BadRow[] = [];
  let rejections: ReplayRejection[] = [];
  const send = async () => {
    while (credits <= 0 && !stopped) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    if (data.bytes) {
      const { bytes, lengths } = packValues(values);
      port.postMessage(
        {
          type: 'batch',
          keys,
          values: { bytes, lengths },
          badRows,
          rejections,
        } satisfies ReplayWorkerMessage,
        [bytes, lengths.buffer as ArrayBuffer],
      );
    } else {
      port.postMessage({
        type: 'batch',
        keys,
        values,
        badRows,
        rejections,
      } satisfies ReplayWorkerMessage);
    }
    keys = [];
    values = [];
    badRows = [];
    rejections = [];
  };
  // Rows taken by the publishing thread, good or bad, are not encoded (nor reported) again.
  let toSkip = skip ?? 0;
  let now = new Date().toISOString();
  for await (const rows of readOrderChunks(data.dir, data.path)) {
    if (stopped) break;
    const from = Math.min(toSkip, rows.length);
    toSkip -= from;
    for (let i = from; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.ok) {
        const m = orderMessage(r.row, now);
        keys.push(m.key);
        values.push(m.value);
      } else {
        // Published as a dead letter, in its place among the events.
        const m = rejectedRowMessage(r);
        rejections.push({ at: keys.length, headers: m.headers! });
        keys.push(m.key);
        values.push(m.value);
        badRows.push(r);
      }
      if (keys.length >= data.batchSize) {
        await send();
        if (stopped) break;
        now = new Date().toISOString();
      }
    }
  }
  if (!stopped && keys.length > 0) await send();
  port.postMessage({ type: 'done' } satisfies ReplayWorkerMessage);
}

if (parentPort) {
  const port = parentPort;
  replay(port, workerData as ReplayWorkerData).catch((error: unknown) => {
    const e =
      error instanceof PipelineError ? error : new PipelineError('IO', (error as Error).message);
    port.postMessage({
      type: 'error',
      code: e.code,
      message: e.message,
      hint: e.hint ?? null,
    } satisfies ReplayWorkerMessage);
  });
}
