/**
 * The warehouse: RAW (orders_events, as received), dead letters, PROD (orders, customers,
 * inventory), and the stream + task that move RAW into PROD. DuckDB (embedded) and Snowflake
 * implement it; the pipeline stages only see this interface.
 */
import type { BusCoordinates } from '../bus/types.ts';
import type { Customer, Product } from '../domain/entities.ts';
import type { RejectReason } from '../domain/event-decoding.ts';
import type { Manifest } from '../domain/manifest.ts';
import type { RawEventColumns } from './raw-event-columns.ts';
import type { WarehouseReads } from './reads.ts';

/**
 * An event accepted by the ingest, ready for RAW, one object per event (tests and fixtures).
 * The ingest itself hands events over as columns (raw-event-columns.ts).
 */
export interface RawEvent extends RawEventFields {
  coordinates: BusCoordinates;
}

/**
 * A valid event's RAW row besides its bus coordinates: the payload as received, and the
 * order's fields, already validated, that RAW stores in typed columns next to it (so the task
 * does not parse JSON again for every row). Timestamps in µs since the epoch (UTC) and the
 * price in cents, as RAW stores them.
 */
export interface RawEventFields {
  eventId: string;
  eventType: string;
  orderId: string;
  /** The event exactly as received: JSON text, or its UTF-8 bytes as Kafka delivered them. */
  payload: string | Uint8Array;
  createdAtMicros: bigint;
  productId: string;
  customerId: string;
  quantity: number;
  unitPriceCents: number;
  soldAtMicros: bigint;
}

/** An event that cannot become a PROD row, kept with the reason (never dropped). */
export interface DeadLetter {
  coordinates: BusCoordinates | null;
  reason: RejectReason;
  detail: string;
  /** The value as text, cut at 10,000 characters, for the quarantine table. */
  rawValue: string | null;
  eventId: string | null;
  orderId: string | null;
  /**
   * The bus record's key and value exactly as received (bytes not UTF-8 included), which the
   * DLQ topic republishes unchanged so the message can be fixed and replayed from there.
   */
  received?: { key: string | null; value: Buffer | string | null };
}

/** Part of a decoded bus batch, in bus order. */
export interface DecodedChunk {
  accepted: RawEventColumns | readonly RawEvent[];
  rejected: DeadLetter[];
}

export interface IngestBatch {
  /** The consumer group whose bus offsets are stored with the rows. */
  consumerGroup: string;
  /**
   * The batch, in bus order. Chunks may still be decoding while earlier ones are written
   * (promises), which lets the ingest decode and write in parallel. A warehouse may split a
   * large batch into several transactions, each storing the offsets of its own records.
   */
  chunks: Iterable<DecodedChunk | Promise<DecodedChunk>>;
  /**
   * Added to as each transaction commits, also by an attempt that fails afterwards. A retry
   * of the batch passes the same object, so what a failed attempt stored is counted as
   * stored once (the retry itself reports those records as redelivered).
   */
  committed?: { inserted: number; quarantined: number };
}

export interface IngestResult {
  /** New RAW rows. */
  inserted: number;
  /** New dead letters. */
  quarantined: number;
  /** Records already stored by an earlier delivery (recognised by their bus offset), skipped. */
  redelivered: number;
}

/** Task run states, as in Snowflake's TASK_HISTORY. */
export type TaskState = 'SCHEDULED' | 'EXECUTING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface TaskRun {
  runId: number;
  taskName: string;
  trigger: 'schedule' | 'manual';
  scheduledTime: string;
  queryStartTime: string | null;
  completedTime: string | null;
  state: TaskState;
  /*
   * Row counts. null where the warehouse's history does not record them (Snowflake's
   * TASK_HISTORY): a run started by `runTask` always has them, measured around the run.
   */
  /** RAW rows consumed from the stream. */
  rowsRead: number | null;
  rowsInserted: number | null;
  rowsUpdated: number | null;
  /** Rows sent to quarantine by the task (unknown customer or product). */
  rowsQuarantined: number | null;
  /**
   * The emulated stream's RAW range (from, to] of ingest_seq (DuckDB); null where the warehouse
   * keeps its stream's offset itself (Snowflake).
   */
  offsetFrom: number | null;
  offsetTo: number | null;
  errorMessage: string | null;
}

export interface TaskRunOptions {
  scheduledTime?: Date;
  trigger?: TaskRun['trigger'];
  /** Told while a run started elsewhere (Snowflake's EXECUTE TASK) is awaited. */
  onWait?: (waitedMs: number) => void;
}

/** The task's state besides its runs. */
export interface TaskSummary {
  /** A suspended task merges nothing; null when the warehouse cannot say. */
  suspended: boolean | null;
  /** Runs in the task's history, by state. */
  runs: Partial<Record<TaskState, number>>;
}

/**
 * One thing `dropship doctor` checks inside a warehouse (an object, or the session's context),
 * as the adapter knows it: doctor prints these and knows no adapter's tables.
 */
export interface WarehouseCheck {
  /** What is checked: `role`, `tables`, `stream orders_stream`, `task merge_orders_task`. */
  name: string;
  /** true: as it should be; false: a problem, `fix` says how to solve it; null: the warehouse cannot say. */
  ok: boolean | null;
  detail: string;
  /** The setting to change or the command to run, for a problem. */
  fix?: string;
}

/** The manifest of the data set loaded into the warehouse (table seed_manifest), as stored. */
export interface LoadedManifest {
  /** New for each different data set loaded: a validation report names the one it checked. */
  loadId: string;
  /** ISO-8601 UTC. */
  loadedAt: string;
  /** The folder it was loaded from, absolute. */
  seedDir: string;
  /** Of its files and totals (loaded-manifest.ts): the same data has the same hash. */
  sha256: string;
  manifest: Manifest;
}

export type SqlParams = Record<string, string | number | boolean | null | Date>;

export interface Warehouse {
  readonly kind: 'duckdb' | 'snowflake';
  /**
   * Whether the warehouse runs the task on its own schedule (Snowflake: the resumed task). When
   * false it runs only when a process calls runTask (DuckDB: the process that owns the file).
   */
  readonly schedulesItsTask: boolean;
  /** Every read the dashboard, validation and the CLI make (portable SQL, reads.ts). */
  readonly reads: WarehouseReads;
  /** Human description without secrets (`DuckDB data/warehouse.duckdb`). */
  describe(): string;
  /** Creates every object (RAW, PROD, stream state, task history); idempotent. */
  setup(): Promise<void>;
  /** Upserts customers and products by id; idempotent. */
  loadReferenceData(
    customers: AsyncIterable<Customer>,
    products: AsyncIterable<Product>,
  ): Promise<{ customers: number; products: number }>;
  /**
   * Stores the manifest of the data set just loaded from `seedDir` (setup, run), unless the
   * latest stored one describes the same data; `previous` is the latest before this call.
   */
  recordLoadedManifest(
    seedDir: string,
    manifest: Manifest,
  ): Promise<{ loaded: LoadedManifest; previous: LoadedManifest | null }>;
  /** The manifest of the data set last loaded; null when none was stored. */
  loadedManifest(): Promise<LoadedManifest | null>;
  /** Writes accepted events to RAW and dead letters to quarantine, with their bus offsets in the same transaction(s). */
  ingest(batch: IngestBatch): Promise<IngestResult>;
  /** Next bus offset per partition stored with RAW for this group and topic. */
  storedOffsets(consumerGroup: string, topic: string): Promise<Map<number, bigint>>;
  /** SYSTEM$STREAM_HAS_DATA: RAW rows not yet consumed by the task. */
  streamBacklog(): Promise<number>;
  /** Runs the RAW → PROD task once (EXECUTE TASK) and records the run. */
  runTask(options?: TaskRunOptions): Promise<TaskRun>;
  /** Most recent runs first. */
  taskHistory(limit?: number): Promise<TaskRun[]>;
  taskSummary(): Promise<TaskSummary>;
  /**
   * Bytes the warehouse engine holds in this process (DuckDB: its own accounting,
   * duckdb_memory(), buffer pool included); null when the engine runs elsewhere (Snowflake).
   * The dashboard's /metrics shows it beside the process's resident memory, so a growing RSS
   * can be told apart: the engine's cache (bounded by memory_limit) or the JavaScript side.
   */
  engineMemoryBytes(): Promise<number | null>;
  /**
   * What `dropship doctor` checks: the session's context where there is one (role,
   * warehouse, database, schema), the tables, the stream(s) and the task(s). Reads only; a
   * check that cannot be made is reported with `ok: null`, never thrown.
   */
  checkObjects(): Promise<WarehouseCheck[]>;
  /**
   * An ad-hoc read with bound `$name` parameters, rows as JSON-safe objects with lower-case
   * keys, for tools and tests. Product code uses the named reads (`reads`).
   */
  query<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * Where this process serves the dashboard over the warehouse (null: it stopped). DuckDB
   * records it next to its file, so a process its lock turns away is told the real address;
   * Snowflake has no owning process and records nothing.
   */
  recordDashboardUrl(url: string | null): Promise<void>;
  close(): Promise<void>;
}
