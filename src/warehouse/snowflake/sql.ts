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

/** The stream the MERGE task consumes, and the one the quarantine task consumes. */
export const STREAMS = {
  merge: 'orders_stream',
  quarantine: 'orders_quarantine_stream',
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

/** One partition's next offset, never moved backwards. */
export const MERGE_OFFSET = `MERGE INTO ${T.busOffsets} t
  USING (SELECT ? AS consumer_group, ? AS topic, ? AS p, ? AS next_offset, TO_TIMESTAMP_NTZ(?) AS updated_at) s
  ON t.consumer_group = s.consumer_group AND t.topic = s.topic AND t.${column('partition')} = s.p
  WHEN MATCHED THEN UPDATE SET next_offset = GREATEST(t.next_offset, s.next_offset), updated_at = s.updated_at
  WHEN NOT MATCHED THEN INSERT (consumer_group, topic, ${column('partition')}, next_offset, updated_at)
    VALUES (s.consumer_group, s.topic, s.p, s.next_offset, s.updated_at)`;

export const STORED_OFFSETS = `SELECT topic, ${column('partition')} AS p, next_offset AS o FROM ${T.busOffsets} WHERE consumer_group = ?`;
