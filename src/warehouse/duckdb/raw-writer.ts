/**
 * The ingest's hot path into DuckDB: decoded bus records → RAW rows, dead letters → quarantine,
 * and the bus offsets of both, stored with them.
 *
 * A batch is written in transactions of about ROWS_PER_TRANSACTION records (ended at the first
 * decoded chunk that reaches it), each carrying the offsets of its own records, so every committed transaction is complete on its own: after a
 * crash between two of them the earlier ones stay, and their records, delivered again, are
 * recognised by the stored offsets and skipped.
 *
 * Why several transactions: DuckDB's COMMIT (WAL write, and a checkpoint every 64 MB of WAL)
 * runs on a DuckDB thread, and is now the longest step of the ingest. The JS thread converts
 * the next transaction's columns into DuckDB data chunks while the previous transaction
 * commits, then appends them in a few calls (docs/BENCHMARKS.md). Transactions of a full row
 * group (122,880 rows, which DuckDB writes to the file directly instead of the WAL) wrote 20 %
 * fewer bytes but were no faster, and would need batches twice the default.
 *
 * Commits happen in order, one at a time, on the single writer connection: RAW's ingest_seq
 * stays gap-free and committed in increasing order, which the emulated stream relies on.
 */
import {
  BIGINT,
  DECIMAL,
  DuckDBDataChunk,
  ENUM,
  INTEGER,
  TIMESTAMP,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBTimestampValue,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { BusCoordinates } from '../../bus/types.ts';
import { EVENT_TYPES } from '../../domain/event.ts';
import { Tables as T } from '../../domain/tables.ts';
import { columnsOf, sliceColumns, type RawEventColumns } from '../raw-event-columns.ts';
import type { DeadLetter, IngestBatch, IngestResult } from '../types.ts';

/** Large enough to amortise a commit, small enough to prepare the next one during it. */
export const ROWS_PER_TRANSACTION = 25_000;

/**
 * The chunk's column types, in RAW's column order: RAW's own types, so the append converts
 * nothing, except for the two columns that hold one of a few values (event type, topic): they
 * go in as ENUMs, one byte per row instead of one string each (strings are the costly part
 * of filling a chunk), and DuckDB turns them into VARCHAR on append.
 */
function rawChunkTypes(topics: readonly string[]) {
  return [
    BIGINT, // ingest_seq
    VARCHAR, // event_id
    ENUM(EVENT_TYPES), // event_type
    VARCHAR, // order_id
    VARCHAR, // payload (into the JSON column: same storage, and the decoder parsed it)
    TIMESTAMP, // created_at
    TIMESTAMP, // ingested_at (one value per transaction)
    ENUM(topics), // topic
    INTEGER, // partition
    BIGINT, // offset
    VARCHAR, // product_id
    VARCHAR, // customer_id
    INTEGER, // quantity
    DECIMAL(12, 2), // unit_price (cents, as stored)
    TIMESTAMP, // sold_at
  ];
}

/** The payload's position in rawChunkTypes. */
const PAYLOAD_COLUMN = 4;

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = duckdb.vector_size();

interface PendingTransaction {
  /** Accepted events in bus order, as runs of columns. */
  pieces: RawEventColumns[];
  rows: number;
  deadLetters: DeadLetter[];
  /** Next offset per topic/partition, from the records of this transaction. */
  offsets: Map<string, BusCoordinates>;
}

export interface RawWriterAppenders {
  raw: DuckDBAppender;
  quarantine: () => Promise<DuckDBAppender>;
}

export class RawWriter {
  /**
   * Reused across transactions: a chunk's memory is native, unseen by the garbage collector.
   * Made again when a new topic appears (the topic column's ENUM lists the topics seen).
   */
  private chunks: DuckDBDataChunk[] = [];
  private readonly topics: string[] = [];

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
      nextSeq += tx.rows;
      const now = timestamp(Date.now());
      // The JS side of the next transaction, while the previous one commits.
      const chunks = this.fillChunks(tx.pieces, seq, now);
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
        result.inserted += tx.rows;
        result.quarantined += tx.deadLetters.length;
        if (batch.committed) {
          batch.committed.inserted += tx.rows;
          batch.committed.quarantined += tx.deadLetters.length;
        }
      });
      // Awaited before the next transaction or at the end; never left unobserved.
      done.catch(() => undefined);
      committing = done;
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
        if (tx.rows + tx.deadLetters.length >= ROWS_PER_TRANSACTION) {
          await commitInOrder(tx);
          tx = emptyTransaction();
        }
      }
      if (tx.rows + tx.deadLetters.length > 0) await commitInOrder(tx);
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

  /**
   * RAW rows as full data chunks, numbered from `firstSeq`. Strings go in one by one (DuckDB
   * copies each into its vector); numbers and timestamps are copied into their vectors in one
   * call per column and run of rows, from the typed arrays the decoder filled.
   */
  private fillChunks(
    pieces: RawEventColumns[],
    firstSeq: number,
    ingestedAt: DuckDBTimestampValue,
  ): DuckDBDataChunk[] {
    for (const piece of pieces)
      for (const topic of new Set(piece.topic))
        if (!this.topics.includes(topic)) {
          this.topics.push(topic);
          this.chunks = [];
        }
    const used: DuckDBDataChunk[] = [];
    let runs: RawEventColumns[] = [];
    let rows = 0;
    const fill = () => {
      if (rows === 0) return;
      used.push(this.fillChunk(used.length, runs, rows, firstSeq, ingestedAt));
      firstSeq += rows;
      runs = [];
      rows = 0;
    };
    // Runs (split by redelivered records) are packed into chunks of CHUNK_ROWS rows.
    for (const piece of pieces) {
      for (let start = 0; start < piece.length;) {
        const take = Math.min(piece.length - start, CHUNK_ROWS - rows);
        runs.push(sliceColumns(piece, start, start + take));
        rows += take;
        start += take;
        if (rows === CHUNK_ROWS) fill();
      }
    }
    fill();
    return used;
  }

  private fillChunk(
    index: number,
    runs: RawEventColumns[],
    n: number,
    firstSeq: number,
    ingestedAt: DuckDBTimestampValue,
  ): DuckDBDataChunk {
    const chunk = (this.chunks[index] ??= DuckDBDataChunk.create(rawChunkTypes([...this.topics])));
    chunk.reset();
    chunk.rowCount = n;
    const strings = (column: number, values: (e: RawEventColumns) => string[]) =>
      chunk.setColumnValues(column, runs.length === 1 ? values(runs[0]!) : runs.flatMap(values));
    const numbers = (
      column: number,
      values: (e: RawEventColumns) => Int32Array | BigInt64Array,
    ) => {
      let at = 0;
      for (const run of runs) {
        copyColumn(chunk, column, at, values(run));
        at += run.length;
      }
    };
    const seqs = new BigInt64Array(n);
    for (let k = 0; k < n; k++) seqs[k] = BigInt(firstSeq + k);
    copyColumn(chunk, 0, 0, seqs);
    strings(1, (e) => e.eventId);
    strings(2, (e) => e.eventType);
    strings(3, (e) => e.orderId);
    payloads(chunk, runs);
    numbers(5, (e) => e.createdAt);
    copyColumn(chunk, 6, 0, new BigInt64Array(n).fill(ingestedAt.micros));
    strings(7, (e) => e.topic);
    numbers(8, (e) => e.partition);
    numbers(9, (e) => e.offset);
    strings(10, (e) => e.productId);
    strings(11, (e) => e.customerId);
    numbers(12, (e) => e.quantity);
    numbers(13, (e) => e.unitPriceCents);
    numbers(14, (e) => e.soldAt);
    return chunk;
  }
}

/**
 * The payload column, straight into its vector: a payload that came as bytes (Kafka) is
 * copied as it is, without becoming a string first (the decoder checked it is UTF-8; DuckDB
 * would store invalid bytes as NULL).
 */
function payloads(chunk: DuckDBDataChunk, runs: RawEventColumns[]): void {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, PAYLOAD_COLUMN);
  let row = 0;
  for (const run of runs) {
    // The binding checks no index: a short column would leave the chunk's previous payloads
    // in place (node-api's setColumnValues refuses it), a long one write past the vector.
    if (run.payload.length !== run.length)
      throw new Error(`${run.payload.length} payloads for ${run.length} rows`);
    for (const payload of run.payload) {
      if (typeof payload === 'string') duckdb.vector_assign_string_element(vector, row++, payload);
      else duckdb.vector_assign_string_element_len(vector, row++, payload);
    }
  }
  if (row !== chunk.rowCount)
    throw new Error(`${row} payloads for a chunk of ${chunk.rowCount} rows`);
}

/**
 * Copies fixed-width values into the chunk's vector from row `at` on; the vector holds the
 * same representation (INTEGER: int32; BIGINT, TIMESTAMP µs, DECIMAL(12,2) cents: int64).
 * Every row is valid: a reset chunk's validity is all-valid. The binding checks no bounds,
 * hence the guard.
 */
function copyColumn(
  chunk: DuckDBDataChunk,
  column: number,
  at: number,
  values: Int32Array | BigInt64Array,
): void {
  if (at + values.length > chunk.rowCount)
    throw new Error(
      `column ${column}: rows ${at}..${at + values.length} past the chunk's ${chunk.rowCount}`,
    );
  duckdb.copy_data_to_vector(
    duckdb.data_chunk_get_vector(chunk.chunk, column),
    at * values.BYTES_PER_ELEMENT,
    values.buffer as ArrayBuffer,
    values.byteOffset,
    values.byteLength,
  );
}

function emptyTransaction(): PendingTransaction {
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
      this.lastKey = `${topic}\u0000${partition}`;
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
