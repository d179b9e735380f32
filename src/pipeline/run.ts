/**
 * `dropship run`: every stage in one process, wired together.
 *
 *   seed files ─▶ produce ─▶ bus ─▶ ingest ─▶ RAW ─▶ task (every few seconds) ─▶ PROD
 *                                                     └─▶ dashboard (reads the warehouse)
 *
 * With `once`, the whole file is replayed unthrottled, the run waits until PROD has caught
 * up and returns a summary. Otherwise it replays at a visible rate, then keeps streaming
 * new orders until the signal aborts. On stop, publishing ends first, the ingest drains what
 * was published, the task merges it, and only then does the process close its resources.
 */
import { openBus } from '../bus/index.ts';
import type { Bus, BusConsumer, BusProducer } from '../bus/types.ts';
import type { Config } from '../config/config.ts';
import { SEED_DEFAULTS, utcDay } from './defaults.ts';
import { generateSeedFiles } from './generate.ts';
import { runIngest } from './ingest.ts';
import { replayOrders, streamOrders, type ProduceResult } from './produce.ts';
import { RETRY, sleep } from './retry.ts';
import { buildManifestFromFiles, partialSeedError, seedState } from './seed-manifest.ts';
import { replayedEvents } from '../domain/manifest.ts';
import { describeReplacedSeed, loadSeed } from './load-seed.ts';
import {
  isBadEvent,
  readOrders,
  readManifest,
  replayedLifecycleChunks,
  type BadRow,
} from './seed-files.ts';
import { PipelineStats } from './stats.ts';
import { runTaskOnce, runTaskSchedule } from './task.ts';
import { openWarehouse } from '../warehouse/index.ts';
import type { TaskRun, Warehouse } from '../warehouse/types.ts';
import { join } from 'node:path';
import { SeedFiles } from '../domain/tables.ts';

/** Task period during `run --once` (see where it is used). */
const ONCE_TASK_EVERY_MS = 10_000;

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/** Serves the dashboard from a process that runs stages (the CLI loads the module when asked). */
export type StartDashboard = (ctx: {
  warehouse: Warehouse;
  stats: PipelineStats;
  bus: Bus;
  consumer: BusConsumer;
}) => Promise<RunningDashboard>;

export interface RunOptions {
  config: Config;
  once: boolean;
  /** Replay/stream rate (events/s); ignored with `once` (unthrottled). */
  rate: number;
  signal: AbortSignal;
  log: (message: string) => void;
  onProgress?: (p: { published: number; total: number | null; stats: PipelineStats }) => void;
  onBadRow?: (bad: BadRow) => void;
  onTaskRun?: (run: TaskRun) => void;
  startDashboard?: StartDashboard;
}

export interface RunSummary {
  eventsRead: number;
  published: number;
  badRows: number;
  rawRows: number;
  prodOrders: number;
  quarantined: number;
  redelivered: number;
  taskRuns: PipelineStats['taskRuns'];
  durationMs: number;
  interrupted: boolean;
  caughtUp: boolean;
}

/**
 * The order id of each record of the replay, in publication order (null for a bad row):
 * orders.csv's rows, then order_events.csv's (the lifecycle steps) with bad_events.jsonl's.
 */
async function* replayedOrderIds(seedDir: string): AsyncGenerator<string | null> {
  for await (const r of readOrders(seedDir)) yield r.ok ? r.row.id : null;
  // bad_events.jsonl's records are never the last good id (null), only counted, at their place.
  for await (const records of replayedLifecycleChunks(seedDir))
    for (const r of records) yield !isBadEvent(r) && r.ok ? r.row.order_id : null;
}

/**
 * Where a restarted `run` on the in-process bus resumes its replay: after the `ingested`
 * events its ingest stored with their offsets (one partition: the file's order). 0 when the
 * warehouse holds another data set's events (the order at that row is not in RAW), said so.
 */
async function resumePoint(
  seedDir: string,
  ingested: number,
  warehouse: Warehouse,
  log: (message: string) => void,
): Promise<number> {
  if (ingested === 0) return 0;
  // Every row is a bus record (a bad one as its dead letter), so the stored offset counts rows.
  let n = 0;
  let lastGood: string | null = null;
  let reached = false;
  let more = false;
  for await (const id of replayedOrderIds(seedDir)) {
    if (reached) {
      more = true;
      break;
    }
    if (id !== null) lastGood = id;
    if (++n === ingested) reached = true;
  }
  const last = reached ? lastGood : null;
  if (last !== null && !(await warehouse.reads.rawHasOrder(last))) {
    log(
      `the warehouse holds ${ingested} events that are not ${seedDir}'s first rows (another data set): replaying ${seedDir} from its first row`,
    );
    return 0;
  }
  if (!more) {
    log(
      `replay already complete: the ${n} rows of ${seedDir} are stored (RAW or quarantine); streaming new orders`,
    );
    return ingested;
  }
  log(`resuming the replay after row ${ingested} (the rows before it are in RAW)`);
  return ingested;
}

/**
 * Waits until every published event is in RAW and merged into PROD, the deadline passes or
 * `signal` aborts (SIGINT/SIGTERM). A task run that fails (a broken task, PROD unavailable) is
 * told through `log` and tried again under RETRY.taskDrain (250 ms, doubling up to 5 s): a
 * failing task used to be re-run at once, in a loop that kept a core busy and never looked at
 * the signal.
 */
async function drain(
  consumer: BusConsumer,
  warehouse: Warehouse,
  stats: PipelineStats,
  deadline: number,
  signal: AbortSignal,
  log: (message: string) => void,
  onTaskRun?: (run: TaskRun) => void,
): Promise<boolean> {
  let failures = 0;
  while (Date.now() < deadline && !signal.aborted) {
    const lag = await consumer.lag();
    stats.lag = lag;
    if (lag === 0 || lag === null) {
      const backlog = await warehouse.streamBacklog();
      if (backlog === 0) return true;
      const run = await runTaskOnce(warehouse, stats, 'manual');
      onTaskRun?.(run);
      if (run.state === 'FAILED') {
        const pause = RETRY.taskDrain.nominalDelayMs(++failures);
        log(
          `task: run ${run.runId} FAILED with ${backlog} RAW rows to merge (${run.errorMessage ?? 'no error message'}); trying again in ${pause} ms (Ctrl-C stops)`,
        );
        await sleep(pause, signal);
      } else failures = 0;
      continue;
    }
    await sleep(25, signal);
  }
  return false;
}

export async function runPipeline(options: RunOptions): Promise<RunSummary> {
  const { config, log } = options;
  const started = performance.now();
  const stats = new PipelineStats();

  const seed = seedState(config.seedDir);
  if (seed.kind === 'partial') throw partialSeedError(config.seedDir, seed);
  if (seed.kind === 'csv-only') {
    log(
      `${config.seedDir} holds customers.csv, inventory.csv and orders.csv without manifest.json: using those files (never written over) and building their manifest…`,
    );
    const built = await buildManifestFromFiles(config.seedDir, (b) => options.onBadRow?.(b));
    log(
      `wrote ${join(config.seedDir, SeedFiles.manifest)}: ${built.totals.customers} customers, ${built.totals.products} products, ${built.totals.orders} orders (revenue ${built.totals.revenue} EUR)`,
    );
  }
  if (seed.kind === 'empty') {
    log(
      `no seed data in ${config.seedDir}: generating ${SEED_DEFAULTS.orders} orders (seed ${SEED_DEFAULTS.seed})…`,
    );
    await generateSeedFiles({
      ...SEED_DEFAULTS,
      start: utcDay(SEED_DEFAULTS.start),
      end: utcDay(SEED_DEFAULTS.end),
      outputDir: config.seedDir,
      signal: options.signal,
    });
  }
  const manifest = await readManifest(join(config.seedDir, SeedFiles.manifest));

  const warehouse = await openWarehouse(config.warehouse);
  let bus: Bus | undefined;
  let producer: BusProducer | undefined;
  let consumer: BusConsumer | undefined;
  let dashboard: RunningDashboard | undefined;
  const stopIngest = new AbortController();
  const stopTask = new AbortController();
  try {
    await warehouse.setup();
    const bad = (b: BadRow) => options.onBadRow?.(b);
    const loaded = await loadSeed(warehouse, config.seedDir, manifest, bad);
    log(
      `warehouse ${warehouse.describe()} ready: ${loaded.customers} customers, ${loaded.products} products loaded${loaded.uncostedNote}`,
    );
    const replaced = describeReplacedSeed(loaded);
    if (replaced) log(replaced);

    bus = await openBus(config.bus);
    // The in-process bus uses one partition: its offsets are then the replay's row order, so a
    // restarted run knows exactly which rows its ingest stored (see resumePoint).
    await bus.ensureTopic(config.topic, bus.keepsRecords ? config.bus.partitions : 1);
    const groupId = config.bus.kind === 'kafka' ? config.bus.groupId : 'dropship-run';
    log(
      config.bus.kind === 'kafka'
        ? `bus Kafka ${config.bus.brokers.join(',')}: topic ${config.topic}, group ${groupId}, dead letters → ${config.bus.dlqTopic}`
        : `bus in-process (memory; set KAFKA_BOOTSTRAP_SERVERS to use Kafka): topic ${config.topic}`,
    );
    const stored = await warehouse.storedOffsets(groupId, config.topic);
    bus.resumeTopic(config.topic, stored);
    const resumeAt = bus.keepsRecords
      ? 0
      : await resumePoint(config.seedDir, Number(stored.get(0) ?? 0n), warehouse, log);
    if (bus.keepsRecords && stored.size > 0)
      log(
        `a new replay of ${config.seedDir} from its first row: the topic keeps the earlier ones, so RAW stores these events again (new offsets) and PROD still holds each order once`,
      );
    producer = await bus.producer(config.topic);
    consumer = await bus.consumer(config.topic, groupId);
    const deadLetterProducer =
      config.bus.kind === 'kafka' ? await bus.producer(config.bus.dlqTopic) : undefined;

    const ingestDone = runIngest({
      consumer,
      warehouse,
      consumerGroup: groupId,
      batchSize: config.ingest.batchSize,
      batchWaitMs: options.once ? 50 : config.ingest.batchWaitMs,
      maxEventBytes: config.ingest.maxEventBytes,
      signal: stopIngest.signal,
      stats,
      deadLetterProducer,
      onRetry: (error, attempt) =>
        log(`ingest: retrying after error (attempt ${attempt}): ${(error as Error).message}`),
    });
    const ingestFailed = ingestDone.then(
      () => undefined,
      (error: unknown) => error,
    );
    // An ingest that gave up (a full disk, a warehouse gone) ends the publication too: a
    // replay waiting on the in-process bus's full backlog would otherwise wait forever for the
    // consumer. Closing the producer wakes a send that waits; the ingest's error is reported.
    const stopPublishing = new AbortController();
    const stopOnSignal = () => stopPublishing.abort();
    options.signal.addEventListener('abort', stopOnSignal, { once: true });
    let ingestError: unknown;
    void ingestFailed.then(async (error) => {
      if (!error) return;
      ingestError = error;
      stopPublishing.abort();
      await producer?.close().catch(() => undefined);
    });
    const taskDone = runTaskSchedule({
      warehouse,
      // A bulk replay has no dashboard to keep moving: fewer, larger MERGEs cost less in all
      // (a run holds the writer, and its cost per row falls with size), while still keeping
      // each one bounded. 1M orders: 11 runs took 12 s of a 30 s replay, 3 runs take ~6 s.
      everyMs: options.once
        ? Math.max(config.task.runScheduleMs, ONCE_TASK_EVERY_MS)
        : config.task.runScheduleMs,
      signal: stopTask.signal,
      stats,
      onRun: options.onTaskRun,
      onError: (error) => log(`task: ${(error as Error).message}`),
    });

    if (options.startDashboard && !options.once) {
      dashboard = await options.startDashboard({ warehouse, stats, bus, consumer });
      log(`dashboard: ${dashboard.url}`);
    }

    const rate = options.once ? 0 : options.rate;
    const progress = (published: number, total: number | null) =>
      options.onProgress?.({ published, total, stats });
    let published = 0;
    let badRows = 0;
    try {
      const replay: ProduceResult = await replayOrders(
        { dir: config.seedDir },
        {
          producer,
          rate,
          skip: resumeAt,
          signal: stopPublishing.signal,
          onBadRow: bad,
          onProgress: (n) => {
            stats.produced = n;
            progress(resumeAt + n, replayedEvents(manifest));
          },
        },
      );
      published = replay.published;
      badRows = replay.badRows;
      if (!options.once && !stopPublishing.signal.aborted) {
        log(
          `replay done (${replay.published} events); now streaming new orders and their lifecycles (shop time ×${config.produceTimeScale}) at ${rate}/s until stopped (Ctrl-C)`,
        );
        const live = await streamOrders(config.seedDir, manifest.totals.customers, {
          producer,
          rate,
          timeScale: config.produceTimeScale,
          signal: stopPublishing.signal,
          onBadRow: bad,
          onProgress: (n) => {
            stats.produced = replay.published + n;
            progress(replay.published + n, null);
          },
        });
        published += live.published;
        badRows += live.badRows;
      }
    } catch (error) {
      // The producer closed under a send because the ingest gave up: the ingest's is the cause.
      throw ingestError ?? error;
    } finally {
      options.signal.removeEventListener('abort', stopOnSignal);
    }
    if (ingestError) throw ingestError;

    // Stop publishing, then let the ingest and the task catch up with what was published.
    const caughtUp = await Promise.race([
      drain(
        consumer,
        warehouse,
        stats,
        Date.now() + (options.once ? 24 * 3_600_000 : 30_000),
        options.signal,
        log,
        options.onTaskRun,
      ),
      ingestFailed.then((error) => {
        if (error) throw error;
        return false;
      }),
    ]);
    stopIngest.abort();
    stopTask.abort();
    await ingestDone;
    await taskDone;
    const last = await runTaskOnce(warehouse, stats, 'manual');
    options.onTaskRun?.(last);

    const counts = await warehouse.reads.tableCounts();
    return {
      eventsRead: published + badRows,
      published,
      badRows,
      rawRows: Number(counts.raw_rows ?? 0),
      prodOrders: Number(counts.prod_orders ?? 0),
      quarantined: Number(counts.dead_letters ?? 0),
      redelivered: stats.redelivered,
      taskRuns: stats.taskRuns,
      durationMs: performance.now() - started,
      interrupted: options.signal.aborted,
      caughtUp,
    };
  } finally {
    stopIngest.abort();
    stopTask.abort();
    await dashboard?.close().catch(() => undefined);
    await producer?.close().catch(() => undefined);
    await consumer?.close().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await warehouse.close();
  }
}
