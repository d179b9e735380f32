/**
 * How every command runs: typed errors become one clear line (plus a hint) and an exit code;
 * Ctrl-C / SIGTERM abort a signal the stages watch, so they flush and commit before exiting.
 * A second Ctrl-C forces the exit.
 */
import { constants as osConstants } from 'node:os';
import type { Command } from 'commander';
import { loadConfig, type Config, type Overrides, type Sources } from '../config/config.ts';
import { PipelineError } from '../errors.ts';

/**
 * The exit codes of every command (README, "Exit codes"): 0 success; 1 a check FAILed or the
 * work failed; 2 bad arguments or configuration; 128 + the signal's number when stopped by a
 * signal, after the clean shutdown: 130 for Ctrl-C (SIGINT), 143 for SIGTERM.
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The exit code of a command stopped by `signal` (128 + its number, as shells report it). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}

const USAGE_ERRORS: ReadonlySet<string> = new Set(['BAD_ARGUMENT', 'BAD_CONFIG']);

export interface CommandContext {
  signal: AbortSignal;
  /** Loads the configuration with the command's flags on top of env and .env. */
  config(flags?: Overrides): { config: Config; sources: Sources };
  log(message: string): void;
}

export function printError(error: unknown): number {
  if (error instanceof PipelineError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  fix: ${error.hint}\n`);
    if (process.env.DEBUG && error.cause)
      process.stderr.write(`  cause: ${String((error.cause as Error).stack ?? error.cause)}\n`);
    if (error.code === 'INTERRUPTED') return ExitCode.interrupted;
    return USAGE_ERRORS.has(error.code) ? ExitCode.usage : ExitCode.failed;
  }
  process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.failed;
}

/** Global flags (`dropship --warehouse duckdb run`) and the settings they override. */
export const GLOBAL_FLAGS = {
  bootstrapServers: 'KAFKA_BOOTSTRAP_SERVERS',
  topic: 'KAFKA_TOPIC',
  groupId: 'KAFKA_GROUP_ID',
  warehouse: 'WAREHOUSE',
  duckdbPath: 'DUCKDB_PATH',
} as const satisfies Record<string, keyof Overrides>;

function globalOverrides(args: unknown[]): Overrides {
  const cmd = args[args.length - 1] as Command | undefined;
  const opts =
    typeof cmd?.optsWithGlobals === 'function'
      ? cmd.optsWithGlobals<Record<string, string | undefined>>()
      : {};
  const out: Overrides = {};
  for (const [flag, setting] of Object.entries(GLOBAL_FLAGS))
    if (opts[flag] !== undefined) out[setting] = opts[flag];
  return out;
}

export function command<A extends unknown[]>(
  body: (ctx: CommandContext, ...args: A) => Promise<number | void>,
) {
  return async (...args: A): Promise<void> => {
    const globals = globalOverrides(args);
    const controller = new AbortController();
    let interrupts = 0;
    let stoppedBy: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      interrupts += 1;
      stoppedBy ??= signal;
      if (interrupts === 1) {
        process.stderr.write(
          `\n${signal}: finishing the current batch and committing… (press Ctrl-C again to force)\n`,
        );
        controller.abort(new PipelineError('INTERRUPTED', `interrupted by ${signal}`));
      } else {
        process.stderr.write('forced exit\n');
        process.exit(signalExitCode(stoppedBy ?? signal));
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let warned = false;
    const ctx: CommandContext = {
      signal: controller.signal,
      config: (flags) => {
        const loaded = loadConfig({ flags: { ...globals, ...stripUndefined(flags ?? {}) } });
        // Said once per command, however often it reads its configuration.
        if (!warned) for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
        warned = true;
        return loaded;
      },
      log: (message) => process.stderr.write(`${message}\n`),
    };
    let code: number;
    try {
      code = (await body(ctx, ...args)) ?? ExitCode.ok;
    } catch (error) {
      code = printError(error);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // Stopped by a signal: the shutdown was clean (flushed, committed), but the command did
    // not finish on its own, and scripts see that, the same way for every command.
    if (stoppedBy && (code === ExitCode.ok || code === ExitCode.interrupted))
      code = signalExitCode(stoppedBy);
    process.exitCode = code;
    // Drivers (Kafka sockets, timers) must not keep a finished command alive.
    setTimeout(() => process.exit(code), 200).unref();
  };
}

function stripUndefined(flags: Overrides): Overrides {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as Overrides;
}
