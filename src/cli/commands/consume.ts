import type { Command } from 'commander';
import { errorMessage } from '../../errors.ts';
import { runConsumer } from '../../pipeline/consume.ts';
import { formatDuration } from '../progress.ts';
import { formatCount } from '../../domain/values.ts';
import { command, ExitCode } from '../run-command.ts';
import { describeRun, requireKafka } from './common.ts';
import { logBusWarnings } from './produce.ts';
import { intAtLeast } from '../args.ts';
import { fromSetting } from '../help.ts';

interface ConsumeFlags {
  batchSize?: string;
  batchWaitMs?: string;
  progressSeconds: number;
  task: boolean;
  dashboard?: boolean;
}

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description(
      'read order events from Kafka/Redpanda into RAW in batches (offsets committed after each warehouse write) until stopped',
    )
    .option(
      '--batch-size <n>',
      `largest batch taken from the bus${fromSetting('INGEST_BATCH_SIZE')}`,
    )
    .option(
      '--batch-wait-ms <n>',
      `longest wait before a partial batch is written${fromSetting('INGEST_BATCH_WAIT_MS')}`,
    )
    .option('--progress-seconds <n>', 'seconds between progress lines (≥ 1)', intAtLeast(1), 5)
    .option(
      '--no-task',
      'do not run the RAW → PROD task here (by default, with DuckDB, this process runs it every TASK_SCHEDULE: it owns the file)',
    )
    .option(
      '--dashboard',
      'also serve the dashboard (DASHBOARD_HOST:DASHBOARD_PORT) from this process',
    )
    .action(
      command(async (ctx, flags: ConsumeFlags) => {
        const { config } = ctx.config({
          INGEST_BATCH_SIZE: flags.batchSize,
          INGEST_BATCH_WAIT_MS: flags.batchWaitMs,
        });
        const kafka = requireKafka(config, 'consume');
        // Progress: what was read, written, rejected, and what is still waiting; quiet while
        // idle, but said once a minute.
        let lastConsumed = -1;
        let lastLine = 0;
        const { stats, durationMs, finalTaskRun } = await runConsumer({
          config,
          kafka,
          task: flags.task,
          signal: ctx.signal,
          progressEveryMs: flags.progressSeconds * 1000,
          log: (m) => ctx.log(m),
          onBus: (bus) => logBusWarnings(bus, ctx),
          onProgress: (s, lag) => {
            if (s.consumed === lastConsumed && Date.now() - lastLine < 60_000) return;
            lastConsumed = s.consumed;
            lastLine = Date.now();
            ctx.log(
              `consume: ${formatCount(s.consumed)} events (${formatCount(s.ingestRate())}/s), RAW rows +${formatCount(s.rawInserted)}, ` +
                `dead letters ${formatCount(s.quarantined)}, redelivered ${formatCount(s.redelivered)}, lag ${lag === null ? '?' : formatCount(lag)}`,
            );
          },
          onTaskRun: (run) => {
            if (run.state !== 'SKIPPED') ctx.log(describeRun(run));
          },
          onError: (what, error, attempt) =>
            ctx.log(
              what === 'task'
                ? `task: ${errorMessage(error)}`
                : `consume: retrying after error (attempt ${attempt ?? 1}): ${errorMessage(error)}`,
            ),
          ...(flags.dashboard
            ? {
                startDashboard: async (deps) =>
                  (await import('../../dashboard/server.ts')).startDashboard({ ...deps, config }),
              }
            : {}),
        });
        if (finalTaskRun) ctx.log(describeRun(finalTaskRun));
        ctx.log(
          `stopped: ${formatCount(stats.consumed)} events in ${formatCount(stats.batches)} batches, RAW rows +${formatCount(stats.rawInserted)}, ` +
            `dead letters ${formatCount(stats.quarantined)} (published to ${kafka.dlqTopic}: ${formatCount(stats.deadLettersPublished)}), ` +
            `redelivered ${formatCount(stats.redelivered)}, in ${formatDuration(durationMs)}`,
        );
        return ExitCode.ok;
      }),
    );
}
