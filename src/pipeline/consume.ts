/**
 * `dropship consume`: the ingest stage as its own process, wired together.
 *
 *   Kafka topic ─▶ ingest (batches) ─▶ RAW (+ offsets, same transaction) ─▶ commit on Kafka
 *                                  └─▶ dead letters ─▶ DLQ topic
 *   + the RAW → PROD task on a schedule, when the warehouse does not run it itself (DuckDB)
 *   + the dashboard, when asked (DuckDB allows one process per file: this one owns it)
 *
 * Runs until the signal aborts; then the batch in hand is committed and, when this process
 * runs the task, what it ingested is merged before the warehouse is let go.
 */
import { openBus } from '../bus/index.ts';
import type { Bus, BusConsumer, BusProducer } from '../bus/types.ts';
import type { Config } from '../config/config.ts';
import type { TaskRun } from '../warehouse/types.ts';
import { openWarehouse } from '../warehouse/index.ts';
import { runIngest } from './ingest.ts';
import type { RunningDashboard, StartDashboard } from './run.ts';
import { PipelineStats } from './stats.ts';
import { runTaskOnce, runTaskSchedule } from './task.ts';

export type KafkaConfig = Extract<Config['bus'], { kind: 'kafka' }>;

export interface ConsumeOptions {
  config: Config;
  kafka: KafkaConfig;
  /** Run the task here (when the warehouse does not schedule it itself). */
  task: boolean;
  signal: AbortSignal;
  /** How often `onProgress` is told (ms). */
  progressEveryMs: number;
  log: (message: string) => void;
  /** The bus is open (the CLI reports its warnings). */
  onBus?: (bus: Bus) => void;
  /** Stats and the consumer lag (null when the bus cannot tell), every progressEveryMs. */
  onProgress?: (stats: PipelineStats, lag: number | null) => void;
  onTaskRun?: (run: TaskRun) => void;
  onError?: (what: 'task' | 'ingest', error: unknown, attempt?: number) => void;
  startDashboard?: StartDashboard;
}

export interface ConsumeSummary {
  stats: PipelineStats;
  durationMs: number;
  /** The task's last run, when this process ran it on stopping. */
  finalTaskRun: TaskRun | null;
}

export async function runConsumer(options: ConsumeOptions): Promise<ConsumeSummary> {
  const { config, kafka, log } = options;
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
  let finalTaskRun: TaskRun | null = null;
  try {
    options.onBus?.(bus);
    await warehouse.setup();
    await bus.ensureTopic(config.topic, kafka.partitions);
    consumer = await bus.consumer(config.topic, kafka.groupId);
    deadLetters = await bus.producer(kafka.dlqTopic);
    log(
      `consuming ${config.topic} (group ${kafka.groupId}) on ${kafka.brokers.join(',')} into ${warehouse.describe()}; dead letters → ${kafka.dlqTopic}; Ctrl-C to stop`,
    );

    // DuckDB has one owner process: the task must run here. Snowflake runs its own task.
    const runsTask = options.task && !warehouse.schedulesItsTask;
    if (runsTask) {
      log(
        `running the RAW → PROD task every ${config.task.scheduleText} (TASK_SCHEDULE; --no-task to disable)`,
      );
      taskDone = runTaskSchedule({
        warehouse,
        everyMs: config.task.scheduleMs,
        signal: stopTask.signal,
        stats,
        onRun: options.onTaskRun,
        onError: (error) => options.onError?.('task', error),
      });
    } else if (warehouse.schedulesItsTask) {
      log(`the RAW → PROD task runs in ${warehouse.describe()} on its own schedule`);
    }
    if (options.startDashboard) {
      dashboard = await options.startDashboard({ warehouse, stats, bus, consumer });
      log(`dashboard: ${dashboard.url}`);
    }

    let reporting = false;
    const source = consumer;
    timer = setInterval(() => {
      if (reporting) return;
      reporting = true;
      void source
        .lag()
        .catch(() => null)
        .then((lag) => {
          stats.lag = lag;
          options.onProgress?.(stats, lag);
        })
        .finally(() => (reporting = false));
    }, options.progressEveryMs);

    await runIngest({
      consumer,
      warehouse,
      consumerGroup: kafka.groupId,
      batchSize: config.ingest.batchSize,
      batchWaitMs: config.ingest.batchWaitMs,
      maxEventBytes: config.ingest.maxEventBytes,
      signal: options.signal,
      stats,
      deadLetterProducer: deadLetters,
      onRetry: (error, attempt) => options.onError?.('ingest', error, attempt),
    });
    if (runsTask) {
      // Merge what this process ingested before it lets go of the warehouse.
      stopTask.abort();
      await taskDone;
      finalTaskRun = await runTaskOnce(warehouse, stats);
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
  return { stats, durationMs: performance.now() - started, finalTaskRun };
}
