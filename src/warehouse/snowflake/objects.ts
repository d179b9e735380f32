/**
 * What `dropship doctor` checks in Snowflake (Warehouse.checkObjects): the session's role,
 * warehouse, database and schema, the tables of snowflake/02, and the streams and tasks of
 * snowflake/03. Reads only.
 *
 * Snowflake accepts a login whose warehouse or database does not exist (or that the role may
 * not use): the session then simply has none, and the first statement fails. That is what the
 * CURRENT_*() checks catch. Where the endpoint cannot answer (the local emulator has no
 * CURRENT_WAREHOUSE(), SHOW TASKS or SHOW STREAMS, and answers CURRENT_ROLE() with its DuckDB
 * user), the check says it cannot tell (`ok: null`) instead of guessing.
 */
import type { SnowflakeConfig } from '../../config/config.ts';
import { SharedTables } from '../../domain/table-columns.ts';
import { TASK_NAME } from '../../domain/tables.ts';
import { errorMessage, PipelineError } from '../../errors.ts';
import type { WarehouseCheck } from '../types.ts';
import type { SnowflakeConnection } from './connection.ts';
import { QUARANTINE_TASK, STREAMS } from './sql.ts';

const SETUP = 'run `npx dropship setup` (it creates the tables, the streams and the tasks)';

/** The first line of an error without the statement, for a check's detail. */
const firstLine = (error: unknown) =>
  (errorMessage(error).split('\n')[0] ?? '').replace(/ in: .*$/, '');

/** Unquoted identifiers are upper case in Snowflake. */
const same = (a: unknown, b: string) =>
  typeof a === 'string' && a.toUpperCase() === b.toUpperCase();

export async function checkSnowflakeObjects(
  connection: SnowflakeConnection,
  config: SnowflakeConfig,
): Promise<WarehouseCheck[]> {
  const { role, warehouse, database, schema } = config;
  const one = async (sql: string, binds?: unknown[]) =>
    (await connection.execute<Record<string, unknown>>(sql, binds)).rows[0] ?? {};
  const checks: WarehouseCheck[] = [];

  const session = await one(
    'SELECT CURRENT_ROLE() AS r, CURRENT_DATABASE() AS d, CURRENT_SCHEMA() AS s',
  ).catch((error: unknown) => ({ error }));
  if ('error' in session) {
    checks.push({
      name: 'session',
      ok: false,
      detail: `cannot read the session's role, database and schema: ${firstLine(session.error)}`,
      fix: 'check SNOW_ROLE, SNOW_DATABASE and SNOW_SCHEMA',
    });
    return checks;
  }

  checks.push(
    session.r === null || session.r === undefined
      ? {
          name: 'role',
          ok: false,
          detail: 'the session has no role',
          fix: `set SNOW_ROLE to a role granted to SNOW_USER (${config.user})`,
        }
      : same(session.r, role)
        ? { name: 'role', ok: true, detail: `${String(session.r)} (SNOW_ROLE)` }
        : {
            name: 'role',
            ok: null,
            detail: `SNOW_ROLE is ${role}, but CURRENT_ROLE() answers "${String(session.r)}": this endpoint does not report the session's role (the local emulator answers its DuckDB user)`,
          },
  );

  const current = await one('SELECT CURRENT_WAREHOUSE() AS w').catch((error: unknown) => ({
    error,
  }));
  checks.push(
    'error' in current
      ? {
          name: 'virtual warehouse',
          ok: null,
          detail: `cannot tell whether ${warehouse} (SNOW_WAREHOUSE) is in use: CURRENT_WAREHOUSE() is not answered here (${firstLine(current.error)})`,
        }
      : same(current.w, warehouse)
        ? { name: 'virtual warehouse', ok: true, detail: `${String(current.w)} (SNOW_WAREHOUSE)` }
        : {
            name: 'virtual warehouse',
            ok: false,
            detail: `SNOW_WAREHOUSE is ${warehouse}, but the session has ${current.w ? `warehouse ${String(current.w)}` : 'no warehouse'}: it does not exist or role ${role} may not use it`,
            fix: `run \`npx dropship setup\` (snowflake/01 creates ${warehouse}), or GRANT USAGE ON WAREHOUSE ${warehouse} TO ROLE ${role}, or set SNOW_WAREHOUSE to a warehouse the role may use`,
          },
  );

  const databaseOk = same(session.d, database);
  checks.push(
    databaseOk
      ? { name: 'database', ok: true, detail: `${String(session.d)} (SNOW_DATABASE)` }
      : {
          name: 'database',
          ok: false,
          detail: `SNOW_DATABASE is ${database}, but the session has ${session.d ? `database ${String(session.d)}` : 'no database'}: it does not exist or role ${role} may not use it`,
          fix: `run \`npx dropship setup\` (snowflake/01 creates it), or GRANT USAGE ON DATABASE ${database} TO ROLE ${role}`,
        },
  );
  const schemaOk = databaseOk && same(session.s, schema);
  checks.push(
    schemaOk
      ? { name: 'schema', ok: true, detail: `${String(session.s)} (SNOW_SCHEMA)` }
      : {
          name: 'schema',
          ok: false,
          detail: `SNOW_SCHEMA is ${schema}, but the session has ${session.s ? `schema ${String(session.s)}` : 'no schema'}: ${database}.${schema} does not exist or role ${role} may not use it`,
          fix: `run \`npx dropship setup\` (snowflake/01 creates it), or GRANT USAGE ON SCHEMA ${database}.${schema} TO ROLE ${role}`,
        },
  );

  const streams = Object.values(STREAMS);
  const tasks = [TASK_NAME, QUARANTINE_TASK];
  if (!schemaOk) {
    const detail = `not checked: schema ${database}.${schema} is not in use (above)`;
    for (const name of [
      'tables',
      ...streams.map((s) => `stream ${s}`),
      ...tasks.map((t) => `task ${t}`),
    ])
      checks.push({ name, ok: null, detail });
    return checks;
  }
  const where = `${database}.${schema}`;

  try {
    const rows = await connection.execute<{ t: string }>(
      "SELECT table_name AS t FROM INFORMATION_SCHEMA.TABLES WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [schema.toUpperCase()],
    );
    const present = new Set(rows.rows.map((r) => r.t.toUpperCase()));
    const missing = SharedTables.map((t) => t.name).filter((n) => !present.has(n.toUpperCase()));
    checks.push(
      missing.length === 0
        ? { name: 'tables', ok: true, detail: SharedTables.map((t) => t.name).join(', ') }
        : {
            name: 'tables',
            ok: false,
            detail: `missing in ${where}: ${missing.join(', ')}`,
            fix: SETUP,
          },
    );
  } catch (error) {
    checks.push({ name: 'tables', ok: false, detail: firstLine(error), fix: SETUP });
  }

  // SHOW STREAMS tells whether a stream is stale; where it is not answered, existence only.
  const shown = await connection
    .execute<{ name: string; stale?: string | boolean }>(`SHOW STREAMS IN SCHEMA ${where}`)
    .then((r) => new Map(r.rows.map((row) => [row.name.toUpperCase(), row])))
    .catch(() => null);
  for (const stream of streams) {
    const name = `stream ${stream}`;
    try {
      const row = await one(
        `SELECT SYSTEM$STREAM_HAS_DATA('${where}.${stream.toUpperCase()}') AS h`,
      );
      const data =
        row.h === true || row.h === 'true' ? 'RAW rows to consume' : 'nothing to consume';
      const stale = shown?.get(stream.toUpperCase())?.stale;
      if (stale === true || stale === 'true') {
        checks.push({
          name,
          ok: false,
          detail: `stale: its task did not consume it within RAW's data retention, so it has lost track of RAW`,
          fix: `recreate it (CREATE OR REPLACE STREAM ${stream} ON TABLE orders_events), then run \`npx dropship validate\` to find RAW rows missing from PROD`,
        });
      } else {
        checks.push({
          name,
          ok: true,
          detail: `exists, ${data}${shown ? '' : ' (staleness not known: SHOW STREAMS is not answered here)'}`,
        });
      }
    } catch (error) {
      checks.push({
        name,
        ok: false,
        detail:
          error instanceof PipelineError && error.code === 'NOT_SET_UP'
            ? `missing in ${where}`
            : firstLine(error),
        fix: SETUP,
      });
    }
  }

  try {
    const { rows } = await connection.execute<Record<string, string | null>>(
      `SHOW TASKS IN SCHEMA ${where}`,
    );
    const byName = new Map(rows.map((r) => [String(r.name).toUpperCase(), r]));
    for (const task of tasks) {
      const row = byName.get(task.toUpperCase());
      const name = `task ${task}`;
      if (!row) {
        checks.push({ name, ok: false, detail: `missing in ${where}`, fix: SETUP });
      } else if (String(row.state).toLowerCase() === 'started') {
        checks.push({
          name,
          ok: true,
          detail: `started (schedule ${row.schedule ?? '?'}, warehouse ${row.warehouse ?? '?'})`,
        });
      } else {
        checks.push({
          name,
          ok: false,
          detail: `${String(row.state).toLowerCase()}: it merges nothing on its schedule`,
          fix: `ALTER TASK ${task} RESUME (or \`npx dropship setup\`, which resumes both tasks); role ${role} needs EXECUTE TASK on the account`,
        });
      }
    }
  } catch (error) {
    for (const task of tasks)
      checks.push({
        name: `task ${task}`,
        ok: null,
        detail: `exists and started: unknown, SHOW TASKS is not answered here (${firstLine(error)}); \`npx dropship task run\` runs it`,
      });
  }
  return checks;
}
