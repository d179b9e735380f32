/**
 * Runs the real `dropship` CLI as a child process (node + bin/dropship.js, tsx loader), the
 * way a user does, and collects its exit code and output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../bin/dropship.js', import.meta.url));

export interface CliResult {
  /** Exit code; null when the child was killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /**
   * Extra environment variables. The child gets a small clean environment (PATH, HOME, TMPDIR,
   * LANG) plus these, so the developer's shell (SEED_DIR, KAFKA_…, CI…) cannot change results.
   * A value of `undefined` removes the variable.
   */
  env?: Record<string, string | undefined>;
  /** Working directory; defaults to the repository root. Use a temp dir to ignore a local .env. */
  cwd?: string;
  /** Kill the child (SIGKILL) after this long; defaults to 60 s. */
  timeoutMs?: number;
}

export interface StartedCli {
  child: ChildProcess;
  /** Resolves when the child has exited and its output streams are closed. */
  result: Promise<CliResult>;
}

function childEnv(extra: CliOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Starts the CLI and returns the child (to signal it) and a promise of its result. */
export function startCli(args: readonly string[], options: CliOptions = {}): StartedCli {
  return startProcess(process.execPath, [CLI_BIN, ...args], options);
}

/**
 * Starts any command (`npm start`, `npm run kafka:up`) the same way: clean environment plus
 * `options.env`, output collected. `detached` makes it a process group of its own, so a
 * signal can reach it and its children together, as Ctrl-C in a terminal does
 * (`process.kill(-child.pid, 'SIGINT')`).
 */
export function startProcess(
  command: string,
  args: readonly string[],
  options: CliOptions & { detached?: boolean } = {},
): StartedCli {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      if (options.detached && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result };
}

/**
 * Resolves with the first match of `pattern` in the child's output (stderr and stdout, as
 * they arrive); rejects when the child exits first or after `timeoutMs`, with the output seen.
 */
export function waitForOutput(
  started: StartedCli,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const streams = [started.child.stderr!, started.child.stdout!];
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      for (const s of streams) s.off('data', onData);
      settle();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen}`)),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer | string) => {
      seen += String(chunk);
      const match = pattern.exec(seen);
      if (match) finish(() => resolve(match));
    };
    for (const s of streams) s.on('data', onData);
    started.result.then(
      (r) =>
        finish(() =>
          reject(new Error(`exited (${r.code ?? r.signal}) before ${pattern}:\n${seen}`)),
        ),
      (error: unknown) => finish(() => reject(error as Error)),
    );
  });
}

/** Runs the CLI to completion: `runCli(['generate', '--orders', '10'], { cwd })`. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** Resolves with the dashboard URL once the child (`monitor`, `run`, `consume --dashboard`) prints it. */
export function dashboardUrl(started: StartedCli): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    started.child.stderr!.on('data', (chunk: Buffer | string) => {
      seen += String(chunk);
      const match = /dashboard: (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    started.result.then(
      (r) => reject(new Error(`exited (${r.code}) before serving the dashboard: ${r.stderr}`)),
      reject,
    );
  });
}
