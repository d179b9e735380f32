/**
 * task_status: the RAW → PROD task's latest completed run (like TASK_HISTORY). A run still
 * SCHEDULED or EXECUTING is not a result yet and is ignored. FAILED, or a suspended task, is a
 * FAIL; SUCCEEDED or SKIPPED (no new data) is a PASS; no run at all is a WARN.
 */
import { TASK_NAME, Tables as T } from '../../domain/tables.ts';
import { count, formatCount, isoTimestamp } from '../values.ts';
import { result, type Check } from './types.ts';

const NAME = 'task_status';

const LAST_RUN_SQL = `
  SELECT run_id, state, completed_time, rows_read, rows_inserted, rows_updated, rows_quarantined, error_message
  FROM ${T.taskHistory}
  WHERE task_name = $task AND state IN ('SUCCEEDED', 'FAILED', 'SKIPPED')
  ORDER BY completed_time DESC, run_id DESC
  LIMIT 1`;

const COUNTS_SQL = `
  SELECT
    (SELECT count(*) FROM ${T.taskHistory} WHERE task_name = $task AND state = 'SUCCEEDED') AS succeeded,
    (SELECT count(*) FROM ${T.taskHistory} WHERE task_name = $task AND state = 'FAILED') AS failed,
    (SELECT count(*) FROM ${T.taskHistory} WHERE task_name = $task AND state = 'SKIPPED') AS skipped,
    (SELECT count(*) FROM ${T.taskHistory} WHERE task_name = $task AND state IN ('SCHEDULED', 'EXECUTING')) AS pending,
    (SELECT count(*) FROM ${T.taskState} WHERE task_name = $task AND suspended = TRUE) AS suspended`;

export const taskStatus: Check = {
  name: NAME,
  description:
    'latest completed task run: FAILED or suspended → FAIL, SUCCEEDED/SKIPPED → PASS, none → WARN',
  async run({ warehouse }) {
    const [last] = await warehouse.query(LAST_RUN_SQL, { task: TASK_NAME });
    const [counts = {}] = await warehouse.query(COUNTS_SQL, { task: TASK_NAME });
    const m = {
      task: TASK_NAME,
      suspended: count(counts.suspended) > 0,
      last_run_id: last ? count(last.run_id) : null,
      last_state: last ? String(last.state) : null,
      last_completed_at: last ? isoTimestamp(last.completed_time) : null,
      last_rows_read: last ? count(last.rows_read) : null,
      last_rows_inserted: last ? count(last.rows_inserted) : null,
      last_rows_updated: last ? count(last.rows_updated) : null,
      last_rows_quarantined: last ? count(last.rows_quarantined) : null,
      last_error: last?.error_message == null ? null : String(last.error_message),
      runs: {
        succeeded: count(counts.succeeded),
        failed: count(counts.failed),
        skipped: count(counts.skipped),
        pending: count(counts.pending),
      },
    };
    const lastRun = last
      ? `run #${m.last_run_id} ${m.last_state} at ${m.last_completed_at}`
      : 'no completed run';
    if (m.suspended) {
      return result(
        NAME,
        'FAIL',
        `task ${TASK_NAME} is suspended (${lastRun}): PROD receives nothing until it is resumed`,
        m,
      );
    }
    if (!last) {
      return result(
        NAME,
        'WARN',
        `task ${TASK_NAME} has not completed a run yet${m.runs.pending > 0 ? ` (${formatCount(m.runs.pending)} scheduled or executing)` : ''}`,
        m,
      );
    }
    if (m.last_state === 'FAILED') {
      const error = (m.last_error ?? 'unknown error').split('\n')[0]!.slice(0, 200);
      return result(
        NAME,
        'FAIL',
        `latest task ${lastRun}: ${error} (the stream offset did not move; the next successful run retries)`,
        m,
      );
    }
    const detail =
      m.last_state === 'SUCCEEDED'
        ? `${formatCount(m.last_rows_read ?? 0)} RAW rows read, ${formatCount(m.last_rows_inserted ?? 0)} inserted`
        : 'no new RAW rows';
    return result(
      NAME,
      'PASS',
      `latest task ${lastRun}: ${detail}; ${formatCount(m.runs.failed)} failed runs in history`,
      m,
    );
  },
};
