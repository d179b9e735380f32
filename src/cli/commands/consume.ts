import type { Command } from 'commander';
import { openBus } from '../../bus/index.ts';
import type { BusConsumer, BusProducer } from '../../bus/types.ts';
import { errorMessage } from '../../errors.ts';
import { runIngest } from '../../pipeline/ingest.ts';
import type { RunningDashboard } from '../../pipeline/run.ts';
import { runTaskOnce, runTaskSchedule } from '../../pipeline/task.ts';
import { PipelineStats } from '../../pipeline/stats.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { formatCount, formatDuration } from '../progress.ts';
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
        const started = performance.now();
        const stats = new PipelineStats();
        const warehouse = await openWarehouse(config.warehouse);
        const bus = await openBus(config.bus).catch(async (error: unknown) => {
          await warehouse.close();
          throw error;
        });
        let consumer: BusConsumer | undefined;
        let deadLetters: BusProducer | undefined;
        let timer: NodeJS.Timeout | undefined;
        let dashboard: RunningDashboard | undefined;
        const stopTask = new AbortController();
        let taskDone: Promise<void> = Promise.resolve();
        try {
          logBusWarnings(bus, ctx);
          await warehouse.setup();
          await bus.ensureTopic(config.topic, kafka.partitions);
          consumer = await bus.consumer(config.topic, kafka.groupId);
          deadLetters = await bus.producer(kafka.dlqTopic);
          ctx.log(
            `consuming ${config.topic} (group ${kafka.groupId}) on ${kafka.brokers.join(',')} into ${warehouse.describe()}; dead letters → ${kafka.dlqTopic}; Ctrl-C to stop`,
          );

          // DuckDB has one owner process: the task must run here. Snowflake runs its own task.
          const runsTask = flags.task && !warehouse.schedulesItsTask;
          if (runsTask) {
            ctx.log(
              `running the RAW → PROD task every ${config.task.scheduleText} (TASK_SCHEDULE; --no-task to disable)`,
            );
            taskDone = runTaskSchedule({
              warehouse,
              everyMs: config.task.scheduleMs,
              signal: stopTask.signal,
              stats,
              onRun: (run) => {
                if (run.state !== 'SKIPPED') ctx.log(describeRun(run));
              },
              onError: (error) => ctx.log(`task: ${errorMessage(error)}`),
            });
          }
          if (flags.dashboard) {
            const { startDashboard } = await import('../../dashboard/server.ts');
            dashboard = await startDashboard({ config, warehouse, stats, bus, consumer });
            ctx.log(`dashboard: ${dashboard.url}`);
          }

          // Periodic progress: what was read, written, rejected, and what is still waiting.
          let lastConsumed = -1;
          let lastLine = 0;
          const seconds = flags.progressSeconds;
          const report = async () => {
            const lag = await consumer!.lag().then(String, () => '?');
            stats.lag = lag === '?' ? null : Number(lag);
            // Quiet while idle, but say so once a minute.
            if (stats.consumed === lastConsumed && Date.now() - lastLine < 60_000) return;
            lastConsumed = stats.consumed;
            lastLine = Date.now();
            ctx.log(
              `consume: ${formatCount(stats.consumed)} events (${formatCount(stats.ingestRate())}/s), RAW rows +${formatCount(stats.rawInserted)}, ` +
                `dead letters ${formatCount(stats.quarantined)}, redelivered ${formatCount(stats.redelivered)}, lag ${lag === '?' ? '?' : formatCount(Number(lag))}`,
            );
          };
          let reporting = false;
          timer = setInterval(() => {
            if (reporting) return;
            reporting = true;
            void report().finally(() => (reporting = false));
          }, seconds * 1000);

          await runIngest({
            consumer,
            warehouse,
            consumerGroup: kafka.groupId,
            batchSize: config.ingest.batchSize,
            batchWaitMs: config.ingest.batchWaitMs,
            signal: ctx.signal,
            stats,
            deadLetterProducer: deadLetters,
            onRetry: (error, attempt) =>
              ctx.log(`consume: retrying after error (attempt ${attempt}): ${errorMessage(error)}`),
          });
          if (runsTask) {
            // Merge what this process ingested before it lets go of the file.
            stopTask.abort();
            await taskDone;
            ctx.log(describeRun(await runTaskOnce(warehouse, stats)));
          }
        } finally {
          if (timer) clearInterval(timer);
          stopTask.abort();
          await taskDone;
          await dashboard?.close().catch(() => undefined);
          await consumer?.close().catch(() => undefined);
          await deadLetters?.close().catch(() => undefined);
          await bus.close().catch(() => undefined);
          await warehouse.close();
        }
        ctx.log(
          `stopped: ${formatCount(stats.consumed)} events in ${formatCount(stats.batches)} batches, RAW rows +${formatCount(stats.rawInserted)}, ` +
            `dead letters ${formatCount(stats.quarantined)} (published to ${kafka.dlqTopic}: ${formatCount(stats.deadLettersPublished)}), ` +
            `redelivered ${formatCount(stats.redelivered)}, in ${formatDuration(performance.now() - started)}`,
        );
        return ExitCode.ok;
      }),
    );
}
