/**
 * CREATE TABLE statements from the one definition of the columns (domain/table-columns.ts).
 * Each adapter supplies its dialect: type names and how it quotes the column names that are
 * keywords (`partition`, `offset`).
 */
import type { ColumnDef, ColumnType, TableDef } from '../domain/table-columns.ts';

export interface DdlDialect {
  types: Record<ColumnType, string>;
  /** A column name as this dialect writes it. */
  column(name: string): string;
}

export interface TableOptions {
  /** Dialect-only columns before the shared ones, as DDL lines (DuckDB's ingest_seq). */
  leading?: string[];
  /** Dialect-only columns after the shared ones. */
  trailing?: string[];
  /** Written after a column's type (`USING COMPRESSION fsst`). */
  columnOptions?: Record<string, string>;
  /** A primary key this dialect declares besides the table's own. */
  primaryKey?: readonly string[];
}

export function columnDdl(c: ColumnDef, dialect: DdlDialect, options: TableOptions = {}): string {
  const extra = options.columnOptions?.[c.name];
  return [dialect.column(c.name), dialect.types[c.type], extra, c.nullable ? null : 'NOT NULL']
    .filter(Boolean)
    .join(' ');
}

export function createTableSql(
  table: TableDef,
  dialect: DdlDialect,
  options: TableOptions = {},
): string {
  const lines = [
    ...(options.leading ?? []),
    ...table.columns.map((c) => columnDdl(c, dialect, options)),
    ...(options.trailing ?? []),
  ];
  const key = options.primaryKey ?? table.primaryKey;
  if (key) lines.push(`PRIMARY KEY (${key.map((n) => dialect.column(n)).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${table.name} (\n    ${lines.join(',\n    ')}\n  )`;
}
