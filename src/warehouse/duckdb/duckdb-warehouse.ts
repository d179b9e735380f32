/**
 * The embedded warehouse: one DuckDB file, owned by one process (DuckDB's rule).
 *
 * All writes go through one connection, one at a time (a small mutex). That is what makes
 * the emulated stream exact: RAW's ingest_seq is assigned under the lock and committed in
 * order, so a task reading the range (from, to] never misses a row committed later with a
 * smaller number. Reads (dashboard, validation) use their own connection and see committed
 * data only.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Customer, Product } from '../../domain/entities.ts';
import { InventorySupplyColumns } from '../../domain/table-columns.ts';
import { TASK_NAME, Tables as T } from '../../domain/tables.ts';
import { PipelineError } from '../../errors.ts';
import type { Manifest } from '../../domain/manifest.ts';
import type {
  IngestBatch,
  IngestResult,
  LoadedManifest,
  SqlParams,
  TaskRun,
  TaskRunOptions,
  TaskState,
  TaskSummary,
  Warehouse,
  WarehouseCheck,
} from '../types.ts';
import { STOCK_RECOMPUTE } from '../lifecycle-sql.ts';
import { readLoadedManifest, recordLoadedManifest } from '../loaded-manifest.ts';
import { ingestOnce } from '../once-only-ingest.ts';
import { checkDuckDbObjects } from './objects.ts';
import { readOwner, removeOwner, writeOwner } from './owner-file.ts';
import { DuckDbRawStore, ROWS_PER_TRANSACTION } from './raw-writer.ts';
import {
  DDL,
  TASK_LIFECYCLE,
  TASK_MERGE,
  TASK_QUARANTINE,
  TASK_SOURCE,
  TASK_STOCK,
  duckDbDialect,
} from './sql.ts';
import { WarehouseReads } from '../reads.ts';

/** DuckDB's buffer pool cap (`memory_limit`), see `open`. */
export const DUCKDB_MEMORY_LIMIT = '256MB';

/** Serialises async sections (the single writer). */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<R>(section: () => Promise<R>): Promise<R> {
    const result = this.tail.then(section);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function timestamp(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(ms) * 1000n);
}

function toDuckValue(value: SqlParams[string]): DuckDBValue {
  if (value instanceof Date) return timestamp(value.getTime());
  return value;
}

function bindParams(params: SqlParams | undefined): Record<string, DuckDBValue> | undefined {
  if (!params) return undefined;
  const out: Record<string, DuckDBValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = toDuckValue(v);
  return out;
}

/**
 * Turns DuckDB's lock error into a message that says who holds the file and what to do: the
 * owner's dashboard address as it recorded it next to the file (owner-file.ts), or that it
 * serves none.
 */
function translateOpenError(path: string, error: unknown): PipelineError {
  const message = (error as Error).message ?? String(error);
  const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  if (lock || /Could not set lock/.test(message)) {
    const pid = lock?.[2];
    const owner = pid ? readOwner(path, Number(pid)) : null;
    let holder = owner?.command ?? '';
    try {
      if (pid && !holder)
        holder = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .filter(Boolean)
          .slice(-3)
          .join(' ');
    } catch {
      holder = '';
    }
    const serves = owner?.dashboard
      ? `, or read its dashboard/API at ${owner.dashboard} while it runs`
      : owner
        ? ' (it serves no dashboard)'
        : '';
    return new PipelineError(
      'WAREHOUSE_LOCKED',
      `the warehouse file ${path} is in use by another process${pid ? ` (PID ${pid}${holder ? `: ${holder}` : ''})` : ''}; DuckDB allows one process per file`,
      {
        hint: `stop that process (Ctrl-C in its terminal) and run this command again${serves}; to run another pipeline at the same time, use another DUCKDB_PATH`,
        cause: error,
      },
    );
  }
  return new PipelineError(
    'WAREHOUSE_UNAVAILABLE',
    `cannot open the DuckDB warehouse ${path}: ${message}`,
    {
      hint: 'check DUCKDB_PATH and that its folder is writable',
      cause: error,
    },
  );
}

/**
 * The folder of DUCKDB_PATH cannot be made: a part of it is a file (EEXIST/ENOTDIR), it is
 * not ours (EACCES), read-only (EROFS) or the disk is full (ENOSPC). Said with the folder.
 * A path that can never work is a bad setting (exit 2, like REPORTS_DIR's); a disk that is
 * read-only or full is the work failing (exit 1).
 */
function folderError(path: string, error: unknown): PipelineError {
  const code = (error as NodeJS.ErrnoException).code;
  const badSetting = ['EEXIST', 'ENOTDIR', 'EACCES', 'EPERM'].includes(code ?? '');
  const why =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? `a part of that path is a file, not a folder (${code})`
      : `${code ?? (error as Error).message}`;
  return new PipelineError(
    badSetting ? 'BAD_CONFIG' : 'WAREHOUSE_UNAVAILABLE',
    `cannot create the folder of the DuckDB warehouse ${path}: ${why}`,
    { hint: 'point DUCKDB_PATH at a file in a folder you can write to', cause: error },
  );
}

/** A failed RAW write whose cause is a full disk says so, with where the space is needed. */
function diskFullHint(path: string, error: unknown): string | undefined {
  if (!/No space left on device/i.test((error as Error).message ?? '')) return undefined;
  return `the disk holding ${dirname(path)} is full: free space there (or point DUCKDB_PATH at a larger disk) and run again; the failed batch was rolled back and its records are delivered again`;
}

type RunRow = {
  run_id: number;
  task_name: string;
  trigger: TaskRun['trigger'];
  scheduled_time: string;
  query_start_time: string | null;
  completed_time: string | null;
  state: TaskRun['state'];
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_quarantined: number;
  offset_from: number;
  offset_to: number;
  error_message: string | null;
};

function isoOrNull(value: string | null): string | null {
  if (value === null) return null;
  return value.includes('T')
    ? value
    : `${value.replace(' ', 'T')}${value.includes('.') ? '' : '.000'}Z`;
}

function toTaskRun(row: RunRow): TaskRun {
  return {
    runId: Number(row.run_id),
    taskName: row.task_name,
    trigger: row.trigger,
    scheduledTime: isoOrNull(row.scheduled_time) ?? '',
    queryStartTime: isoOrNull(row.query_start_time),
    completedTime: isoOrNull(row.completed_time),
    state: row.state,
    rowsRead: Number(row.rows_read),
    rowsInserted: Number(row.rows_inserted),
    rowsUpdated: Number(row.rows_updated),
    rowsQuarantined: Number(row.rows_quarantined),
    offsetFrom: Number(row.offset_from),
    offsetTo: Number(row.offset_to),
    errorMessage: row.error_message,
  };
}

export class DuckDbWarehouse implements Warehouse {
  readonly kind = 'duckdb' as const;
  readonly schedulesItsTask = false;
  private readonly writeLock = new Mutex();
  /** Next RAW ingest_seq; this process owns the file, so it can hand them out. */
  private nextSeq = 0;
  private ready = false;
  /** RAW's hot path: transactions of rows, dead letters and offsets, appended as data chunks. */
  private readonly rawStore: DuckDbRawStore;
  readonly reads = new WarehouseReads((sql, params) => this.query(sql, params), {
    // The emulated stream: RAW rows past the task's offset.
    pendingRawRows: `SELECT * FROM ${T.ordersEvents} WHERE ingest_seq > (SELECT stream_offset FROM ${T.taskState} WHERE task_name = '${TASK_NAME}')`,
    column: duckDbDialect.column,
  });

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {
    this.rawStore = new DuckDbRawStore(
      writer,
      {
        raw: () => this.appender('raw', T.ordersEvents),
        quarantine: () => this.appender('quarantine', T.quarantine),
      },
      timestamp,
      0,
    );
  }

  static async open(path: string): Promise<DuckDbWarehouse> {
    if (path !== ':memory:') {
      try {
        await mkdir(dirname(path), { recursive: true });
      } catch (error) {
        throw folderError(path, error);
      }
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path);
    } catch (error) {
      throw translateOpenError(path, error);
    }
    const writer = await instance.connect();
    const reader = await instance.connect();
    for (const c of [writer, reader]) await c.run("SET TimeZone = 'UTC'");
    // Checkpoint every 64 MB of WAL instead of 16 MB: a busy ingest spends less time
    // waiting on checkpoints. Durability is unchanged (every commit is in the WAL).
    await writer.run("SET checkpoint_threshold = '64MB'");
    // DuckDB's buffer pool defaults to 80 % of RAM; cap it so a long replay stays bounded
    // (DuckDB spills to disk past it). Not lower: at 128 MB the CPU per ingested event was the
    // same (its accounting, duckdb_memory(), reached 240–260 MB at 256 on a 1M-order run), but
    // the kill -9 case of test/pipeline-e2e.test.ts failed 3 of 3 (its live run's dashboard
    // showed RAW past the earlier run's count only after the replay: 6,200 and 7,025 rows of
    // 5,000), and passes at 256; at 64 MB the spilling cost ~1.5 µs more per event. Not
    // investigated further.
    await writer.run(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
    if (path !== ':memory:') await writeOwner(path, null);
    return new DuckDbWarehouse(path, instance, writer, reader);
  }

  describe(): string {
    return `DuckDB ${this.path}`;
  }

  async setup(): Promise<void> {
    await this.writeLock.run(async () => {
      for (const statement of DDL) await this.writer.run(statement);
      await this.loadSequence();
    });
  }

  private async loadSequence(): Promise<void> {
    const rows = (
      await this.writer.runAndReadAll(
        `SELECT coalesce(max(ingest_seq), 0) AS s FROM ${T.ordersEvents}`,
      )
    ).getRowObjectsJson();
    this.nextSeq = Number(rows[0]?.s ?? 0) + 1;
    this.ready = true;
  }

  /** Checks setup ran (tables exist), with a message that says how to fix it. */
  private async ensureReady(): Promise<void> {
    if (this.ready) return;
    const rows = (
      await this.writer.runAndReadAll(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('${T.ordersEvents}', '${T.orders}', '${T.taskState}')`,
      )
    ).getRowObjectsJson();
    if (Number(rows[0]?.n) < 3) {
      throw new PipelineError(
        'NOT_SET_UP',
        `the warehouse ${this.path} has no pipeline tables yet`,
        { hint: 'run `npx dropship setup` first' },
      );
    }
    await this.loadSequence();
  }

  private async transaction<R>(body: () => Promise<R>): Promise<R> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      const result = await body();
      await this.writer.run('COMMIT');
      return result;
    } catch (error) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async loadReferenceData(
    customers: AsyncIterable<Customer>,
    products: AsyncIterable<Product>,
  ): Promise<{ customers: number; products: number }> {
    return this.writeLock.run(async () => {
      await this.ensureReady();
      return this.transaction(async () => {
        await this.writer.run(
          `CREATE OR REPLACE TEMP TABLE customers_stage AS SELECT * FROM ${T.customers} LIMIT 0`,
        );
        await this.writer.run(
          `CREATE OR REPLACE TEMP TABLE inventory_stage AS SELECT * FROM ${T.inventory} LIMIT 0`,
        );
        let nc = 0;
        const ca = await this.writer.createAppender('customers_stage', 'main', 'temp');
        for await (const c of customers) {
          ca.appendVarchar(c.id);
          ca.appendVarchar(c.name);
          ca.appendVarchar(c.email);
          ca.appendVarchar(c.city);
          ca.appendVarchar(c.country);
          ca.endRow();
          nc++;
        }
        ca.closeSync();
        let np = 0;
        const pa = await this.writer.createAppender('inventory_stage', 'main', 'temp');
        for await (const p of products) {
          pa.appendVarchar(p.id);
          pa.appendVarchar(p.product_name);
          pa.appendVarchar(p.category);
          pa.appendDouble(p.price_cents / 100);
          pa.appendInteger(p.stock_quantity);
          // Supplier and costs (InventorySupplyColumns), NULL when unknown.
          const s = p.supply;
          if (s) {
            pa.appendVarchar(s.supplier.id);
            pa.appendVarchar(s.supplier.name);
            pa.appendVarchar(s.supplier.country);
            pa.appendInteger(s.supplier.shipping_days);
            pa.appendDouble(s.supplier_cost_cents / 100);
            pa.appendDouble(s.shipping_cost_cents / 100);
          } else for (let k = 0; k < InventorySupplyColumns.length; k++) pa.appendNull();
          // initial_stock: the file's stock, from which the task derives stock_quantity.
          pa.appendInteger(p.stock_quantity);
          pa.endRow();
          np++;
        }
        pa.closeSync();
        // Upsert by id: loading the same files twice changes nothing.
        await this.writer.run(
          `INSERT OR REPLACE INTO ${T.customers} SELECT DISTINCT ON (id) * FROM customers_stage`,
        );
        await this.writer.run(
          `INSERT OR REPLACE INTO ${T.inventory} SELECT DISTINCT ON (id) * FROM inventory_stage`,
        );
        // The upsert put the file's stock back; the orders already in PROD hold theirs.
        await this.writer.run(STOCK_RECOMPUTE);
        return { customers: nc, products: np };
      });
    });
  }

  async recordLoadedManifest(
    seedDir: string,
    manifest: Manifest,
  ): Promise<{ loaded: LoadedManifest; previous: LoadedManifest | null }> {
    return this.writeLock.run(async () => {
      await this.ensureReady();
      return recordLoadedManifest(
        () => this.loadedManifest(),
        async (sql, params) => {
          await this.writer.run(sql, bindParams(params));
        },
        seedDir,
        manifest,
      );
    });
  }

  loadedManifest(): Promise<LoadedManifest | null> {
    return readLoadedManifest(
      (sql) => this.query(sql),
      // A file set up before the table existed: `setup` (or `run`) adds it.
      (error) => error instanceof PipelineError && error.code === 'NOT_SET_UP',
    );
  }

  async ingest(batch: IngestBatch): Promise<IngestResult> {
    return this.writeLock.run(async () => {
      await this.ensureReady();
      this.rawStore.nextSeq = this.nextSeq;
      try {
        return await ingestOnce(batch, this.rawStore, ROWS_PER_TRANSACTION);
      } catch (error) {
        // Transactions committed before the failure keep their rows (and offsets). The next
        // ingest_seq is read back from RAW, right even if a COMMIT reported as failed did land;
        // if that read fails too, the next write reads it first (ensureReady).
        this.ready = false;
        await this.loadSequence().catch(() => undefined);
        // Rows appended but not flushed must not leak into the next batch.
        for (const appender of this.appenders.values()) appender.clear();
        const hint = diskFullHint(this.path, error);
        throw new PipelineError(
          'WAREHOUSE_QUERY',
          `writing a batch to RAW failed: ${(error as Error).message}`,
          { transient: true, cause: error, ...(hint ? { hint } : {}) },
        );
      } finally {
        if (this.ready) this.nextSeq = this.rawStore.nextSeq;
      }
    });
  }

  /**
   * One appender per table for the life of the warehouse. A flush lands in the transaction in
   * progress. Creating one per batch would leave each one's native buffers (~1 MB) to the
   * garbage collector, which does not see them: memory grew to ~1 GB at 1M events.
   */
  private readonly appenders = new Map<string, DuckDBAppender>();

  private async appender(name: 'raw' | 'quarantine', table: string): Promise<DuckDBAppender> {
    let appender = this.appenders.get(name);
    if (!appender) {
      appender = await this.writer.createAppender(table);
      this.appenders.set(name, appender);
    }
    return appender;
  }

  async storedOffsets(consumerGroup: string, topic: string): Promise<Map<number, bigint>> {
    const rows = await this.query<{ p: number; o: string }>(
      `SELECT "partition" AS p, next_offset AS o FROM ${T.busOffsets} WHERE consumer_group = $g AND topic = $t`,
      { g: consumerGroup, t: topic },
    );
    return new Map(rows.map((r) => [Number(r.p), BigInt(r.o)]));
  }

  async engineMemoryBytes(): Promise<number> {
    const [row] = await this.query<{ bytes: string | number | null }>(
      'SELECT sum(memory_usage_bytes) AS bytes FROM duckdb_memory()',
    );
    return Number(row?.bytes ?? 0);
  }

  async streamBacklog(): Promise<number> {
    return this.reads.pendingRawRows();
  }

  async taskSummary(): Promise<TaskSummary> {
    const [state] = await this.query<{ suspended: boolean }>(
      `SELECT suspended FROM ${T.taskState} WHERE task_name = $task`,
      { task: TASK_NAME },
    );
    const runs = await this.query<{ state: TaskState; n: number }>(
      `SELECT state, count(*) AS n FROM ${T.taskHistory} WHERE task_name = $task GROUP BY state`,
      { task: TASK_NAME },
    );
    return {
      suspended: state ? Boolean(state.suspended) : null,
      runs: Object.fromEntries(runs.map((r) => [r.state, Number(r.n)])),
    };
  }

  /**
   * A statement on the writer connection, between the pipeline's writes (tools and tests:
   * e.g. a test that makes the task fail from outside).
   */
  async execute(sql: string): Promise<void> {
    await this.writeLock.run(async () => {
      await this.writer.run(sql);
    });
  }

  async runTask(options: TaskRunOptions = {}): Promise<TaskRun> {
    return this.writeLock.run(async () => {
      await this.ensureReady();
      const scheduled = options.scheduledTime ?? new Date();
      const trigger = options.trigger ?? 'manual';
      const started = new Date();
      const runIdRows = (
        await this.writer.runAndReadAll(
          `SELECT coalesce(max(run_id), 0) + 1 AS id FROM ${T.taskHistory}`,
        )
      ).getRowObjectsJson();
      const runId = Number(runIdRows[0]?.id ?? 1);
      const stateRows = (
        await this.writer.runAndReadAll(
          `SELECT stream_offset AS o, suspended AS s FROM ${T.taskState} WHERE task_name = $task`,
          { task: TASK_NAME },
        )
      ).getRowObjectsJson();
      const from = Number(stateRows[0]?.o ?? 0);
      const base: TaskRun = {
        runId,
        taskName: TASK_NAME,
        trigger,
        scheduledTime: scheduled.toISOString(),
        queryStartTime: started.toISOString(),
        completedTime: null,
        state: 'EXECUTING',
        rowsRead: 0,
        rowsInserted: 0,
        rowsUpdated: 0,
        rowsQuarantined: 0,
        offsetFrom: from,
        offsetTo: from,
        errorMessage: null,
      };
      let run: TaskRun;
      try {
        run = await this.transaction(async () => {
          // The stream's snapshot: everything committed to RAW after our offset, up to now.
          const range = (
            await this.writer.runAndReadAll(
              `SELECT coalesce(max(ingest_seq), $from) AS to_seq, count(*) AS n FROM ${T.ordersEvents} WHERE ingest_seq > $from`,
              { from },
            )
          ).getRowObjectsJson();
          const to = Number(range[0]?.to_seq ?? from);
          const rowsRead = Number(range[0]?.n ?? 0);
          if (rowsRead === 0) {
            // SYSTEM$STREAM_HAS_DATA is false: the run is skipped, nothing is merged.
            const skipped: TaskRun = {
              ...base,
              state: 'SKIPPED',
              completedTime: new Date().toISOString(),
            };
            await this.recordRun(skipped);
            return skipped;
          }
          const now = timestamp(Date.now());
          await this.writer.run(TASK_SOURCE, { from, to });
          const quarantinedResult = await this.writer.run(TASK_QUARANTINE, { now });
          // Inserted = growth of PROD (two counts: a scan of no column, far cheaper than the
          // join that counted them before); the MERGE's changed rows are inserted + updated.
          const ordersBefore = await this.countOrders();
          const merged = await this.writer.run(TASK_MERGE, { now });
          const inserted = (await this.countOrders()) - ordersBefore;
          // Then the lifecycle steps, on the orders now in PROD (lifecycle-sql.ts).
          const lifecycleQuarantined = await this.writer.run(TASK_LIFECYCLE.quarantine, {
            now,
            from,
            to,
          });
          const stepped = await this.writer.run(TASK_LIFECYCLE.merge, { now, from, to });
          // Then the stock of the products those orders hold (domain/stock.ts).
          await this.writer.run(TASK_STOCK, { from, to });
          await this.writer.run(
            `UPDATE ${T.taskState} SET stream_offset = $to, updated_at = $now WHERE task_name = $task`,
            { to, now, task: TASK_NAME },
          );
          const done: TaskRun = {
            ...base,
            state: 'SUCCEEDED',
            completedTime: new Date().toISOString(),
            rowsRead,
            rowsInserted: inserted,
            rowsUpdated: Number(merged.rowsChanged) - inserted + Number(stepped.rowsChanged),
            rowsQuarantined:
              Number(quarantinedResult.rowsChanged) + Number(lifecycleQuarantined.rowsChanged),
            offsetTo: to,
          };
          await this.recordRun(done);
          await this.writer.run('DROP TABLE IF EXISTS task_source');
          return done;
        });
      } catch (error) {
        // The transaction rolled back: PROD and the stream offset are as before this run.
        run = {
          ...base,
          state: 'FAILED',
          completedTime: new Date().toISOString(),
          errorMessage: (error as Error).message.slice(0, 1000),
        };
        await this.recordRun(run);
      }
      return run;
    });
  }

  private async countOrders(): Promise<number> {
    const rows = (
      await this.writer.runAndReadAll(`SELECT count(*) AS n FROM ${T.orders}`)
    ).getRowObjectsJson();
    return Number(rows[0]?.n ?? 0);
  }

  private async recordRun(run: TaskRun): Promise<void> {
    await this.writer.run(
      `INSERT INTO ${T.taskHistory} VALUES ($id, $task, $trigger, $scheduled, $started, $completed, $state, $read, $ins, $upd, $quar, $from, $to, $err)`,
      {
        id: run.runId,
        task: run.taskName,
        trigger: run.trigger,
        scheduled: timestamp(Date.parse(run.scheduledTime)),
        started: run.queryStartTime ? timestamp(Date.parse(run.queryStartTime)) : null,
        completed: run.completedTime ? timestamp(Date.parse(run.completedTime)) : null,
        state: run.state,
        read: run.rowsRead,
        ins: run.rowsInserted,
        upd: run.rowsUpdated,
        quar: run.rowsQuarantined,
        from: run.offsetFrom,
        to: run.offsetTo,
        err: run.errorMessage,
      },
    );
  }

  async taskHistory(limit = 20): Promise<TaskRun[]> {
    const rows = await this.query<RunRow>(
      `SELECT run_id, task_name, trigger, strftime(scheduled_time, '%Y-%m-%dT%H:%M:%S.%gZ') AS scheduled_time,
              strftime(query_start_time, '%Y-%m-%dT%H:%M:%S.%gZ') AS query_start_time,
              strftime(completed_time, '%Y-%m-%dT%H:%M:%S.%gZ') AS completed_time,
              state, rows_read, rows_inserted, rows_updated, rows_quarantined, offset_from, offset_to, error_message
       FROM ${T.taskHistory} ORDER BY run_id DESC LIMIT $limit`,
      { limit },
    );
    return rows.map(toTaskRun);
  }

  /** The tables, and the emulated stream and task (objects.ts). */
  checkObjects(): Promise<WarehouseCheck[]> {
    return checkDuckDbObjects(
      (sql, params) => this.query(sql, params),
      () => this.reads.pendingRawRows(),
    );
  }

  async query<R = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<R[]> {
    try {
      const reader = await this.reader.runAndReadAll(sql, bindParams(params));
      return reader.getRowObjectsJson() as R[];
    } catch (error) {
      const message = (error as Error).message;
      if (/Table with name .* does not exist/.test(message)) {
        throw new PipelineError(
          'NOT_SET_UP',
          `the warehouse ${this.path} is not set up: ${message.split('\n')[0]}`,
          { hint: 'run `npx dropship setup` first', cause: error },
        );
      }
      throw new PipelineError('WAREHOUSE_QUERY', `query failed: ${message.split('\n')[0]}`, {
        cause: error,
      });
    }
  }

  /** Recorded next to the file: a process the lock turns away is told this address. */
  async recordDashboardUrl(url: string | null): Promise<void> {
    if (this.path !== ':memory:') await writeOwner(this.path, url);
  }

  async close(): Promise<void> {
    await this.writeLock.run(async () => {
      for (const appender of this.appenders.values()) appender.closeSync();
      this.appenders.clear();
      this.writer.closeSync();
      this.reader.closeSync();
      this.instance.closeSync();
      if (this.path !== ':memory:') await removeOwner(this.path);
    });
  }
}
