import { replayedEvents } from '../../domain/manifest.ts';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { openBus } from '../../bus/index.ts';
import type { KafkaBus } from '../../bus/kafka/kafka-bus.ts';
import type { Bus, BusProducer } from '../../bus/types.ts';
import { SeedFiles } from '../../domain/tables.ts';
import { PipelineError } from '../../errors.ts';
import {
  PublishStoppedError,
  replayOrders,
  streamOrders,
  type ProduceResult,
} from '../../pipeline/produce.ts';
import {
  badRowWarning,
  hasSeedFiles,
  readManifest,
  type BadRow,
} from '../../pipeline/seed-files.ts';
import { intAtLeast } from '../args.ts';
import { formatDuration, Progress } from '../progress.ts';
import { formatCount } from '../../domain/values.ts';
import { command, ExitCode, type CommandContext } from '../run-command.ts';
import { requireKafka } from './common.ts';
import { fromSetting } from '../help.ts';

type Mode = 'replay' | 'stream';

interface ProduceFlags {
  mode: Mode;
  file?: string;
  rate?: string;
  timeScale?: string;
  count?: number;
  seedDir?: string;
}

function mode(value: string): Mode {
  if (value !== 'replay' && value !== 'stream')
    throw new InvalidArgumentError(`must be "replay" or "stream" (got "${value}")`);
  return value;
}

/** Routes the client's warnings (broker restarts…) to the command's log. */
export function logBusWarnings(bus: Bus, ctx: CommandContext, before?: () => void): void {
  if (bus.kind === 'kafka') {
    (bus as KafkaBus).setLog((message) => {
      before?.();
      ctx.log(message);
    });
  }
}

/** The line of `path` that holds order `id` (its first field), or null. */
async function lineOfOrder(path: string, id: string): Promise<number | null> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.startsWith(`${id},`) || line.startsWith(`"${id}",`)) return n;
    }
  } catch {
    // Unreadable now: the message goes without the line.
  } finally {
    lines.close();
  }
  return null;
}

/**
 * A replay the CSV stopped midway: the error says how much of the file is on the bus (up to
 * which row) and how to go on, besides the CSV's own cause and fix. Re-running replays the
 * file from its first row: the orders already sent are sent again, with the same event ids.
 */
async function replayStopped(
  error: PublishStoppedError,
  path: string,
  topic: string,
): Promise<PipelineError> {
  const { published, lastKey } = error;
  const line = lastKey ? await lineOfOrder(path, lastKey) : null;
  const sent =
    published === 0
      ? `nothing was sent to ${topic}`
      : `${formatCount(published)} events were sent to ${topic} before it stopped (the rows up to ${line ? `line ${line}, ` : ''}order ${lastKey})`;
  const again =
    published === 0
      ? 'then run the same command again'
      : `then run the same command again: it replays ${path} from its first row, so those ${formatCount(published)} orders are sent again with the same event ids; PROD still holds each order once (the task's MERGE dedupes by order id), and RAW keeps both copies (\`dropship validate\` reports them as replayed events, a WARN)`;
  return new PipelineError(error.code, `${error.message}; ${sent}`, {
    hint: `${error.hint ? `${error.hint}; ` : `fix ${path}; `}${again}`,
    cause: error,
  });
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description(
      'publish order events to Kafka/Redpanda: replay orders.csv and order_events.csv, or stream new random orders and their lifecycles until stopped',
    )
    .option(
      '--mode <mode>',
      'replay (one event per CSV row) or stream (new orders and their lifecycles until stopped or --count)',
      mode,
      'replay',
    )
    .option('--file <path>', 'orders CSV to replay [default <SEED_DIR>/orders.csv]')
    .option(
      '--rate <n>',
      `events per second, 0 = as fast as the broker acknowledges${fromSetting('PRODUCE_RATE')}`,
    )
    .option(
      '--time-scale <n>',
      `stream: shop seconds per wall second, so lifecycles complete while it runs${fromSetting('PRODUCE_TIME_SCALE')}`,
    )
    .option('--count <n>', 'stop after this many events, creations and steps (≥ 1)', intAtLeast(1))
    .option('--seed-dir <dir>', `folder of the seed CSVs${fromSetting('SEED_DIR')}`)
    .action(
      command(async (ctx, flags: ProduceFlags) => {
        const { config } = ctx.config({
          PRODUCE_RATE: flags.rate,
          PRODUCE_TIME_SCALE: flags.timeScale,
          SEED_DIR: flags.seedDir,
        });
        const kafka = requireKafka(config, 'produce');
        const file = flags.file === undefined ? undefined : resolve(flags.file);
        // The manifest gives the replay's total (for the ETA) and the customer count for stream mode.
        const manifest = hasSeedFiles(config.seedDir)
          ? await readManifest(join(config.seedDir, SeedFiles.manifest))
          : null;
        if (flags.mode === 'stream' && !manifest) {
          await readManifest(join(config.seedDir, SeedFiles.manifest)); // throws the "run generate first" error
        }
        const total =
          flags.count ??
          (flags.mode === 'replay' && file === undefined && manifest
            ? replayedEvents(manifest)
            : undefined);
        const progress = new Progress({
          label: `produce (${flags.mode})`,
          unit: 'events',
          ...(total !== undefined ? { total } : {}),
        });
        const log = (message: string) => {
          progress.done();
          ctx.log(message);
        };

        const bus = await openBus(config.bus);
        let producer: BusProducer | undefined;
        let result: ProduceResult;
        try {
          logBusWarnings(bus, ctx, () => progress.done());
          await bus.ensureTopic(config.topic, kafka.partitions);
          producer = await bus.producer(config.topic);
          const rate = config.produceRate;
          let shown = -1;
          log(
            `${flags.mode === 'replay' ? `replaying ${file ?? join(config.seedDir, SeedFiles.orders)}` : `streaming new orders and their lifecycles (shop time ×${config.produceTimeScale})`} to ${config.topic} on ${kafka.brokers.join(',')} at ${rate === 0 ? 'full speed' : `${rate} events/s`}${flags.mode === 'stream' && flags.count === undefined ? ' until stopped (Ctrl-C)' : ''}`,
          );
          const options = {
            producer,
            rate,
            signal: ctx.signal,
            ...(flags.count !== undefined ? { count: flags.count } : {}),
            onProgress: (n: number) => {
              if (n !== shown) progress.update((shown = n));
            },
            onBadRow: (bad: BadRow) => log(`warning: ${badRowWarning(bad)}`),
          };
          result =
            flags.mode === 'replay'
              ? await replayOrders(
                  { dir: config.seedDir, ...(file ? { path: file } : {}) },
                  options,
                ).catch(async (error: unknown) => {
                  progress.done();
                  throw error instanceof PublishStoppedError
                    ? await replayStopped(
                        error,
                        file ?? join(config.seedDir, SeedFiles.orders),
                        config.topic,
                      )
                    : error;
                })
              : await streamOrders(config.seedDir, manifest!.totals.customers, {
                  ...options,
                  timeScale: config.produceTimeScale,
                });
          // Flush: close waits for every send to be acknowledged.
          await producer.close();
        } finally {
          await producer?.close().catch(() => undefined);
          await bus.close();
        }
        progress.done();
        const seconds = result.durationMs / 1000;
        const line = [
          `published ${formatCount(result.published)} events to ${config.topic}`,
          `${formatCount(seconds > 0 ? result.published / seconds : 0)} events/s`,
          `bad CSV rows ${formatCount(result.badRows)}`,
          `in ${formatDuration(result.durationMs)}`,
        ].join(', ');
        ctx.log(`${result.interrupted ? 'stopped' : 'done'}: ${line}`);
        return ExitCode.ok;
      }),
    );
}
