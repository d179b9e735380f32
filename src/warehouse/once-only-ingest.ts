/**
 * "Each bus record stored once", written once for every warehouse: decoded bus records → RAW
 * rows and dead letters, in transactions that each also store the bus offsets of their own
 * records. An adapter supplies the primitives (RawStore): read the stored offsets, write one
 * transaction.
 *
 * A batch is written in transactions of about `rowsPerTransaction` records (ended at the first
 * decoded chunk that reaches it), so every committed transaction is complete on its own: after
 * a crash between two of them the earlier ones stay, and their records, delivered again, are
 * recognised by the stored offsets and skipped.
 *
 * Transactions are handed to the store one at a time, in bus order. A store may prepare the
 * next one while the previous one commits (DuckDB converts the next columns during the COMMIT):
 * it receives the previous commit and must let it settle before it begins its own.
 */
import type { BusCoordinates } from '../bus/types.ts';
import { columnsOf, sliceColumns, type RawEventColumns } from './raw-event-columns.ts';
import type { DeadLetter, IngestBatch, IngestResult } from './types.ts';

/** The records of one warehouse transaction. */
export interface RawTransaction {
  /** Accepted events in bus order, as runs of columns (redelivered records cut the runs). */
  pieces: RawEventColumns[];
  rows: number;
  deadLetters: DeadLetter[];
  /** Next offset per topic/partition, from the records of this transaction. */
  offsets: Map<string, BusCoordinates>;
}

export interface RawStore {
  /** The group's stored next offset per partition, keyed by `offsetKey`. */
  readOffsets(consumerGroup: string): Promise<Map<string, bigint>>;
  /**
   * Writes RAW rows, dead letters and offsets of `tx` in one transaction, after `previous` (the
   * commit before it, or null) has settled. Resolves once the transaction is written, with
   * `committed`, which settles when it has committed (wrapped: a promise resolving with a
   * promise would wait for it).
   */
  writeTransaction(
    tx: RawTransaction,
    consumerGroup: string,
    previous: Promise<void> | null,
  ): Promise<{ committed: Promise<void> }>;
  /** After a failure: ends whatever transaction is still open (ROLLBACK). */
  abort(): Promise<void>;
}

export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export async function ingestOnce(
  batch: IngestBatch,
  store: RawStore,
  rowsPerTransaction: number,
): Promise<IngestResult> {
  const stored = await store.readOffsets(batch.consumerGroup);
  const result = { inserted: 0, quarantined: 0, redelivered: 0 };
  let committing: Promise<void> | null = null;

  const write = async (tx: RawTransaction): Promise<void> => {
    const { committed } = await store.writeTransaction(tx, batch.consumerGroup, committing);
    const counted = committed.then(() => {
      result.inserted += tx.rows;
      result.quarantined += tx.deadLetters.length;
      if (batch.committed) {
        batch.committed.inserted += tx.rows;
        batch.committed.quarantined += tx.deadLetters.length;
      }
    });
    // Awaited before the next transaction begins or at the end; never left unobserved.
    counted.catch(() => undefined);
    committing = counted;
  };

  try {
    let tx = emptyTransaction();
    const seen = new OffsetTracker(stored);
    for (const pending of batch.chunks) {
      const chunk = await pending;
      const accepted = Array.isArray(chunk.accepted)
        ? columnsOf(chunk.accepted)
        : (chunk.accepted as RawEventColumns);
      // Runs of new events go into the transaction as slices of the chunk's columns; a
      // redelivered event (rare) ends a run.
      let runStart = 0;
      const endRun = (end: number) => {
        if (end > runStart) tx.pieces.push(sliceColumns(accepted, runStart, end));
        tx.rows += end - runStart;
      };
      for (let i = 0; i < accepted.length; i++) {
        const c = accepted;
        if (seen.isNew(c.topic[i]!, c.partition[i]!, c.offset[i]!, tx.offsets)) continue;
        endRun(i);
        runStart = i + 1;
        result.redelivered++;
      }
      endRun(accepted.length);
      for (const d of chunk.rejected) {
        const c = d.coordinates;
        if (c && !seen.isNew(c.topic, c.partition, c.offset, tx.offsets)) result.redelivered++;
        else tx.deadLetters.push(d);
      }
      // A chunk is never split: its rows and dead letters are interleaved in bus order, and
      // a transaction's stored offsets must not pass a record it does not hold.
      if (tx.rows + tx.deadLetters.length >= rowsPerTransaction) {
        await write(tx);
        tx = emptyTransaction();
      }
    }
    if (tx.rows + tx.deadLetters.length > 0) await write(tx);
    if (committing) await committing;
  } catch (error) {
    // Let a commit in flight finish first: the connection must be idle before the rollback.
    if (committing) await (committing as Promise<void>).catch(() => undefined);
    await store.abort().catch(() => undefined);
    throw error;
  }
  return result;
}

function emptyTransaction(): RawTransaction {
  return { pieces: [], rows: 0, deadLetters: [], offsets: new Map() };
}

/**
 * Recognises records below the offset already stored for their partition: an earlier delivery
 * wrote them (crash between the warehouse commit and the bus commit). Tracks each
 * transaction's next offsets on the way.
 */
class OffsetTracker {
  private lastTopic = '';
  private lastPartition = -1;
  private lastKey = '';

  constructor(private readonly stored: Map<string, bigint>) {}

  isNew(topic: string, partition: number, offset: bigint, next: Map<string, BusCoordinates>) {
    // One key string per partition change, not per record.
    if (topic !== this.lastTopic || partition !== this.lastPartition) {
      this.lastTopic = topic;
      this.lastPartition = partition;
      this.lastKey = offsetKey(topic, partition);
    }
    const key = this.lastKey;
    const known = this.stored.get(key);
    if (known !== undefined && offset < known) return false;
    const seen = next.get(key);
    if (!seen) next.set(key, { topic, partition, offset: offset + 1n });
    else if (offset >= seen.offset) seen.offset = offset + 1n; // the tracker's own object
    return true;
  }
}
