/**
 * The real Kafka broker the Kafka tests use: KAFKA_BOOTSTRAP_SERVERS when set, else the local
 * one on 127.0.0.1:9092 (`npm run kafka:up`, started by `.ci/run`). When none answers, the
 * tests are skipped with the reason, except in CI (CI=true) where that is a failure.
 *
 *   const broker = await kafkaBroker();
 *   describe.skipIf(!broker.available)('…', () => { … broker.bootstrap … });
 *
 * `startPrivateBroker()` starts a second, throw-away broker (own port and data dir, same jars)
 * for tests that stop and restart it, so the shared broker and other test files are never
 * disturbed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from './cli.ts';
import { serviceUnavailable } from './service-rule.ts';

const run = promisify(execFile);
const LOCAL = '127.0.0.1:9092';
const SCRIPT = join(REPO_ROOT, 'scripts', 'kafka-local.sh');
const LIBS = join(REPO_ROOT, '.kafka', 'libs');

export interface KafkaBroker {
  bootstrap: string;
  available: boolean;
  /** Why the broker is not available (printed when tests are skipped). */
  reason: string;
}

/** A short metadata round trip: does a Kafka broker answer there? */
export async function brokerAnswers(bootstrap: string, timeoutMs = 4000): Promise<string | null> {
  const kafka = new Kafka({
    clientId: 'dropship-tests',
    brokers: bootstrap.split(','),
    connectionTimeout: Math.min(timeoutMs, 2000),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  try {
    await Promise.race([
      admin.connect().then(() => admin.describeCluster()),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

let cached: Promise<KafkaBroker> | undefined;

export function kafkaBroker(): Promise<KafkaBroker> {
  cached ??= (async () => {
    const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim() || LOCAL;
    const problem = await brokerAnswers(bootstrap);
    if (problem === null) return { bootstrap, available: true, reason: '' };
    const reason = `no Kafka broker answers on ${bootstrap} (${problem}); start one with \`npm run kafka:up\` or set KAFKA_BOOTSTRAP_SERVERS`;
    serviceUnavailable('a real Kafka broker', reason);
    return { bootstrap, available: false, reason };
  })();
  return cached;
}

/** A name unique to this test run: topics and groups never collide on a shared broker. */
export function uniqueName(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    // The controller listens on port + 1: check that one too.
    const next = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 1, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (port > 0 && port < 65535 && next) return port;
  }
}

export interface PrivateBroker {
  bootstrap: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/** Why a private broker cannot be started here (no Java or no jars), or null. */
async function privateBrokerProblem(): Promise<string | null> {
  if (!existsSync(join(LIBS, '.pom.sha256')))
    return `no Kafka jars in ${LIBS} (run \`npm run kafka:up\` once)`;
  try {
    await run('java', ['-version']);
  } catch {
    return 'java is not installed';
  }
  return null;
}

/**
 * Why tests that stop a broker of their own cannot run here (null: they can). Under CI=true
 * they must run: a missing Java or missing jars is an error there, never a skip.
 */
export async function privateBrokerSkipReason(
  shared: KafkaBroker,
  test: string,
): Promise<string | null> {
  const problem = shared.available ? await privateBrokerProblem() : shared.reason;
  if (problem) serviceUnavailable(`Java and the Kafka jars for the ${test}`, problem);
  return problem;
}

/** A second single-node broker in a temp dir, on a free port, sharing the jars of .kafka/libs. */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-kafka-'));
  await mkdir(dir, { recursive: true });
  await symlink(LIBS, join(dir, 'libs'));
  const port = await freePort();
  const env = {
    ...process.env,
    KAFKA_LOCAL_DIR: dir,
    KAFKA_LOCAL_PORT: String(port),
    KAFKA_LOCAL_HEAP: '384m',
  };
  const script = (...args: string[]) => run('bash', [SCRIPT, ...args], { env, timeout: 120_000 });
  const broker: PrivateBroker = {
    bootstrap: `127.0.0.1:${port}`,
    start: async () => void (await script('up')),
    stop: async () => void (await script('down')),
    destroy: async () => {
      await script('down').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
