/**
 * What every fault scenario shares: a seed of its own, the real CLI as separate processes on a
 * real broker, and the same ending — `dropship validate` PASS and an exact reconciliation of
 * PROD and RAW against the manifest — with the figures measured on the way, written to
 * docs/RELIABILITY.md (one section per scenario) when RELIABILITY_REPORT=1.
 *
 * Two sizes: the short form runs inside `npm test` (few orders, few rounds: the machine is
 * shared); FAULTS_SCALE=full (`npm run test:faults`) replays more orders with more faults.
 * FAULTS_ROUNDS overrides the number of faults (kills, joins, restarts) of either size.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { replayedEvents, type Manifest } from '../../src/domain/manifest.ts';
import { runIngest } from '../../src/pipeline/ingest.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, startCli, type CliResult, type StartedCli } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/kafka-broker.ts';
import { groupOffsets } from '../helpers/pipeline-processes.ts';
import { writeReliabilitySection } from '../helpers/reliability-report.ts';

export const FULL = process.env.FAULTS_SCALE === 'full';

/** The short or the full figure of a scenario. */
export function scale<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** Number of faults a scenario provokes (FAULTS_ROUNDS overrides both sizes). */
export function rounds(short: number, full: number): number {
  const given = Number(process.env.FAULTS_ROUNDS);
  return Number.isInteger(given) && given > 0 ? given : scale(short, full);
}

/** mulberry32: seeded, so a failing fault pattern can be replayed with the same seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scenario's temp dir, seed files and manifest; `lane()` gives it topics, groups and files. */
export interface FaultSeed {
  dir: string;
  seedDir: string;
  manifest: Manifest;
  orders: number;
  remove(): Promise<void>;
}

export async function makeSeed(label: string, orders: number, seed = 16): Promise<FaultSeed> {
  const dir = await mkdtemp(join(tmpdir(), `dropship-faults-${label}-`));
  const seedDir = join(dir, 'seed');
  const gen = await runCli(
    ['generate', '--orders', String(orders), '--customers', '400', '--products', '100'].concat([
      '--seed',
      String(seed),
      '--output-dir',
      seedDir,
    ]),
    { cwd: dir, timeoutMs: 120_000 },
  );
  expect(gen.code, gen.stderr).toBe(0);
  const manifest = JSON.parse(await readFile(join(seedDir, 'manifest.json'), 'utf8')) as Manifest;
  return {
    dir,
    seedDir,
    manifest,
    orders,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface Lane {
  label: string;
  dir: string;
  bootstrap: string;
  topic: string;
  group: string;
  db: string;
  env: Record<string, string>;
  cli(args: string[], extra?: Record<string, string>, timeoutMs?: number): Promise<CliResult>;
  start(args: string[], extra?: Record<string, string>, timeoutMs?: number): StartedCli;
}

/** A topic, a group and a DuckDB file of their own, on `bootstrap`. */
export function lane(seed: FaultSeed, label: string, bootstrap: string): Lane {
  const topic = uniqueName(`faults-${label}`);
  const group = uniqueName(`faults-${label}-group`);
  const db = join(seed.dir, `${label}.duckdb`);
  const env = {
    KAFKA_BOOTSTRAP_SERVERS: bootstrap,
    KAFKA_TOPIC: topic,
    KAFKA_GROUP_ID: group,
    SEED_DIR: seed.seedDir,
    DUCKDB_PATH: db,
    REPORTS_DIR: join(seed.dir, `reports-${label}`),
    TASK_SCHEDULE: '1 second',
    CI: 'true',
  };
  const options = (extra: Record<string, string>, timeoutMs: number) => ({
    cwd: seed.dir,
    env: { ...env, ...extra },
    timeoutMs,
  });
  return {
    label,
    dir: seed.dir,
    bootstrap,
    topic,
    group,
    db,
    env,
    cli: (args, extra = {}, timeoutMs = 180_000) => runCli(args, options(extra, timeoutMs)),
    start: (args, extra = {}, timeoutMs = 600_000) => startCli(args, options(extra, timeoutMs)),
  };
}

/** What RAW and PROD hold, read from the lane's DuckDB file (no process may own it). */
export interface WarehouseFigures {
  prod: number;
  prodDistinct: number;
  prodCents: number;
  /** Replayed orders (from the CSV) and live ones (`produce --mode stream`, ids ORD-L…). */
  prodLive: number;
  /** Live orders created in RAW (their order_created events). */
  rawLiveCreated: number;
  raw: number;
  rawRecords: number;
  rawEvents: number;
  quarantined: number;
  /** RAW rows the task has merged (its stream offset). */
  merged: number;
  /** Next offsets stored with the RAW rows, summed over partitions. */
  storedOffsets: number;
}

export async function warehouseFigures(db: string): Promise<WarehouseFigures> {
  const w = await DuckDbWarehouse.open(db);
  try {
    const [p] = await w.query<Record<string, string>>(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids,
              CAST(coalesce(round(sum(quantity * unit_price) FILTER (WHERE id NOT LIKE 'ORD-L%') * 100), 0) AS BIGINT) AS cents,
              count(*) FILTER (WHERE id LIKE 'ORD-L%') AS live
         FROM orders`,
    );
    const [r] = await w.query<Record<string, string>>(
      `SELECT count(*) AS n, count(DISTINCT (topic, "partition", "offset")) AS records,
              count(DISTINCT event_id) AS events,
              count(DISTINCT order_id) FILTER (WHERE event_type = 'order_created' AND order_id LIKE 'ORD-L%') AS live_created
         FROM orders_events`,
    );
    const [q] = await w.query<Record<string, string>>(
      'SELECT count(*) AS n FROM orders_quarantine',
    );
    const [t] = await w.query<Record<string, string>>(
      'SELECT coalesce(max(stream_offset), 0) AS merged FROM task_state',
    );
    const [o] = await w.query<Record<string, string>>(
      'SELECT coalesce(sum(next_offset), 0) AS stored FROM bus_offsets',
    );
    return {
      prod: Number(p?.n),
      prodDistinct: Number(p?.ids),
      prodCents: Number(p?.cents),
      prodLive: Number(p?.live),
      rawLiveCreated: Number(r?.live_created),
      raw: Number(r?.n),
      rawRecords: Number(r?.records),
      rawEvents: Number(r?.events),
      quarantined: Number(q?.n),
      merged: Number(t?.merged),
      storedOffsets: Number(o?.stored),
    };
  } finally {
    await w.close();
  }
}

export interface Reconciliation {
  figures: WarehouseFigures;
  /** Orders of the manifest (plus the live orders created) missing from PROD. */
  lost: number;
  /** Extra copies: orders in PROD more than once, bus records in RAW more than once. */
  doubled: number;
}

/**
 * Runs the task once more (what is left in RAW), then asserts PROD = the manifest exactly
 * (count, distinct ids, revenue to the cent), plus the live orders whose creation is among the
 * `live` events a stream published (creations and lifecycle steps: every one is in RAW), and
 * RAW = one row per bus record. Returns the figures and lost/doubled as measured (both 0 when
 * it passes).
 */
export async function reconcile(l: Lane, seed: FaultSeed, live = 0): Promise<Reconciliation> {
  const task = await l.cli(['task', 'run']);
  expect(task.code, task.stderr).toBe(0);
  const figures = await warehouseFigures(l.db);
  if (live > 0) expect(figures.rawLiveCreated).toBeGreaterThan(0);
  const liveOrders = figures.rawLiveCreated;
  const expected = seed.manifest.totals.orders + liveOrders;
  const lost = Math.max(0, expected - figures.prodDistinct);
  const doubled = figures.prod - figures.prodDistinct + (figures.raw - figures.rawRecords);
  expect(figures, 'PROD and RAW against the manifest').toMatchObject({
    prod: expected,
    prodDistinct: expected,
    prodLive: liveOrders,
    prodCents: seed.manifest.totals.revenue_cents,
    raw: figures.rawRecords,
    quarantined: 0,
  });
  // Every bus record of the topic is in RAW once (the producer may have sent an event twice
  // across a broker outage: two records, one order in PROD): each order's creation and its
  // lifecycle steps, and the live events (creations and steps).
  expect(figures.rawEvents).toBe(replayedEvents(seed.manifest) + live);
  return { figures, lost, doubled };
}

/** `dropship validate` must PASS: exit 0 and status PASS in the JSON report it wrote. */
export async function validatePass(l: Lane): Promise<void> {
  const validate = await l.cli(['validate']);
  expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  const reports = l.env.REPORTS_DIR!;
  const names = (await readdir(reports)).filter((n) => n.endsWith('.json')).sort();
  const report = JSON.parse(await readFile(join(reports, names.at(-1)!), 'utf8')) as {
    status: string;
    checks: { name: string; status: string; explanation?: string }[];
  };
  const notPass = report.checks.filter((c) => c.status !== 'PASS');
  expect(report.status, JSON.stringify(notPass)).toBe('PASS');
}

/** Resolves with the first match of `pattern` (its captures) in the command's stderr. */
export function waitForLine(
  started: StartedCli,
  pattern: RegExp,
  timeoutMs = 120_000,
  accept: (m: RegExpMatchArray) => boolean = () => true,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const stream = started.child.stderr!;
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(
        new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\n${seen.slice(-3000)}`),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      for (const m of seen.matchAll(
        new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`),
      )) {
        if (!accept(m)) continue;
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m);
        return;
      }
    };
    stream.on('data', onData);
    void started.result.then((r) => {
      if (seen.length === 0) seen = r.stderr;
    });
  });
}

/**
 * The topic's records and the group's committed offsets, retried: a broker that just started
 * answers "not the correct coordinator" until its offsets topic is ready.
 */
export async function offsetsOf(l: Lane): Promise<{ end: number; committed: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await groupOffsets(l);
    } catch (error) {
      if (attempt >= 20) throw error;
      await pause(500);
    }
  }
}

/** Waits until the lane's group has committed at least `records` records (summed). */
export async function waitCommitted(l: Lane, records: number, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = { end: 0, committed: 0 };
  while (Date.now() < deadline) {
    last = await groupOffsets(l).catch(() => last);
    if (last.committed >= records) return;
    await pause(200);
  }
  throw new Error(
    `group ${l.group} committed ${last.committed} of ${records} records in ${timeoutMs} ms`,
  );
}

/** A count as the CLI prints it (en-US grouping). */
export const count = (text: string | undefined) => Number((text ?? '').replaceAll(',', ''));

/** A row of a scenario's table in docs/RELIABILITY.md. */
export interface ScenarioRow {
  scenario: string;
  how: string;
  runs: number;
  events: number;
  faults: number;
  lost: number;
  doubled: number;
  recovery: string;
}

/** Writes section `faults-<name>`: the scenario's table and the notes of its last run. */
export function reportScenario(
  name: string,
  title: string,
  rows: ScenarioRow[],
  notes: string[],
  startedAt: number,
): void {
  writeReliabilitySection(
    `faults-${name}`,
    [
      `## Fault: ${title}`,
      '',
      '| scenario | how it is provoked | runs | events | faults | lost | doubled | recovery |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.scenario} | ${r.how} | ${r.runs} | ${r.events} | ${r.faults} | ${r.lost} | ${r.doubled} | ${r.recovery} |`,
      ),
      '',
      ...notes.map((n) => `- ${n}`),
      `- Last run: ${new Date().toISOString()}, ${((Date.now() - startedAt) / 1000).toFixed(0)} s, FAULTS_SCALE=${FULL ? 'full' : 'short'}, ending with \`dropship validate\` PASS and PROD = manifest.`,
    ].join('\n'),
  );
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Consumers of the lane's group inside the test process, on one DuckDB warehouse (DuckDB
 * allows one process per file, so several group members or a fault injected into the
 * warehouse from the test side need the members here). Real broker, real ingest.
 */
export async function inProcessPipeline(l: Lane) {
  const warehouse = await DuckDbWarehouse.open(l.db);
  const bus = new KafkaBus({
    kind: 'kafka',
    brokers: [l.bootstrap],
    groupId: l.group,
    dlqTopic: `${l.topic}.dlq`,
    partitions: 3,
    clientId: 'dropship-faults',
  });
  const running = new Set<Promise<void>>();
  const stops = new Set<AbortController>();
  return {
    warehouse,
    /** Starts a group member; `stop()` aborts it and resolves once it has left the group. */
    member(onBatch: (records: number) => void, onRetry?: (error: unknown) => void) {
      const stop = new AbortController();
      stops.add(stop);
      const done = (async () => {
        const consumer = await bus.consumer(l.topic, l.group);
        try {
          await runIngest({
            consumer,
            warehouse,
            consumerGroup: l.group,
            batchSize: 200,
            batchWaitMs: 50,
            signal: stop.signal,
            onBatch: (r) => onBatch(r.records),
            onRetry: (error) => onRetry?.(error),
          });
        } finally {
          await consumer.close();
        }
      })();
      running.add(done);
      return {
        done,
        stop: async () => {
          stop.abort();
          await done;
          running.delete(done);
        },
      };
    },
    /** Stops the members still running (a scenario that failed midway) and closes. */
    async close() {
      for (const stop of stops) stop.abort();
      await Promise.allSettled(running);
      await bus.close();
      await warehouse.close();
    },
  };
}
