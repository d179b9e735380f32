/**
 * What `dropship doctor` checks in DuckDB (Warehouse.checkObjects): the tables, and the
 * emulated stream and task, which are rows of task_state (the task's RAW offset and whether
 * it is suspended). A DuckDB file has no session context to check (role, warehouse…).
 */
import { SharedTables } from '../../domain/table-columns.ts';
import { TASK_NAME, Tables as T } from '../../domain/tables.ts';
import { errorMessage } from '../../errors.ts';
import type { SqlParams, WarehouseCheck } from '../types.ts';

type Query = <R>(sql: string, params?: SqlParams) => Promise<R[]>;

const SETUP = 'run `npx dropship setup` (it creates the tables and the task state)';

/** Every table this adapter creates: the shared ones and its emulation of stream and task. */
const TABLES = [...SharedTables.map((t) => t.name), T.taskState, T.taskHistory];

export async function checkDuckDbObjects(
  query: Query,
  pendingRawRows: () => Promise<number>,
): Promise<WarehouseCheck[]> {
  const rows = await query<{ t: string }>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main'",
  );
  const present = new Set(rows.map((r) => r.t));
  const missing = TABLES.filter((t) => !present.has(t));
  const stream = `stream (emulated: ${T.taskState})`;
  const task = `task ${TASK_NAME}`;
  if (missing.length > 0) {
    return [
      { name: 'tables', ok: false, detail: `missing: ${missing.join(', ')}`, fix: SETUP },
      { name: stream, ok: null, detail: 'not checked: tables missing (above)' },
      { name: task, ok: null, detail: 'not checked: tables missing (above)' },
    ];
  }
  const checks: WarehouseCheck[] = [{ name: 'tables', ok: true, detail: TABLES.join(', ') }];
  const [state] = await query<{ o: number | string; s: boolean }>(
    `SELECT stream_offset AS o, suspended AS s FROM ${T.taskState} WHERE task_name = $task`,
    { task: TASK_NAME },
  );
  if (!state) {
    const detail = `no row for ${TASK_NAME} in ${T.taskState}`;
    checks.push(
      { name: stream, ok: false, detail, fix: SETUP },
      { name: task, ok: false, detail, fix: SETUP },
    );
    return checks;
  }
  let backlog: string;
  try {
    backlog = `${await pendingRawRows()} RAW rows to merge`;
  } catch (error) {
    backlog = `backlog unreadable: ${errorMessage(error).split('\n')[0]}`;
  }
  checks.push({
    name: stream,
    ok: true,
    detail: `consumed up to RAW ingest_seq ${Number(state.o)}, ${backlog}`,
  });
  checks.push(
    state.s
      ? {
          name: task,
          ok: false,
          detail: 'suspended: it merges nothing',
          fix: `UPDATE ${T.taskState} SET suspended = false WHERE task_name = '${TASK_NAME}' (with no other process on the file)`,
        }
      : {
          name: task,
          ok: true,
          detail: 'started (runs inside `dropship run`, `consume` or `task run --every`)',
        },
  );
  return checks;
}
