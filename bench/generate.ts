/**
 * Benchmark of `dropship generate` (DESIGN.md §8): the real CLI as a child process, into a
 * temp dir deleted afterwards.
 *
 *   (1) 1M orders + 100k customers + 10k products: wall time, median of 3 runs, and orders/s.
 *   (2) 10M orders (same customers/products): wall time (1 run) and peak RSS of the child.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`) when present, else from polling
 * /proc/<pid>/status (VmHWM) until the child exits.
 *
 * Run alone: `node --import tsx bench/generate.ts` prints a markdown table.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { count, median } from './stats.ts';

const CLI_BIN = fileURLToPath(new URL('../bin/dropship.js', import.meta.url));
/** GNU time's path; set BENCH_GNU_TIME=/nonexistent to use the /proc fallback. */
const GNU_TIME = process.env.BENCH_GNU_TIME ?? '/usr/bin/time';

const CUSTOMERS = 100_000;
const PRODUCTS = 10_000;
const SMALL_ORDERS = 1_000_000;
const LARGE_ORDERS = 10_000_000;
const SMALL_RUNS = 3;
const TARGET_SMALL_SECONDS = 3;
const TARGET_PEAK_MB = 200;

export interface BenchResult {
  name: string;
  rows: Array<Record<string, string | number>>;
  notes: string[];
  /** Why the section did not run (a service it needs is missing): reported, not a failure. */
  skipped?: string;
}

interface RunFigures {
  wallMs: number;
  /** Peak resident set size of the generating process, in bytes (null when not measured). */
  peakRssBytes: number | null;
  /** How the peak was measured. */
  rssSource: string;
  /** The CLI's own "in X s" figure, from its summary line (excludes process start-up). */
  reported: string | null;
}

function generateArgs(orders: number, outputDir: string): string[] {
  return [
    CLI_BIN,
    'generate',
    '--customers',
    String(CUSTOMERS),
    '--products',
    String(PRODUCTS),
    '--orders',
    String(orders),
    '--seed',
    '42',
    '--output-dir',
    outputDir,
  ];
}

/** VmHWM (peak RSS) of a live process, in bytes; null once it has exited. */
async function readVmHwm(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Runs one `dropship generate` into a fresh temp dir (removed afterwards) and measures it. */
async function runGenerate(orders: number, measureRss: boolean): Promise<RunFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-bench-generate-'));
  const timeFile = join(dir, 'time.txt');
  const outputDir = join(dir, 'seed');
  const useGnuTime = measureRss && existsSync(GNU_TIME);
  const [command, args] = useGnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', timeFile, process.execPath, ...generateArgs(orders, outputDir)]]
    : [process.execPath, generateArgs(orders, outputDir)];
  try {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });

    let polledPeak: number | null = null;
    let polling = measureRss && !useGnuTime && child.pid !== undefined;
    const poller = (async () => {
      while (polling) {
        const hwm = await readVmHwm(child.pid!);
        if (hwm !== null) polledPeak = Math.max(polledPeak ?? 0, hwm);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const code = await exited;
    const wallMs = performance.now() - started;
    polling = false;
    await poller;
    if (code !== 0)
      throw new Error(
        `dropship generate --orders ${orders} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );

    let peakRssBytes: number | null = null;
    let rssSource = 'not measured';
    if (useGnuTime) {
      const kb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1));
      if (Number.isFinite(kb)) {
        peakRssBytes = kb * 1024;
        rssSource = `${GNU_TIME} -f %M`;
      }
    } else if (measureRss) {
      peakRssBytes = polledPeak;
      rssSource = '/proc/<pid>/status VmHWM (polled every 25 ms)';
    }
    const reported = / in (.+?) → /.exec(stderr)?.[1] ?? null;
    return { wallMs, peakRssBytes, rssSource, reported };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchGenerate(): Promise<BenchResult> {
  const loadBefore = loadavg()[0]!;
  const small: RunFigures[] = [];
  for (let i = 0; i < SMALL_RUNS; i++) small.push(await runGenerate(SMALL_ORDERS, false));
  const smallMedianMs = median(small.map((r) => r.wallMs));
  const large = await runGenerate(LARGE_ORDERS, true);
  const peakMb = large.peakRssBytes === null ? null : large.peakRssBytes / 1024 / 1024;

  const rows: Array<Record<string, string | number>> = [
    {
      measure: 'generate 1M orders + 100k customers + 10k products: wall time (median of 3)',
      value: seconds(smallMedianMs),
      target: `≤ ${TARGET_SMALL_SECONDS} s`,
      verdict: smallMedianMs <= TARGET_SMALL_SECONDS * 1000 ? 'ok' : 'over target',
    },
    {
      measure: 'generate 1M orders: throughput (wall time, start-up included)',
      value: `${count(SMALL_ORDERS / (smallMedianMs / 1000))} orders/s`,
      target: `≥ ${count(SMALL_ORDERS / TARGET_SMALL_SECONDS)} orders/s`,
      verdict: smallMedianMs <= TARGET_SMALL_SECONDS * 1000 ? 'ok' : 'over target',
    },
    {
      measure: 'generate 10M orders + 100k customers + 10k products: wall time (1 run)',
      value: `${seconds(large.wallMs)} (${count(LARGE_ORDERS / (large.wallMs / 1000))} orders/s)`,
      target: '—',
      verdict: '—',
    },
    {
      measure: 'generate 10M orders: peak RSS of the child',
      value: peakMb === null ? 'n/a' : `${peakMb.toFixed(0)} MB`,
      target: `≤ ${TARGET_PEAK_MB} MB`,
      verdict: peakMb === null ? 'not measured' : peakMb <= TARGET_PEAK_MB ? 'ok' : 'over target',
    },
  ];

  const cpu = cpus();
  const notes = [
    `1M runs (wall): ${small.map((r) => seconds(r.wallMs)).join(', ')}; the CLI's own timing (no process start-up): ${small.map((r) => r.reported ?? '?').join(', ')}.`,
    `10M run: the CLI reported ${large.reported ?? '?'}; peak RSS via ${large.rssSource}.`,
    'Wall time is spawn → exit of `node bin/dropship.js generate` (Node start-up and the tsx loader included); files go to a temp dir deleted after each run.',
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB RAM, Node ${process.version}, ${process.platform}; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (other work on the machine slows the figures).`,
    'Reproduce: `node --import tsx bench/generate.ts`.',
  ];
  return { name: 'generate', rows, notes };
}

export function toMarkdown(result: BenchResult): string {
  if (result.skipped) return `## ${result.name}\n\nnot run: ${result.skipped}\n`;
  const columns = [...new Set(result.rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) => String(v ?? '').replace(/\|/g, '\\|');
  const lines = [
    `## ${result.name}`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...result.rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`),
    '',
    ...result.notes.map((n) => `- ${n}`),
  ];
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchGenerate().then(
    (result) => process.stdout.write(toMarkdown(result)),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
