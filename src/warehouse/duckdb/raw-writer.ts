/**
 * The ingest's hot path into DuckDB: decoded bus records → RAW rows, dead letters → quarantine,
 * and the bus offsets of both, stored with them.
 *
 * A batch is written in transactions of up to ROWS_PER_TRANSACTION records, each carrying the
 * offsets of its own records, so every committed transaction is complete on its own: after a
 * crash between two of them the earlier ones stay, and their records, delivered again, are
 * recognised by the stored offsets and skipped.
 *
 * Why several transactions: DuckDB's COMMIT (WAL write, and a checkpoint every 64 MB of WAL)
 * was ~40 % of the ingest's time, spent on a DuckDB thread while the JS thread waited. Now the
 * JS thread converts the next transaction's rows into DuckDB data chunks while the previous
 * transaction commits, then appends them in a few calls (docs/BENCHMARKS.md).
 *
 * Commits happen in order, one at a time, on the single writer connection: RAW's ingest_seq
 * stays gap-free and committed in increasing order, which the emulated stream relies on.
 */
import {
  BIGINT,
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  TIMESTAMP,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBTimestampValue,
} from '@duckdb/node-api';
import type { BusCoordinates } from '../../bus/types.ts';
import { Tables as T } from '../../domain/tables.ts';
import type { DeadLetter, IngestBatch, IngestResult, RawEvent } from '../types.ts';

/** Large enough to amortise a commit, small enough to prepare the next one during it. */
export const ROWS_PER_TRANSACTION = 25_000;

/**
 * The chunk's column types, in RAW's column order. Timestamps travel as their ISO-8601 text
 * (validated at decode) and DuckDB casts them on append: cheaper than building timestamp
 * values here, and microseconds are kept.
 */
const RAW_CHUNK_TYPES = [
  BIGINT, // ingest_seq
  VARCHAR, // event_id
  VARCHAR, // event_type
  VARCHAR, // order_id
  VARCHAR, // payload
  VARCHAR, // created_at
  TIMESTAMP, // ingested_at (one value per transaction)
  VARCHAR, // topic
  INTEGER, // partition
  BIGINT, // offset
  VARCHAR, // product_id
  VARCHAR, // customer_id
  INTEGER, // quantity
  DOUBLE, // unit_price (DECIMAL(12,2) on append)
  VARCHAR, // sold_at
] as const;

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

interface PendingTransaction {
  rows: RawEvent[];
  deadLetters: DeadLetter[];
  /** Next offset per topic/partition, from the records of this transaction. */
  offsets: Map<string, BusCoordinates>;
}

export interface RawWriterAppenders {
  raw: DuckDBAppender;
  quarantine: () => Promise<DuckDBAppender>;
}

export class RawWriter {
  /** Reused across transactions: a chunk's memory is native, unseen by the garbage collector. */
  private readonly chunks: DuckDBDataChunk[] = [];

  constructor(private readonly connection: DuckDBConnection) {}

  /**
   * Writes the batch; `firstSeq` is RAW's next ingest_seq. Resolves with the counts and the
   * next ingest_seq. On failure the transactions committed so far stay (with their offsets);
   * the caller reads the next ingest_seq back from RAW.
   */
  async write(
    batch: IngestBatch,
    appenders: RawWriterAppenders,
    firstSeq: number,
    timestamp: (ms: number) => DuckDBTimestampValue,
  ): Promise<IngestResult & { nextSeq: number }> {
    const stored = await this.storedOffsets(batch.consumerGroup);
    const result = { inserted: 0, quarantined: 0, redelivered: 0 };
    let nextSeq = firstSeq;
    let committing: Promise<void> | null = null;

    const commitInOrder = async (tx: PendingTransaction): Promise<void> => {
      const seq = nextSeq;
      nextSeq += tx.rows.length;
      const now = timestamp(Date.now());
      // The JS side of the next transaction, while the previous one commits.
      const chunks = this.fillChunks(tx.rows, seq, now);
      if (committing) await committing;
      committing = null;
      await this.connection.run('BEGIN TRANSACTION');
      try {
        for (const chunk of chunks) appenders.raw.appendDataChunk(chunk);
        appenders.raw.flushSync();
        if (tx.deadLetters.length > 0) {
          const quarantine = await appenders.quarantine();
          appendDeadLetters(quarantine, tx.deadLetters, now);
          quarantine.flushSync();
        }
        await this.storeOffsets(batch.consumerGroup, tx.offsets, now);
      } catch (error) {
        appenders.raw.clear();
        await this.connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
      const done = this.connection.run('COMMIT').then(() => {
        result.inserted += tx.rows.length;
        result.quarantined += tx.deadLetters.length;
      });
      // Awaited before the next transaction or at the end; never left unobserved.
      done.catch(() => undefined);
      committing = done;
    };

    try {
      let tx = emptyTransaction();
      const full = () => tx.rows.length + tx.deadLetters.length >= ROWS_PER_TRANSACTION;
      for (const pending of batch.chunks) {
        const chunk = await pending;
        for (const e of chunk.accepted) {
          if (!isNew(e.coordinates, stored, tx.offsets)) result.redelivered++;
          else if (tx.rows.push(e) && full()) {
            await commitInOrder(tx);
            tx = emptyTransaction();
          }
        }
        for (const d of chunk.rejected) {
          if (!isNew(d.coordinates, stored, tx.offsets)) result.redelivered++;
          else if (tx.deadLetters.push(d) && full()) {
            await commitInOrder(tx);
            tx = emptyTransaction();
          }
        }
      }
      if (tx.rows.length + tx.deadLetters.length > 0) await commitInOrder(tx);
      if (committing) await committing;
    } catch (error) {
      // Let a commit in flight finish first: the connection must be idle when the lock goes.
      // A failed COMMIT normally ends the transaction; the ROLLBACK makes sure.
      if (committing) await (committing as Promise<void>).catch(() => undefined);
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { ...result, nextSeq };
  }

  private async storedOffsets(consumerGroup: string): Promise<Map<string, bigint>> {
    const rows = (
      await this.connection.runAndReadAll(
        `SELECT topic, "partition" AS p, next_offset AS o FROM ${T.busOffsets} WHERE consumer_group = $g`,
        { g: consumerGroup },
      )
    ).getRowObjectsJson();
    return new Map(rows.map((r) => [`${r.topic}\u0000${r.p}`, BigInt(r.o as string)]));
  }

  private async storeOffsets(
    consumerGroup: string,
    offsets: Map<string, BusCoordinates>,
    now: DuckDBTimestampValue,
  ): Promise<void> {
    for (const { topic, partition, offset } of offsets.values()) {
      await this.connection.run(
        `INSERT INTO ${T.busOffsets} (consumer_group, topic, "partition", next_offset, updated_at) VALUES ($g, $t, $p, $o, $now)
         ON CONFLICT (consumer_group, topic, "partition") DO UPDATE SET next_offset = greatest(next_offset, excluded.next_offset), updated_at = excluded.updated_at`,
        { g: consumerGroup, t: topic, p: partition, o: offset, now },
      );
    }
  }

  /** RAW rows as data chunks (column by column), numbered from `firstSeq`. */
  private fillChunks(
    rows: RawEvent[],
    firstSeq: number,
    ingestedAt: DuckDBTimestampValue,
  ): DuckDBDataChunk[] {
    const used: DuckDBDataChunk[] = [];
    for (let start = 0, i = 0; start < rows.length; start += CHUNK_ROWS, i++) {
      const n = Math.min(CHUNK_ROWS, rows.length - start);
      const chunk = (this.chunks[i] ??= DuckDBDataChunk.create(RAW_CHUNK_TYPES));
      chunk.reset();
      chunk.rowCount = n;
      const columns = RAW_CHUNK_TYPES.map(() => new Array(n));
      for (let k = 0; k < n; k++) {
        const e = rows[start + k]!;
        columns[0]![k] = BigInt(firstSeq + start + k);
        columns[1]![k] = e.eventId;
        columns[2]![k] = e.eventType;
        columns[3]![k] = e.orderId;
        columns[4]![k] = e.payload;
        columns[5]![k] = e.createdAt;
        columns[6]![k] = ingestedAt;
        columns[7]![k] = e.coordinates.topic;
        columns[8]![k] = e.coordinates.partition;
        columns[9]![k] = e.coordinates.offset;
        columns[10]![k] = e.order.productId;
        columns[11]![k] = e.order.customerId;
        columns[12]![k] = e.order.quantity;
        columns[13]![k] = e.order.unitPrice;
        columns[14]![k] = e.order.soldAt;
      }
      chunk.setColumns(columns);
      used.push(chunk);
    }
    return used;
  }
}

function emptyTransaction(): PendingTransaction {
  return { rows: [], deadLetters: [], offsets: new Map() };
}

/**
 * False for a record below the offset already stored for its partition: an earlier delivery
 * wrote it (crash between the warehouse commit and the bus commit). Tracks the transaction's
 * next offsets on the way.
 */
function isNew(
  c: BusCoordinates | null,
  stored: Map<string, bigint>,
  next: Map<string, BusCoordinates>,
): boolean {
  if (!c) return true;
  const key = `${c.topic}\u0000${c.partition}`;
  const known = stored.get(key);
  if (known !== undefined && c.offset < known) return false;
  const seen = next.get(key);
  if (!seen || c.offset + 1n > seen.offset)
    next.set(key, { topic: c.topic, partition: c.partition, offset: c.offset + 1n });
  return true;
}

function appendDeadLetters(
  appender: DuckDBAppender,
  deadLetters: DeadLetter[],
  now: DuckDBTimestampValue,
): void {
  for (const d of deadLetters) {
    appender.appendTimestamp(now);
    appender.appendVarchar('ingest');
    appender.appendVarchar(d.reason);
    appender.appendVarchar(d.detail);
    appendNullable(appender, d.eventId);
    appendNullable(appender, d.orderId);
    appendNullable(appender, d.rawValue);
    if (d.coordinates) {
      appender.appendVarchar(d.coordinates.topic);
      appender.appendInteger(d.coordinates.partition);
      appender.appendBigInt(d.coordinates.offset);
    } else {
      appender.appendNull();
      appender.appendNull();
      appender.appendNull();
    }
    appender.appendNull();
    appender.endRow();
  }
}

function appendNullable(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}
