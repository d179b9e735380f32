/**
 * DuckDB's primitives for the once-only ingest (../once-only-ingest.ts): one transaction of RAW
 * rows, dead letters and bus offsets, appended as DuckDB data chunks.
 *
 * Why transactions of ROWS_PER_TRANSACTION and not one per batch: DuckDB's COMMIT (WAL write,
 * and a checkpoint every 64 MB of WAL) runs on a DuckDB thread, and is now the longest step of
 * the ingest. The JS thread converts the next transaction's columns into DuckDB data chunks
 * while the previous transaction commits, then appends them in a few calls
 * (docs/BENCHMARKS.md). Transactions of a full row group (122,880 rows, which DuckDB writes to
 * the file directly instead of the WAL) wrote 20 % fewer bytes but were no faster, and would
 * need batches twice the default.
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
  type DuckDBType,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { BusCoordinates } from '../../bus/types.ts';
import { EVENT_TYPE_ORDER_CREATED, EVENT_TYPES } from '../../domain/event.ts';
import {
  QuarantineTable,
  RawTable,
  columnNames,
  quarantineRow,
  type ColumnType,
  type RawColumn,
} from '../../domain/table-columns.ts';
import { Tables as T } from '../../domain/tables.ts';
import { offsetKey, type RawStore, type RawTransaction } from '../once-only-ingest.ts';
import { sliceColumns, type RawEventColumns } from '../raw-event-columns.ts';
import type { DeadLetter } from '../types.ts';

/** Large enough to amortise a commit, small enough to prepare the next one during it. */
export const ROWS_PER_TRANSACTION = 25_000;

/** RAW's columns as DuckDB holds them: its own ingest_seq, then the shared definition's. */
const RAW_COLUMNS = ['ingest_seq', ...columnNames(RawTable)] as const;
const COLUMN = Object.fromEntries(RAW_COLUMNS.map((name, i) => [name, i])) as Record<
  'ingest_seq' | RawColumn,
  number
>;

const CHUNK_TYPE: Record<ColumnType, DuckDBType> = {
  text: VARCHAR,
  // Into the JSON column as VARCHAR: same storage, and the decoder parsed it.
  json: VARCHAR,
  timestamp: TIMESTAMP,
  int32: INTEGER,
  int64: BIGINT,
  // Cents, as DECIMAL(12,2) stores them.
  money: DECIMAL(12, 2),
};

/**
 * The chunk's column types, in RAW's column order: RAW's own types, so the append converts
 * nothing, except for the two columns that hold one of a few values (event type, topic): they
 * go in as ENUMs, one byte per row instead of one string each (strings are the costly part
 * of filling a chunk), and DuckDB turns them into VARCHAR on append.
 */
function rawChunkTypes(topics: readonly string[]): DuckDBType[] {
  return [
    BIGINT,
    ...RawTable.columns.map((c) =>
      c.name === 'event_type'
        ? ENUM(EVENT_TYPES)
        : c.name === 'topic'
          ? ENUM(topics)
          : CHUNK_TYPE[c.type],
    ),
  ];
}

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = duckdb.vector_size();

export interface RawStoreAppenders {
  raw: () => Promise<DuckDBAppender>;
  quarantine: () => Promise<DuckDBAppender>;
}

export class DuckDbRawStore implements RawStore {
  /**
   * Reused across transactions: a chunk's memory is native, unseen by the garbage collector.
   * Made again when a new topic appears (the topic column's ENUM lists the topics seen).
   */
  private chunks: DuckDBDataChunk[] = [];
  private readonly topics: string[] = [];

  /**
   * @param nextSeq RAW's next ingest_seq, read by the warehouse, advanced here as transactions
   *   are written; after a failure the warehouse reads it back from RAW.
   */
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly appenders: RawStoreAppenders,
    private readonly timestamp: (ms: number) => DuckDBTimestampValue,
    public nextSeq: number,
  ) {}

  readOffsets(consumerGroup: string): Promise<Map<string, bigint>> {
    return this.storedOffsets(consumerGroup);
  }

  async writeTransaction(
    tx: RawTransaction,
    consumerGroup: string,
    previous: Promise<void> | null,
  ): Promise<{ committed: Promise<void> }> {
    const seq = this.nextSeq;
    this.nextSeq += tx.rows;
    const now = this.timestamp(Date.now());
    // The JS side of this transaction, while the previous one commits.
    const chunks = this.fillChunks(tx.pieces, seq, now);
    if (previous) await previous;
    const raw = await this.appenders.raw();
    await this.connection.run('BEGIN TRANSACTION');
    try {
      for (const chunk of chunks) raw.appendDataChunk(chunk);
      raw.flushSync();
      if (tx.deadLetters.length > 0) {
        const quarantine = await this.appenders.quarantine();
        appendDeadLetters(quarantine, tx.deadLetters, now);
        quarantine.flushSync();
      }
      await this.storeOffsets(consumerGroup, tx.offsets, now);
    } catch (error) {
      raw.clear();
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { committed: this.connection.run('COMMIT').then(() => undefined) };
  }

  async abort(): Promise<void> {
    // A failed COMMIT normally ends the transaction; the ROLLBACK makes sure.
    await this.connection.run('ROLLBACK').catch(() => undefined);
  }

  private async storedOffsets(consumerGroup: string): Promise<Map<string, bigint>> {
    const rows = (
      await this.connection.runAndReadAll(
        `SELECT topic, "partition" AS p, next_offset AS o FROM ${T.busOffsets} WHERE consumer_group = $g`,
        { g: consumerGroup },
      )
    ).getRowObjectsJson();
    return new Map(
      rows.map((r) => [offsetKey(String(r.topic), Number(r.p)), BigInt(r.o as string)]),
    );
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
    copyColumn(chunk, COLUMN.ingest_seq, 0, seqs);
    strings(COLUMN.event_id, (e) => e.eventId);
    strings(COLUMN.event_type, (e) => e.eventType);
    strings(COLUMN.order_id, (e) => e.orderId);
    payloads(chunk, runs);
    numbers(COLUMN.created_at, (e) => e.createdAt);
    copyColumn(chunk, COLUMN.ingested_at, 0, new BigInt64Array(n).fill(ingestedAt.micros));
    strings(COLUMN.topic, (e) => e.topic);
    numbers(COLUMN.partition, (e) => e.partition);
    numbers(COLUMN.offset, (e) => e.offset);
    strings(COLUMN.product_id, (e) => e.productId);
    strings(COLUMN.customer_id, (e) => e.customerId);
    numbers(COLUMN.quantity, (e) => e.quantity);
    numbers(COLUMN.unit_price, (e) => e.unitPriceCents);
    numbers(COLUMN.sold_at, (e) => e.soldAt);
    lifecycleRowsWithoutOrderFields(chunk, runs);
    return chunk;
  }
}

/**
 * The payload column, straight into its vector: a payload that came as bytes (Kafka) is
 * copied as it is, without becoming a string first (the decoder checked it is UTF-8; DuckDB
 * would store invalid bytes as NULL).
 */
function payloads(chunk: DuckDBDataChunk, runs: RawEventColumns[]): void {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, COLUMN.payload);
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

/** RAW's order columns, which only an order_created fills. */
const ORDER_FIELD_COLUMNS = [
  COLUMN.product_id,
  COLUMN.customer_id,
  COLUMN.quantity,
  COLUMN.unit_price,
  COLUMN.sold_at,
];

/**
 * A lifecycle event's RAW row holds NULL in the order columns (the decoder filled them with
 * placeholders, so the columns stay typed arrays): its order's fields are order_created's.
 */
function lifecycleRowsWithoutOrderFields(chunk: DuckDBDataChunk, runs: RawEventColumns[]): void {
  const rows: number[] = [];
  let row = 0;
  for (const run of runs)
    for (const type of run.eventType) {
      if (type !== EVENT_TYPE_ORDER_CREATED) rows.push(row);
      row++;
    }
  if (rows.length === 0) return;
  // Through node-api's vector (the binding's validity mask is a copy, not the vector's own).
  for (const column of ORDER_FIELD_COLUMNS) {
    const vector = chunk.getColumnVector(column);
    for (const r of rows) vector.setItem(r, null);
    vector.flush();
  }
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

/** Dead letters in the quarantine's column order (the definition's, then DuckDB's ingest_seq). */
function appendDeadLetters(
  appender: DuckDBAppender,
  deadLetters: DeadLetter[],
  now: DuckDBTimestampValue,
): void {
  const nowMs = Number(now.micros / 1000n);
  for (const d of deadLetters) {
    const row = quarantineRow(d, nowMs);
    for (const c of QuarantineTable.columns) {
      const value = row[c.name];
      if (value === null) appender.appendNull();
      else if (c.type === 'timestamp') appender.appendTimestamp(now);
      else if (c.type === 'int32') appender.appendInteger(Number(value));
      else if (c.type === 'int64') appender.appendBigInt(BigInt(value));
      else appender.appendVarchar(String(value));
    }
    appender.appendNull(); // ingest_seq: an ingest dead letter has no RAW row
    appender.endRow();
  }
}
