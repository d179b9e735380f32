/**
 * `npm run bench`: every benchmark, side by side in one run on this machine, written to
 * docs/BENCHMARKS.md with the machine and the command to reproduce. Benchmarks never run in
 * `npm test` (timings on shared machines are noisy); medians and ratios are quoted.
 *
 * BENCH_ONLY=generate,pipeline,kafka,snowflake,node picks sections; BENCH_SCALE=0.1 shrinks the
 * data sets. The Kafka section needs a broker on 127.0.0.1:9092 (`npm run kafka:up`); without
 * one it is reported as not run. The Snowflake section needs the local emulator (`npm run
 * snowflake:local`); without it, it is reported as not run, with the reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { benchGenerate, toMarkdown, type BenchResult } from './generate.ts';
import { benchPipeline, benchSnowflakeIngest } from './pipeline.ts';

const sections: Record<string, () => Promise<BenchResult>> = {
  generate: benchGenerate,
  pipeline: benchPipeline,
  kafka: async () => (await import('./kafka.ts')).benchKafka(),
  snowflake: benchSnowflakeIngest,
  node: async () => (await import('./node-versions.ts')).benchNodeVersions(),
};

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let duckdb = '';
  try {
    duckdb = execFileSync(
      process.execPath,
      ['-e', "console.log(require('@duckdb/node-api/package.json').version)"],
      { encoding: 'utf8' },
    ).trim();
  } catch {
    duckdb = '?';
  }
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}; @duckdb/node-api ${duckdb}; load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

const only = (process.env.BENCH_ONLY ?? Object.keys(sections).join(','))
  .split(',')
  .map((s) => s.trim());
const started = new Date();
const parts: string[] = [];
for (const name of only) {
  const run = sections[name];
  if (!run)
    throw new Error(
      `unknown bench section ${name} (choose from ${Object.keys(sections).join(', ')})`,
    );
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const result = await run();
    parts.push(toMarkdown(result));
    process.stderr.write(toMarkdown(result));
  } catch (error) {
    parts.push(`## ${name}\n\nnot run: ${(error as Error).message.split('\n')[0]}\n`);
    process.stderr.write(`bench ${name} failed: ${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}

const doc = `# Benchmarks

Measured by \`npm run bench\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, all sections in one run on the same machine:
${machine()}.

Reproduce: \`npm run kafka:up && npm run bench\` (\`BENCH_SCALE=0.1\` for a quick look). These are single runs or
medians of a few runs on a shared 2-core machine: read ratios and orders of magnitude, not the last digit.

${parts.join('\n')}`;
await mkdir('docs', { recursive: true });
await writeFile('docs/BENCHMARKS.md', doc);
process.stderr.write('bench: wrote docs/BENCHMARKS.md\n');
