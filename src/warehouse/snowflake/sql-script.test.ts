import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../errors.ts';
import { splitStatements, substituteNames, type ScriptNames } from './sql-script.ts';

const sqls = (text: string) => splitStatements(text).map((s) => s.sql);

describe('splitStatements', () => {
  it('splits on ; and gives the line each statement starts on', () => {
    expect(splitStatements('SELECT 1;\nSELECT 2;\n\n  SELECT\n    3\n')).toEqual([
      { sql: 'SELECT 1', line: 1 },
      { sql: 'SELECT 2', line: 2 },
      { sql: 'SELECT\n    3', line: 4 },
    ]);
  });

  it("keeps ; inside '…' strings, with '' and backslash escapes", () => {
    expect(sqls("INSERT INTO t VALUES ('a;b', 'it''s; fine', 'c\\'; d');SELECT ';'")).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', 'c\\'; d')",
      "SELECT ';'",
    ]);
    expect(sqls("SELECT '';SELECT 2")).toEqual(["SELECT ''", 'SELECT 2']);
  });

  it('keeps ; inside "…" identifiers, with "" escapes', () => {
    expect(sqls('CREATE TABLE "a;b" ("x"";y" INT);DROP TABLE "a;b"')).toEqual([
      'CREATE TABLE "a;b" ("x"";y" INT)',
      'DROP TABLE "a;b"',
    ]);
  });

  it('keeps ; and quotes inside $$ … $$ bodies, but not in identifiers holding $', () => {
    const script = `CREATE OR REPLACE PROCEDURE p() RETURNS STRING LANGUAGE SQL AS $$
BEGIN
  INSERT INTO t VALUES ('x;y'); -- it's fine
  RETURN 'done';
END;
$$;
SELECT METADATA$ACTION FROM s;
SELECT SYSTEM$STREAM_HAS_DATA('S')`;
    const statements = splitStatements(script);
    expect(statements.map((s) => s.line)).toEqual([1, 7, 8]);
    expect(statements[0]!.sql).toMatch(/^CREATE OR REPLACE PROCEDURE .*\nEND;\n\$\$$/s);
    expect(statements[1]!.sql).toBe('SELECT METADATA$ACTION FROM s');
    expect(sqls('SELECT col$$x FROM t;SELECT 2')).toEqual(['SELECT col$$x FROM t', 'SELECT 2']);
  });

  it('ignores ; and quotes in -- // and /* */ comments; drops comment-only statements', () => {
    const script = `-- header; with a semicolon and an apostrophe: don't
/* block; comment
   on two lines */
CREATE TABLE a (x INT); -- trailing; comment
// a Snowflake line comment; too
;;
/* only a comment */;
SELECT x -- why; not
FROM a;
-- the end`;
    expect(splitStatements(script)).toEqual([
      { sql: 'CREATE TABLE a (x INT)', line: 4 },
      { sql: 'SELECT x -- why; not\nFROM a', line: 8 },
    ]);
  });

  it('counts lines across strings, bodies and comments that span lines', () => {
    const script = "SELECT 'a\nb';\n/* x\ny */ SELECT $$\n$$;\nSELECT 3";
    expect(splitStatements(script).map((s) => s.line)).toEqual([1, 4, 6]);
  });

  it('names the line of an unterminated string, identifier, body or comment', () => {
    const failure = (text: string) => {
      try {
        splitStatements(text, 'snowflake/02_create_tables.sql');
      } catch (error) {
        expect(error).toBeInstanceOf(PipelineError);
        return (error as PipelineError).message;
      }
      return 'no error';
    };
    expect(failure("SELECT 1;\nSELECT 'oops;\nSELECT 3")).toBe(
      "snowflake/02_create_tables.sql line 2: a '…' string starts here and is never closed",
    );
    expect(failure('SELECT "x;')).toMatch(/line 1: a "…" identifier starts here/);
    expect(failure('\n\nAS $$ BEGIN')).toMatch(/line 3: a \$\$ body starts here/);
    expect(failure('SELECT 1; /* never')).toMatch(/line 1: a \/\* comment starts here/);
  });

  it("splits the repo's own scripts into their statements", async () => {
    for (const file of [
      '01_create_warehouse_db_schemas.sql',
      '02_create_tables.sql',
      '03_create_stream_and_task.sql',
    ]) {
      const text = await readFile(new URL(`../../../snowflake/${file}`, import.meta.url), 'utf8');
      const statements = splitStatements(text, `snowflake/${file}`);
      expect(statements.length).toBeGreaterThan(0);
      for (const { sql, line } of statements) {
        // each starts with a keyword, on the line the file has it, and holds no stray ;
        expect(sql).toMatch(/^(CREATE|USE|ALTER|INSERT|UPDATE|MERGE|GRANT|SELECT)\b/i);
        expect(text.split('\n')[line - 1]).toContain(sql.split('\n')[0]);
      }
    }
  });
});

describe('substituteNames', () => {
  const names: ScriptNames = { database: 'SHOP_DB', schema: 'PIPELINE', warehouse: 'ETL_WH' };

  it('replaces the seed names as whole words, in any case', () => {
    expect(
      substituteNames(
        'CREATE DATABASE IF NOT EXISTS ma_base;\nUSE SCHEMA MA_BASE.Mon_Schema;\nUSE WAREHOUSE mon_entrepot;',
        names,
      ),
    ).toBe(
      'CREATE DATABASE IF NOT EXISTS SHOP_DB;\nUSE SCHEMA SHOP_DB.PIPELINE;\nUSE WAREHOUSE ETL_WH;',
    );
    expect(
      substituteNames('SELECT ma_base_old, x_mon_schema, mon_entrepot2, ma_base$x', names),
    ).toBe('SELECT ma_base_old, x_mon_schema, mon_entrepot2, ma_base$x');
  });

  it('leaves strings, quoted identifiers and comments alone, but not $$ bodies', () => {
    const script = `-- run in ma_base.mon_schema
/* mon_entrepot */ CREATE TASK t WAREHOUSE = mon_entrepot
WHEN SYSTEM$STREAM_HAS_DATA('ma_base.mon_schema.s') AS
SELECT "ma_base", 'mon_schema' FROM ma_base.mon_schema.t;
CREATE PROCEDURE p() RETURNS STRING LANGUAGE SQL AS $$
  BEGIN USE SCHEMA ma_base.mon_schema; RETURN 'ma_base'; END; -- mon_entrepot
$$;`;
    expect(substituteNames(script, names)).toBe(`-- run in ma_base.mon_schema
/* mon_entrepot */ CREATE TASK t WAREHOUSE = ETL_WH
WHEN SYSTEM$STREAM_HAS_DATA('ma_base.mon_schema.s') AS
SELECT "ma_base", 'mon_schema' FROM SHOP_DB.PIPELINE.t;
CREATE PROCEDURE p() RETURNS STRING LANGUAGE SQL AS $$
  BEGIN USE SCHEMA SHOP_DB.PIPELINE; RETURN 'ma_base'; END; -- mon_entrepot
$$;`);
  });

  it('keeps every line where it was, so error lines still point into the file', () => {
    const script = "USE SCHEMA ma_base.mon_schema;\n-- x\nSELECT 'a\nb' FROM ma_base.mon_schema.t;";
    const before = splitStatements(script).map((s) => s.line);
    expect(splitStatements(substituteNames(script, names)).map((s) => s.line)).toEqual(before);
  });

  it('refuses a replacement that is not a Snowflake identifier, naming its setting', () => {
    expect(() => substituteNames('USE ma_base', { ...names, database: 'shop-db' })).toThrow(
      /^SNOW_DATABASE: must be a Snowflake identifier.*\(got "shop-db"\)$/,
    );
    expect(() =>
      substituteNames('USE ma_base', { ...names, schema: 'x; DROP DATABASE y' }),
    ).toThrow(/^SNOW_SCHEMA: /);
  });
});
