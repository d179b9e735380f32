/**
 * The scheduled task (RAW → PROD). Like a Snowflake task with `WHEN SYSTEM$STREAM_HAS_DATA`,
 * each tick runs the MERGE only when the stream has new rows; the warehouse records every run
 * (SUCCEEDED, FAILED, SKIPPED) in task_history.
 */
import type { TaskRun, Warehouse } from '../warehouse/types.ts';
import { sleep } from './retry.ts';
import type { PipelineStats } from './stats.ts';

export interface TaskScheduleOptions {
  warehouse: Warehouse;
  everyMs: number;
  signal: AbortSignal;
  stats?: PipelineStats;
  onRun?: (run: TaskRun) => void;
  onError?: (error: unknown) => void;
}

export async function runTaskOnce(
  warehouse: Warehouse,
  stats?: PipelineStats,
  trigger: TaskRun['trigger'] = 'manual',
  scheduledTime = new Date(),
  onWait?: (waitedMs: number) => void,
): Promise<TaskRun> {
  const run = await warehouse.runTask({ trigger, scheduledTime, onWait });
  if (stats && (run.state === 'SUCCEEDED' || run.state === 'FAILED' || run.state === 'SKIPPED'))
    stats.taskRuns[run.state]++;
  return run;
}

/** Runs the task every `everyMs` until the signal aborts; resolves after the last run ends. */
export async function runTaskSchedule(options: TaskScheduleOptions): Promise<void> {
  let next = Date.now() + options.everyMs;
  while (!options.signal.aborted) {
    await sleep(Math.max(0, next - Date.now()), options.signal);
    if (options.signal.aborted) break;
    const scheduled = new Date(next);
    next += options.everyMs;
    // A long run does not pile up missed ticks: skip to the next future one.
    if (next < Date.now()) next = Date.now() + options.everyMs;
    try {
      options.onRun?.(await runTaskOnce(options.warehouse, options.stats, 'schedule', scheduled));
    } catch (error) {
      options.onError?.(error);
    }
  }
}
