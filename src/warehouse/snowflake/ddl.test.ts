/**
 * snowflake/02_create_tables.sql is written out by hand (it must stay runnable in Snowsight),
 * yet its tables are the one definition of src/domain/table-columns.ts: this test keeps the two
 * from drifting apart.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SharedTables } from '../../domain/table-columns.ts';
import { createTableSql } from '../ddl.ts';
import { SCRIPTS_DIR } from './snowflake-warehouse.ts';
import { splitStatements } from './sql-script.ts';
import { snowflakeDialect } from './sql.ts';

const SCRIPT = '02_create_tables.sql';

/** The statement's words and punctuation, one space apart: layout does not count. */
function normalised(sql: string): string {
  return (sql.match(/[(),]|[^\s(),]+/g) ?? []).join(' ');
}

const CREATE_TABLE = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+("?[\w$]+"?)/i;

async function scriptTables(): Promise<Map<string, { sql: string; line: number }>> {
  const text = await readFile(`${SCRIPTS_DIR}${SCRIPT}`, 'utf8');
  const tables = new Map<string, { sql: string; line: number }>();
  for (const statement of splitStatements(text, `snowflake/${SCRIPT}`)) {
    const name = CREATE_TABLE.exec(statement.sql)?.[1];
    if (name) tables.set(name.toLowerCase(), statement);
  }
  return tables;
}

describe(`snowflake/${SCRIPT}`, () => {
  it('normalises whitespace only', () => {
    expect(normalised('CREATE TABLE t (\n  a NUMBER(12,2) NOT NULL ,\n  b   VARCHAR\n)')).toBe(
      'CREATE TABLE t ( a NUMBER ( 12 , 2 ) NOT NULL , b VARCHAR )',
    );
    expect(normalised('a VARCHAR NOT NULL')).not.toBe(normalised('a VARCHAR'));
  });

  it('creates exactly the shared tables', async () => {
    expect([...(await scriptTables()).keys()].sort()).toEqual(
      SharedTables.map((t) => t.name).sort(),
    );
  });

  it.each(SharedTables.map((t) => [t.name, t] as const))(
    'creates %s with the columns of src/domain/table-columns.ts',
    async (name, table) => {
      const statement = (await scriptTables()).get(name);
      const expected = createTableSql(table, snowflakeDialect);
      expect(
        statement && normalised(statement.sql),
        `snowflake/${SCRIPT}${statement ? `:${statement.line}` : ''} must create ${name} as src/domain/table-columns.ts defines it; expected:\n${expected};\n`,
      ).toBe(normalised(expected));
    },
  );
});
