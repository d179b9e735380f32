/**
 * The production warehouse: Snowflake, through `snowflake-sdk` (loaded only when
 * WAREHOUSE=snowflake). The objects are the scripts of snowflake/ (setup runs them with the
 * SNOW_* names); RAW ingest goes through the shared once-only ingest with Snowflake's
 * primitives (raw-writer.ts); the task is Snowflake's own: a stream and a task, run by
 * EXECUTE TASK and read back from TASK_HISTORY.
 *
 * Unlike DuckDB, no process owns anything: every stage (consume, task, monitor, validate)
 * can be a separate process on its own connection.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { WarehouseConfig } from '../../config/config.ts';
import type { Customer, Product } from '../../domain/entities.ts';
import { centsToDecimal } from '../../domain/entities.ts';
import { CustomersTable, InventoryTable, type TableDef } from '../../domain/table-columns.ts';
import { TASK_NAME, Tables as T } from '../../domain/tables.ts';
import { PipelineError } from '../../errors.ts';
import { sleep } from '../../pipeline/retry.ts';
import { ingestOnce } from '../once-only-ingest.ts';
import { WarehouseReads } from '../reads.ts';
import type { Manifest } from '../../domain/manifest.ts';
import { STOCK_RECOMPUTE } from '../lifecycle-sql.ts';
import { readLoadedManifest, recordLoadedManifest } from '../loaded-manifest.ts';
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
import { SnowflakeConnection } from './connection.ts';
import { checkSnowflakeObjects } from './objects.ts';
import { ROWS_PER_TRANSACTION, SnowflakeRawStore, ntzFromMs } from './raw-writer.ts';
import { splitStatements, substituteNames } from './sql-script.ts';
import {
  LIFECYCLE_TASKS,
  QUARANTINE_TASK,
  STREAMS,
  lifecycleObjectsSql,
  snowflakeDialect,
} from './sql.ts';

type SnowflakeConfig = Extract<WarehouseConfig, { kind: 'snowflake' }>;

/** The setup scripts, in order (repository root `snowflake/`). */
export const SETUP_SCRIPTS = [
  '01_create_warehouse_db_schemas.sql',
  '02_create_tables.sql',
  '03_create_stream_and_task.sql',
] as const;

export const SCRIPTS_DIR = fileURLToPath(new URL('../../../snowflake/', import.meta.url));

/** Rows per INSERT when loading customers and inventory. */
const REFERENCE_ROWS = 10_000;

/** How long `task run` waits for a run started by EXECUTE TASK to complete. */
const TASK_WAIT_MS = 15 * 60_000;

const COMPLETED = new Set<TaskState>(['SUCCEEDED', 'FAILED', 'SKIPPED']);

/** `$name` binds → Snowflake's positional `?`, outside quotes; values in order. */
export function positionalBinds(
  sql: string,
  params: SqlParams = {},
): { sql: string; binds: (string | number | boolean | null)[] } {
  const binds: (string | number | boolean | null)[] = [];
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
      continue;
    }
    // `$name` after a non-word character (SYSTEM$STREAM_HAS_DATA is a name, not a bind).
    const name =
      ch === '$' && !/\w/.test(sql[i - 1] ?? '')
        ? /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))?.[0]
        : undefined;
    if (!name) {
      out += ch;
      continue;
    }
    if (!(name in params)) throw new Error(`no value for $${name}`);
    const value = params[name];
    binds.push(value instanceof Date ? ntzFromMs(value.getTime()) : (value ?? null));
    out += '?';
    i += name.length;
  }
  return { sql: out, binds };
}

function stagingTable(table: TableDef): string {
  return `${table.name}_stage`;
}

export class SnowflakeWarehouse implements Warehouse {
  readonly kind = 'snowflake' as const;
  readonly schedulesItsTask = true;
  private readonly rawStore: SnowflakeRawStore;
  readonly reads: WarehouseReads;

  private constructor(
    private readonly config: SnowflakeConfig,
    private readonly connection: SnowflakeConnection,
  ) {
    this.rawStore = new SnowflakeRawStore(connection);
    this.reads = new WarehouseReads((sql, params) => this.query(sql, params), {
      // The stream's rows: a SELECT reads them without moving its offset.
      pendingRawRows: `SELECT * FROM ${STREAMS.merge}`,
      column: snowflakeDialect.column,
    });
  }

  static async open(config: SnowflakeConfig): Promise<SnowflakeWarehouse> {
    const connection = await SnowflakeConnection.open(config);
    // Timestamps are UTC without a zone (TIMESTAMP_NTZ): CURRENT_TIMESTAMP() must be UTC too.
    await connection.execute("ALTER SESSION SET TIMEZONE = 'UTC'").catch(async (error: unknown) => {
      await connection.close();
      throw error;
    });
    return new SnowflakeWarehouse(config, connection);
  }

  describe(): string {
    const where = this.config.accessUrl ?? `${this.config.account}.snowflakecomputing.com`;
    return `Snowflake ${this.config.database}.${this.config.schema} (${where}, warehouse ${this.config.warehouse})`;
  }

  /** Runs snowflake/01–03 statement by statement, with the SNOW_* names. Idempotent. */
  async setup(): Promise<void> {
    const names = {
      database: this.config.database,
      schema: this.config.schema,
      warehouse: this.config.warehouse,
    };
    for (const file of SETUP_SCRIPTS) {
      const source = `snowflake/${file}`;
      const text = substituteNames(await readFile(`${SCRIPTS_DIR}${file}`, 'utf8'), names, source);
      for (const statement of splitStatements(text, source)) {
        try {
          await this.connection.execute(statement.sql);
        } catch (error) {
          const message = (error as Error).message.split('\n')[0];
          throw new PipelineError(
            error instanceof PipelineError && error.code === 'BAD_CONFIG'
              ? 'BAD_CONFIG'
              : 'WAREHOUSE_QUERY',
            `snowflake/${file}:${statement.line}: ${message}`,
            {
              hint:
                file === SETUP_SCRIPTS[0]
                  ? `SNOW_ROLE (${this.config.role}) may lack the right to create warehouse ${this.config.warehouse} or database ${this.config.database}: create them with an administrator, or use a role that may`
                  : 'fix the statement or the SNOW_* settings and run `npx dropship setup` again (it is idempotent)',
              cause: error,
            },
          );
        }
      }
    }
    for (const sql of lifecycleObjectsSql(this.config.warehouse)) {
      try {
        await this.connection.execute(sql);
      } catch (error) {
        throw new PipelineError(
          'WAREHOUSE_QUERY',
          `lifecycle task setup (src/warehouse/lifecycle-sql.ts): ${(error as Error).message.split('\n')[0]}`,
          {
            hint: 'run `npx dropship setup` again (it is idempotent); the role needs CREATE TASK and CREATE STREAM on the schema',
            cause: error,
          },
        );
      }
    }
  }

  async loadReferenceData(
    customers: AsyncIterable<Customer>,
    products: AsyncIterable<Product>,
  ): Promise<{ customers: number; products: number }> {
    const nc = await this.upsert(CustomersTable, customers, (c) => [
      c.id,
      c.name,
      c.email,
      c.city,
      c.country,
    ]);
    const np = await this.upsert(InventoryTable, products, (p) => [
      p.id,
      p.product_name,
      p.category,
      centsToDecimal(p.price_cents),
      p.stock_quantity,
      // Supplier and costs (InventorySupplyColumns), NULL when unknown.
      p.supply?.supplier.id ?? null,
      p.supply?.supplier.name ?? null,
      p.supply?.supplier.country ?? null,
      p.supply?.supplier.shipping_days ?? null,
      p.supply ? centsToDecimal(p.supply.supplier_cost_cents) : null,
      p.supply ? centsToDecimal(p.supply.shipping_cost_cents) : null,
      // initial_stock: the file's stock, from which the task derives stock_quantity.
      p.stock_quantity,
    ]);
    // The upsert put the file's stock back; the orders already in PROD hold theirs.
    await this.connection.execute(STOCK_RECOMPUTE);
    return { customers: nc, products: np };
  }

  /** Upserts by id through a temporary staging table: loading the same files twice changes nothing. */
  private async upsert<E>(
    table: TableDef,
    items: AsyncIterable<E>,
    row: (item: E) => (string | number | null)[],
  ): Promise<number> {
    const stage = stagingTable(table);
    const columns = table.columns.map((c) => c.name);
    await this.connection.execute(
      `CREATE OR REPLACE TEMPORARY TABLE ${stage} (${table.columns
        .map((c) => `${c.name} ${snowflakeDialect.types[c.type]}`)
        .join(', ')})`,
    );
    const insert = `INSERT INTO ${stage} (${columns.join(', ')}) SELECT ${columns.map(() => '?').join(', ')}`;
    let rows: (string | number | null)[][] = [];
    let n = 0;
    for await (const item of items) {
      rows.push(row(item));
      n++;
      if (rows.length === REFERENCE_ROWS) {
        await this.connection.execute(insert, rows);
        rows = [];
      }
    }
    if (rows.length > 0) await this.connection.execute(insert, rows);
    const others = columns.filter((c) => c !== 'id');
    await this.connection.execute(
      `MERGE INTO ${table.name} t
       USING (SELECT * FROM ${stage} QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY id) = 1) s
       ON t.id = s.id
       WHEN MATCHED THEN UPDATE SET ${others.map((c) => `${c} = s.${c}`).join(', ')}
       WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `s.${c}`).join(', ')})`,
    );
    await this.connection.execute(`DROP TABLE IF EXISTS ${stage}`);
    return n;
  }

  recordLoadedManifest(
    seedDir: string,
    manifest: Manifest,
  ): Promise<{ loaded: LoadedManifest; previous: LoadedManifest | null }> {
    return recordLoadedManifest(
      () => this.loadedManifest(),
      (sql, params) => this.query(sql, params),
      seedDir,
      manifest,
    );
  }

  loadedManifest(): Promise<LoadedManifest | null> {
    return readLoadedManifest(
      (sql) => this.query(sql),
      // A schema set up before the table existed (`setup` adds it): Snowflake's compilation
      // error for an unknown object.
      (error) =>
        /seed_manifest.*does not exist|does not exist.*seed_manifest/i.test(errorText(error)),
    );
  }

  async ingest(batch: IngestBatch): Promise<IngestResult> {
    try {
      return await ingestOnce(batch, this.rawStore, ROWS_PER_TRANSACTION);
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw new PipelineError(
        'WAREHOUSE_QUERY',
        `writing a batch to RAW failed: ${(error as Error).message}`,
        { transient: true, cause: error },
      );
    }
  }

  async storedOffsets(consumerGroup: string, topic: string): Promise<Map<number, bigint>> {
    const rows = await this.query<{ p: string; o: string }>(
      `SELECT ${snowflakeDialect.column('partition')} AS p, next_offset AS o FROM ${T.busOffsets} WHERE consumer_group = $g AND topic = $t`,
      { g: consumerGroup, t: topic },
    );
    return new Map(rows.map((r) => [Number(r.p), BigInt(r.o)]));
  }

  async engineMemoryBytes(): Promise<null> {
    return null; // Snowflake's compute is not in this process
  }

  async streamBacklog(): Promise<number> {
    return this.reads.pendingRawRows();
  }

  /**
   * EXECUTE TASK on the quarantine task, then on the MERGE task, and waits for both runs in
   * TASK_HISTORY (Snowflake starts them asynchronously). TASK_HISTORY records no row counts:
   * they are measured around the run (a scheduled run at the same moment would be counted too).
   */
  async runTask(options: TaskRunOptions = {}): Promise<TaskRun> {
    const [clock] = await this.query<{ now: string }>(
      'SELECT CURRENT_TIMESTAMP()::TIMESTAMP_NTZ AS now',
    );
    // Runs scheduled from a second before the server's clock: the history's times are its own.
    const since = Date.parse(isoOf(clock?.now) ?? new Date().toISOString()) - 1000;
    const before = await this.measure(new Date(since + 1000));
    await this.connection.execute(`EXECUTE TASK ${QUARANTINE_TASK}`);
    await this.connection.execute(`EXECUTE TASK ${TASK_NAME}`);
    const quarantineRun = await this.awaitRun(QUARANTINE_TASK, since, options);
    const run = {
      ...(await this.awaitRun(TASK_NAME, since, options)),
      trigger: options.trigger ?? 'manual',
    };
    // The lifecycle steps, once the creations are in PROD (their orders must be known).
    await this.connection.execute(`EXECUTE TASK ${LIFECYCLE_TASKS.quarantine}`);
    await this.connection.execute(`EXECUTE TASK ${LIFECYCLE_TASKS.merge}`);
    const lifecycleRuns = [
      await this.awaitRun(LIFECYCLE_TASKS.quarantine, since, options),
      await this.awaitRun(LIFECYCLE_TASKS.merge, since, options),
    ];
    // The stock, once the steps are applied (it reads the orders' statuses).
    await this.connection.execute(`EXECUTE TASK ${LIFECYCLE_TASKS.stock}`);
    lifecycleRuns.push(await this.awaitRun(LIFECYCLE_TASKS.stock, since, options));
    const lifecycleFailed = lifecycleRuns.find((r) => r.state === 'FAILED');
    if (run.state === 'SKIPPED' && lifecycleRuns.every((r) => r.state === 'SKIPPED'))
      return { ...run, rowsRead: 0, rowsInserted: 0, rowsUpdated: 0, rowsQuarantined: 0 };
    if (lifecycleFailed && run.state !== 'FAILED')
      return {
        ...run,
        state: 'FAILED',
        errorMessage: `${lifecycleFailed.taskName}: ${lifecycleFailed.errorMessage ?? 'failed'}`,
      };
    const after = run.state === 'SUCCEEDED' ? await this.measure(new Date(since + 1000)) : null;
    const counted: TaskRun =
      before && after
        ? {
            ...run,
            rowsRead: before.pending,
            rowsInserted: after.prod - before.prod,
            rowsUpdated: Math.max(0, after.changed - (after.prod - before.prod)),
            rowsQuarantined: after.quarantined - before.quarantined,
          }
        : run;
    if (quarantineRun.state === 'FAILED' && counted.state !== 'FAILED') {
      // Its rows stay in its stream for the next run: nothing is lost, but the run is not clean.
      return {
        ...counted,
        state: 'FAILED',
        errorMessage: `${QUARANTINE_TASK}: ${quarantineRun.errorMessage ?? 'failed'}`,
      };
    }
    return counted;
  }

  /**
   * The counts around a run (TASK_HISTORY records none); null when they cannot be read, e.g.
   * PROD is unavailable, which the task's own run will report. A scheduled run at the same
   * moment would be counted too.
   */
  private async measure(
    since: Date,
  ): Promise<{ pending: number; prod: number; quarantined: number; changed: number } | null> {
    try {
      const [row] = await this.query<
        Record<'pending' | 'prod' | 'quarantined' | 'changed', string>
      >(
        `SELECT (SELECT count(*) FROM ${STREAMS.merge}) AS pending, (SELECT count(*) FROM ${T.orders}) AS prod,
                (SELECT count(*) FROM ${T.quarantine} WHERE stage = 'task') AS quarantined,
                (SELECT count(*) FROM ${T.orders} WHERE merged_at >= $since) AS changed`,
        { since },
      );
      return {
        pending: Number(row?.pending ?? 0),
        prod: Number(row?.prod ?? 0),
        quarantined: Number(row?.quarantined ?? 0),
        changed: Number(row?.changed ?? 0),
      };
    } catch {
      return null;
    }
  }

  /** The run of `task` started by EXECUTE TASK after `sinceMs`, once completed. */
  private async awaitRun(task: string, sinceMs: number, options: TaskRunOptions): Promise<TaskRun> {
    const started = Date.now();
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      const runs = await this.history(task, 10);
      const run = runs.find(
        (r) =>
          r.trigger === 'manual' &&
          COMPLETED.has(r.state) &&
          Date.parse(r.scheduledTime) >= sinceMs,
      );
      if (run) return run;
      const waited = Date.now() - started;
      if (waited > TASK_WAIT_MS)
        throw new PipelineError(
          'WAREHOUSE_UNAVAILABLE',
          `task ${task} started by EXECUTE TASK has not completed after ${Math.round(waited / 60_000)} min`,
          {
            hint: `see TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '${task.toUpperCase()}')) and the warehouse ${this.config.warehouse}`,
            transient: true,
          },
        );
      options.onWait?.(waited);
      await sleep(delay);
    }
  }

  private async history(task: string, limit: number): Promise<TaskRun[]> {
    const rows = await this.query<Record<string, string | null>>(
      `SELECT run_id, name, state, scheduled_time, query_start_time, completed_time, error_message, scheduled_from
       FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => $task, RESULT_LIMIT => ${Math.trunc(limit)}))
       WHERE database_name = $db AND schema_name = $schema
       ORDER BY scheduled_time DESC`,
      {
        task: task.toUpperCase(),
        db: this.config.database.toUpperCase(),
        schema: this.config.schema.toUpperCase(),
      },
    );
    return rows.map((r) => ({
      runId: Number(r.run_id ?? 0),
      taskName: String(r.name ?? task).toLowerCase(),
      trigger: r.scheduled_from === 'EXECUTE TASK' ? 'manual' : 'schedule',
      scheduledTime: isoOf(r.scheduled_time) ?? '',
      queryStartTime: isoOf(r.query_start_time),
      completedTime: isoOf(r.completed_time),
      state: String(r.state) as TaskState,
      rowsRead: null,
      rowsInserted: null,
      rowsUpdated: null,
      rowsQuarantined: null,
      offsetFrom: null,
      offsetTo: null,
      errorMessage: r.error_message ?? null,
    }));
  }

  /** TASK_HISTORY of the MERGE task, latest first (SCHEDULED rows are upcoming runs). */
  async taskHistory(limit = 20): Promise<TaskRun[]> {
    return this.history(TASK_NAME, limit);
  }

  async taskSummary(): Promise<TaskSummary> {
    const runs = await this.history(TASK_NAME, 10_000);
    const counts: Partial<Record<TaskState, number>> = {};
    for (const r of runs) counts[r.state] = (counts[r.state] ?? 0) + 1;
    return { suspended: await this.suspended(), runs: counts };
  }

  /** From SHOW TASKS; null where it cannot be read (the local emulator has no SHOW TASKS). */
  private async suspended(): Promise<boolean | null> {
    try {
      const { rows } = await this.connection.execute<{ state?: string }>(
        `SHOW TASKS LIKE '${TASK_NAME.toUpperCase()}'`,
      );
      const state = rows[0]?.state;
      return state === undefined ? null : state.toLowerCase() === 'suspended';
    } catch {
      return null;
    }
  }

  /** Role, warehouse, database, schema, tables, streams and tasks (objects.ts). */
  checkObjects(): Promise<WarehouseCheck[]> {
    return checkSnowflakeObjects(this.connection, this.config);
  }

  async query<R = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<R[]> {
    const { sql: text, binds } = positionalBinds(sql, params);
    return (await this.connection.execute<R>(text, binds)).rows;
  }

  /** Any statement (tools and tests: e.g. a test that makes the task fail from outside). */
  async execute(sql: string): Promise<void> {
    await this.connection.execute(sql);
  }

  /** No process owns a Snowflake schema: nobody needs to be told where a dashboard runs. */
  async recordDashboardUrl(): Promise<void> {}

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Snowflake's timestamp text (`2026-12-02 18:10:03.228 +0000` or without zone, UTC) → ISO. */
function isoOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!m) return null;
  const zone = !m[3] || m[3] === 'Z' ? 'Z' : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export async function openSnowflakeWarehouse(config: SnowflakeConfig): Promise<Warehouse> {
  return SnowflakeWarehouse.open(config);
}
