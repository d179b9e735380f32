/**
 * Snowflake dialect of the warehouse objects. The objects themselves are created by the scripts
 * in snowflake/ (01–03, run by `dropship setup` with the SNOW_* names substituted); this file
 * holds the type names for the one definition of the columns (domain/table-columns.ts, which
 * snowflake/02_create_tables.sql must match: a test compares them) and the statements the
 * adapter runs itself.
 */
import { QuarantineTable, RawTable } from '../../domain/table-columns.ts';
import { Tables as T } from '../../domain/tables.ts';
import type { DdlDialect } from '../ddl.ts';
import { lifecycleStatements, stockStatement } from '../lifecycle-sql.ts';

/**
 * `partition` and `offset` are words of Snowflake's grammar: quoted, in upper case, so that an
 * unquoted reference (which Snowflake upper-cases) finds the same column.
 */
export const snowflakeDialect: DdlDialect = {
  types: {
    text: 'VARCHAR',
    json: 'VARIANT',
    timestamp: 'TIMESTAMP_NTZ',
    int32: 'INTEGER',
    int64: 'BIGINT',
    money: 'NUMBER(12, 2)',
  },
  column: (name) => (name === 'partition' || name === 'offset' ? `"${name.toUpperCase()}"` : name),
};

/**
 * The stream the MERGE task consumes, and the one the quarantine task consumes; and the two
 * the lifecycle tasks consume (each task its own stream: a task's statement moves its offset).
 */
export const STREAMS = {
  merge: 'orders_stream',
  quarantine: 'orders_quarantine_stream',
  lifecycleMerge: 'orders_lifecycle_stream',
  lifecycleQuarantine: 'orders_lifecycle_quarantine_stream',
  stock: 'orders_stock_stream',
} as const;

/** The lifecycle tasks (../lifecycle-sql.ts), run after the MERGE of the creations. */
export const LIFECYCLE_TASKS = {
  quarantine: 'quarantine_lifecycle_task',
  merge: 'merge_lifecycle_task',
  stock: 'stock_task',
} as const;

/** The task that quarantines orders with unknown references (the MERGE task is TASK_NAME). */
export const QUARANTINE_TASK = 'quarantine_orders_task';

const column = snowflakeDialect.column;

/**
 * RAW rows of one transaction, in one statement with array binds. `INSERT … SELECT` because
 * Snowflake refuses PARSE_JSON inside VALUES; timestamps are bound as UTC text.
 */
export const INSERT_RAW = `INSERT INTO ${T.ordersEvents} (${RawTable.columns.map((c) => column(c.name)).join(', ')})
  SELECT ${RawTable.columns.map((c) => (c.type === 'json' ? 'PARSE_JSON(?)' : c.type === 'timestamp' ? 'TO_TIMESTAMP_NTZ(?)' : '?')).join(', ')}`;

export const INSERT_QUARANTINE = `INSERT INTO ${T.quarantine} (${QuarantineTable.columns.map((c) => column(c.name)).join(', ')})
  SELECT ${QuarantineTable.columns.map((c) => (c.type === 'timestamp' ? 'TO_TIMESTAMP_NTZ(?)' : '?')).join(', ')}`;

/**
 * The offsets are a log: each transaction appends its partitions' next offsets and the highest
 * one counts. An upsert would update rows that a killed consumer's open transaction still
 * locks (Snowflake aborts it only when that session expires); inserts never wait on it.
 */
export const APPEND_OFFSET = `INSERT INTO ${T.busOffsets} (consumer_group, topic, ${column('partition')}, next_offset, updated_at)
  SELECT ?, ?, ?, ?, TO_TIMESTAMP_NTZ(?)`;

export const STORED_OFFSETS = `SELECT topic, ${column('partition')} AS p, max(next_offset) AS o, count(*) AS n
  FROM ${T.busOffsets} WHERE consumer_group = ? GROUP BY topic, ${column('partition')}`;

/** Drops the log's rows below each partition's highest offset (they no longer count). */
export const COMPACT_OFFSETS = `DELETE FROM ${T.busOffsets} o
  WHERE consumer_group = ? AND next_offset < (
    SELECT max(m.next_offset) FROM ${T.busOffsets} m
    WHERE m.consumer_group = o.consumer_group AND m.topic = o.topic AND m.${column('partition')} = o.${column('partition')})`;

/** The lifecycle statements on Snowflake: each reads its own stream (VARIANT payload). */
export const LIFECYCLE = lifecycleStatements({
  payloadText: (field) => `e.payload:${field}::VARCHAR`,
  newRaw: (statement) =>
    `${statement === 'merge' ? STREAMS.lifecycleMerge : STREAMS.lifecycleQuarantine} e`,
  storedOrder: `e.ingested_at, e.topic, e.${column('partition')}, e.${column('offset')}`,
  sourceExtra: ', LEFT(TO_JSON(e.payload), 10000) AS raw_text',
  rawValue: 's.raw_text',
  quarantineExtra: { columns: '', values: '' },
  now: 'CURRENT_TIMESTAMP()::TIMESTAMP_NTZ',
  column,
});

/** The stock statement on Snowflake: the products of the orders its own stream names. */
export const STOCK = stockStatement(`${STREAMS.stock} e`);

/**
 * The lifecycle's streams and tasks, created by `dropship setup` after snowflake/03 (their
 * statements are lifecycle-sql.ts's, the one definition both warehouses run). Not scheduled
 * on their own: they must follow the creations' MERGE (an order's steps need its row), which
 * `runTask` does with EXECUTE TASK in that order.
 */
export function lifecycleObjectsSql(warehouse: string): string[] {
  const task = (name: string, stream: string, body: string) =>
    `CREATE OR REPLACE TASK ${name}
  WAREHOUSE = ${warehouse}
WHEN SYSTEM$STREAM_HAS_DATA('${stream.toUpperCase()}')
AS
${body}`;
  return [
    `CREATE STREAM IF NOT EXISTS ${STREAMS.lifecycleMerge} ON TABLE ${T.ordersEvents}`,
    `CREATE STREAM IF NOT EXISTS ${STREAMS.lifecycleQuarantine} ON TABLE ${T.ordersEvents}`,
    task(LIFECYCLE_TASKS.quarantine, STREAMS.lifecycleQuarantine, LIFECYCLE.quarantine),
    task(LIFECYCLE_TASKS.merge, STREAMS.lifecycleMerge, LIFECYCLE.merge),
    `CREATE STREAM IF NOT EXISTS ${STREAMS.stock} ON TABLE ${T.ordersEvents}`,
    task(LIFECYCLE_TASKS.stock, STREAMS.stock, STOCK),
  ];
}
