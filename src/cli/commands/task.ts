import type { Command } from 'commander';
import { runTaskOnce, runTaskSchedule } from '../../pipeline/task.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { intAtLeast } from '../args.ts';
import { command, ExitCode } from '../run-command.ts';
import { describeRun, runCount } from './common.ts';
import { fromSetting } from '../help.ts';

export function registerTask(program: Command): void {
  const task = program
    .command('task')
    .description('the RAW → PROD task (stream + deduplicating MERGE)');
  task
    .command('run')
    .description(
      'run the task once now (like EXECUTE TASK; exit 1 if it fails), or on a schedule with --every',
    )
    .option(
      '--every [duration]',
      `keep running it every TASK_SCHEDULE (or the given duration, e.g. "5 seconds", at least 1 second) until stopped${fromSetting('TASK_SCHEDULE')}`,
    )
    .action(
      command(async (ctx, flags: { every?: string | boolean }) => {
        const { config } = ctx.config(
          typeof flags.every === 'string' ? { TASK_SCHEDULE: flags.every } : {},
        );
        const warehouse = await openWarehouse(config.warehouse);
        try {
          if (flags.every) {
            ctx.log(`running the task every ${config.task.scheduleText} until stopped (Ctrl-C)`);
            await runTaskSchedule({
              warehouse,
              everyMs: config.task.scheduleMs,
              signal: ctx.signal,
              onRun: (run) => ctx.log(describeRun(run)),
              onError: (error) => ctx.log(`task: ${(error as Error).message}`),
            });
            return ExitCode.ok;
          }
          // Snowflake starts EXECUTE TASK's run asynchronously: say so while it is awaited.
          let said = 0;
          const run = await runTaskOnce(warehouse, undefined, 'manual', new Date(), (waited) => {
            if (waited - said < 10_000) return;
            said = waited;
            ctx.log(`task: waiting for the run in TASK_HISTORY (${Math.round(waited / 1000)} s)`);
          });
          ctx.log(describeRun(run));
          return run.state === 'FAILED' ? ExitCode.failed : ExitCode.ok;
        } finally {
          await warehouse.close();
        }
      }),
    );
  task
    .command('history')
    .description('print the most recent task runs (like TASK_HISTORY)')
    .option('--limit <n>', 'number of runs (≥ 1)', intAtLeast(1), 20)
    .option('--json', 'print JSON')
    .action(
      command(async (ctx, flags: { limit: number; json?: boolean }) => {
        const { config } = ctx.config();
        const warehouse = await openWarehouse(config.warehouse);
        try {
          const runs = await warehouse.taskHistory(flags.limit);
          if (flags.json) {
            process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
            return;
          }
          if (runs.length === 0) {
            process.stdout.write(
              'no task runs yet (run `npx dropship task run` or `npx dropship run`)\n',
            );
            return;
          }
          const rows = runs.map((r) => [
            String(r.runId),
            r.state,
            r.trigger,
            r.scheduledTime,
            r.completedTime ?? '',
            runCount(r.rowsRead),
            runCount(r.rowsInserted),
            runCount(r.rowsUpdated),
            runCount(r.rowsQuarantined),
            r.errorMessage ?? '',
          ]);
          const header = [
            'RUN',
            'STATE',
            'TRIGGER',
            'SCHEDULED_TIME',
            'COMPLETED_TIME',
            'READ',
            'INSERTED',
            'UPDATED',
            'QUARANTINED',
            'ERROR',
          ];
          const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
          for (const line of [header, ...rows])
            process.stdout.write(
              line
                .map((c, i) => c.padEnd(widths[i]!))
                .join('  ')
                .trimEnd() + '\n',
            );
        } finally {
          await warehouse.close();
        }
      }),
    );
}
