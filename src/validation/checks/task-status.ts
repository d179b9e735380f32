/**
 * task_status: the RAW → PROD task's latest completed run (like TASK_HISTORY). A run still
 * SCHEDULED or EXECUTING is not a result yet and is ignored. FAILED, or a suspended task, is a
 * FAIL; SUCCEEDED or SKIPPED (no new data) is a PASS; no run at all is a WARN.
 */
import { TASK_NAME } from '../../domain/tables.ts';
import type { TaskState } from '../../warehouse/types.ts';
import { formatCount, isoTimestamp } from '../../domain/values.ts';
import { result, type Check } from './types.ts';

const NAME = 'task_status';

const COMPLETED = new Set<TaskState>(['SUCCEEDED', 'FAILED', 'SKIPPED']);

/** How many recent runs are searched for the latest completed one. */
const RECENT_RUNS = 50;

export const taskStatus: Check = {
  name: NAME,
  description:
    'latest completed task run: FAILED or suspended → FAIL, SUCCEEDED/SKIPPED → PASS, none → WARN',
  async run({ warehouse }) {
    const summary = await warehouse.taskSummary();
    const last = (await warehouse.taskHistory(RECENT_RUNS)).find((r) => COMPLETED.has(r.state));
    const runs = summary.runs;
    const m = {
      task: TASK_NAME,
      suspended: summary.suspended === true,
      last_run_id: last ? last.runId : null,
      last_state: last ? last.state : null,
      last_completed_at: last ? isoTimestamp(last.completedTime) : null,
      last_rows_read: last ? last.rowsRead : null,
      last_rows_inserted: last ? last.rowsInserted : null,
      last_rows_updated: last ? last.rowsUpdated : null,
      last_rows_quarantined: last ? last.rowsQuarantined : null,
      last_error: last?.errorMessage ?? null,
      runs: {
        succeeded: runs.SUCCEEDED ?? 0,
        failed: runs.FAILED ?? 0,
        skipped: runs.SKIPPED ?? 0,
        pending: (runs.SCHEDULED ?? 0) + (runs.EXECUTING ?? 0),
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
      m.last_state !== 'SUCCEEDED'
        ? 'no new RAW rows'
        : m.last_rows_read === null || m.last_rows_inserted === null
          ? // Snowflake's TASK_HISTORY records a run's state, not the rows its MERGE touched.
            'row counts not recorded by the warehouse (TASK_HISTORY has none)'
          : `${formatCount(m.last_rows_read)} RAW rows read, ${formatCount(m.last_rows_inserted)} inserted`;
    return result(
      NAME,
      'PASS',
      `latest task ${lastRun}: ${detail}; ${formatCount(m.runs.failed)} failed runs in history`,
      m,
    );
  },
};
