import type { Command } from 'commander';
import { defaultPeriod, SEED_DEFAULTS, utcDay, yearEndingOn } from '../../pipeline/defaults.ts';
import { GENERATE_LIMITS, generateSeedFiles } from '../../pipeline/generate.ts';
import { PipelineError } from '../../errors.ts';
import { isoDate, nonNegativeInt, integer, ratioUpTo } from '../args.ts';
import { MAX_RATIO } from '../../generator/messy-data.ts';
import { formatDuration, Progress } from '../progress.ts';
import { formatCount } from '../../domain/values.ts';
import { command } from '../run-command.ts';
import { fromSetting } from '../help.ts';

interface GenerateFlags {
  customers: number;
  products: number;
  orders: number;
  seed: number;
  start?: Date;
  end?: Date;
  outputDir?: string;
  lateRatio: number;
  duplicateRatio: number;
  badRatio: number;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description(
      'write customers.csv, inventory.csv, orders.csv, order_events.csv and manifest.json (deterministic)',
    )
    .option(
      '--customers <n>',
      `number of customers (at most ${GENERATE_LIMITS.customers.toLocaleString('en')})`,
      nonNegativeInt,
      SEED_DEFAULTS.customers,
    )
    .option(
      '--products <n>',
      `number of products (at most ${GENERATE_LIMITS.products.toLocaleString('en')})`,
      nonNegativeInt,
      SEED_DEFAULTS.products,
    )
    .option(
      '--orders <n>',
      `number of orders (at most ${GENERATE_LIMITS.orders.toLocaleString('en')}, ≈ 265 bytes each with their lifecycle; refused when the files would not fit on the disk)`,
      nonNegativeInt,
      SEED_DEFAULTS.orders,
    )
    .option(
      '--seed <n>',
      'random seed (same seed and arguments = same bytes)',
      integer,
      SEED_DEFAULTS.seed,
    )
    .option(
      '--start <date>',
      'first day of orders, UTC (YYYY-MM-DD); default: a year before --end',
      isoDate,
    )
    .option(
      '--end <date>',
      'last day of orders, UTC (YYYY-MM-DD), included; default: yesterday, so the data ends now',
      isoDate,
    )
    .option('--output-dir <dir>', `output folder${fromSetting('SEED_DIR')}`)
    .option(
      '--late-ratio <r>',
      `share (0–${MAX_RATIO}) of the lifecycle steps followed by another step of their order that reach the bus after it (at most 5,000 events later)`,
      ratioUpTo(MAX_RATIO),
      0,
    )
    .option(
      '--duplicate-ratio <r>',
      `share (0–${MAX_RATIO}) of the events (creations and steps) published twice, the same event id and content`,
      ratioUpTo(MAX_RATIO),
      0,
    )
    .option(
      '--bad-ratio <r>',
      `invalid records per order (0–${MAX_RATIO}), written to bad_events.jsonl and published by the replay: dead letters`,
      ratioUpTo(MAX_RATIO),
      0,
    )
    .action(
      command(async (ctx, given: GenerateFlags) => {
        const end = given.end ?? utcDay(defaultPeriod().end);
        const { lateRatio, duplicateRatio, badRatio, ...rest } = given;
        const flags = { ...rest, end, start: given.start ?? yearEndingOn(end) };
        if (flags.end < flags.start)
          throw new PipelineError(
            'BAD_ARGUMENT',
            `--end (${flags.end.toISOString().slice(0, 10)}) is before --start (${flags.start.toISOString().slice(0, 10)})`,
          );
        if (flags.orders > 0 && (flags.customers === 0 || flags.products === 0)) {
          throw new PipelineError(
            'BAD_ARGUMENT',
            '--orders needs at least one customer (--customers) and one product (--products)',
          );
        }
        const { config } = ctx.config({ SEED_DIR: flags.outputDir });
        const progress = new Progress({ label: 'generate', unit: 'rows' });
        const result = await generateSeedFiles({
          ...flags,
          outputDir: config.seedDir,
          messy: { late: lateRatio, duplicate: duplicateRatio, bad: badRatio },
          signal: ctx.signal,
          onProgress: (p) => progress.update(p.rows, p.total),
        });
        progress.done();
        const t = result.manifest.totals;
        ctx.log(
          `generated ${formatCount(t.customers)} customers, ${formatCount(t.products)} products, ${formatCount(t.orders)} orders ` +
            `(revenue ${t.revenue} EUR) in ${formatDuration(result.durationMs)} → ${result.outputDir}`,
        );
        const m = t.messy_data;
        if (m)
          ctx.log(
            `messy data: ${formatCount(m.late_events)} late steps, ${formatCount(m.expected.duplicates_absorbed)} duplicated events, ${formatCount(m.bad_events)} bad records (bad_events.jsonl); expected: RAW ${formatCount(m.expected.raw_rows)} rows, PROD ${formatCount(m.expected.prod_orders)} orders, ${formatCount(m.expected.dead_letters)} dead letters`,
          );
      }),
    );
}
