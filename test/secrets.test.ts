/**
 * Secrets never leave the process. A whole pipeline runs with a known fake SNOW_PASSWORD,
 * SNOW_PRIVATE_KEY_PASSPHRASE and a private key file at a known path, and every output is
 * searched for them (and for the key's own text): stdout and stderr of every command (the
 * CLI's only log), the validation report files, every dashboard API response, /metrics and
 * the page, doctor's output, and on Kafka the dead-letter topic's messages and headers and
 * the quarantine rows.
 *
 * - in-process bus + DuckDB: the Snowflake settings are set but unused (nothing may print them);
 * - Kafka + the Snowflake emulator: key-pair login with the encrypted key (the password set
 *   too: the key wins), poison messages on the topic so the DLQ and the quarantine have rows;
 *   and one login to an endpoint that does not answer, with the password, whose error must
 *   not show it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnowflakeWarehouse } from '../src/warehouse/snowflake/snowflake-warehouse.ts';
import { dashboardUrl, runCli, startCli, type CliResult } from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { waitCaughtUp } from './helpers/pipeline-processes.ts';
import {
  emulatorEnv,
  emulatorWarehouse,
  snowflakeEmulator,
  uniqueIdentifier,
} from './helpers/snowflake-emulator.ts';

const emulator = await snowflakeEmulator();
const broker = await kafkaBroker();

const tag = randomBytes(6).toString('hex');
const PASSWORD = `Fake-Pw;'"${tag}`;
const PASSPHRASE = `Fake-Passphrase-${tag}`;
let dir: string;
let keyPath: string;
/** A line of the key's base64 body: the key's text must not be shown either. */
let keyLine: string;

/** Everything the pipeline put out, labelled by where it came from. */
const outputs: { where: string; text: string }[] = [];
const collect = (where: string, text: string) => outputs.push({ where, text });
const collectCli = (what: string, r: CliResult) => {
  collect(`${what} stdout`, r.stdout);
  collect(`${what} stderr`, r.stderr);
};

/** The secrets found in what was collected, with where (empty when none leaked). */
function leaks(): string[] {
  const secrets = { password: PASSWORD, passphrase: PASSPHRASE, 'key path': keyPath, key: keyLine };
  const found: string[] = [];
  for (const { where, text } of outputs)
    for (const [name, secret] of Object.entries(secrets))
      if (text.includes(secret)) found.push(`${name} in ${where}`);
  return found;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-secrets-'));
  const keyDir = join(dir, `keys-${tag}`);
  await mkdir(keyDir);
  keyPath = join(keyDir, `rsa_key_${tag}.p8`);
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: {
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: PASSPHRASE,
    },
  });
  await writeFile(keyPath, privateKey, { mode: 0o600 });
  keyLine = privateKey.split('\n')[5]!;
  const gen = await runCli(
    ['generate', '--orders', '400', '--customers', '50', '--products', '20', '--seed', '3'],
    { cwd: dir, env: { SEED_DIR: join(dir, 'seed') } },
  );
  expect(gen.code, gen.stderr).toBe(0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every route the dashboard serves, and a few it refuses (their error bodies count too). */
const ROUTES = [
  '/',
  '/app.js',
  '/api/kpis',
  '/api/top-products',
  '/api/recent-orders',
  '/api/timeseries',
  '/api/categories',
  '/api/health',
  '/metrics',
  '/api/nothing-here',
];

/** Serves the dashboard with `monitor`, collects every response (headers and bodies), stops it. */
async function collectDashboard(label: string, env: Record<string, string>): Promise<void> {
  const monitor = startCli(['monitor', '--port', '0'], { cwd: dir, env, timeoutMs: 120_000 });
  try {
    const url = new URL(await dashboardUrl(monitor));
    for (const route of ROUTES) {
      const response = await fetch(new URL(route, url));
      const headers: string[] = [];
      response.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
      collect(`${label} GET ${route} headers`, headers.join('\n'));
      collect(`${label} GET ${route}`, await response.text());
    }
    const posted = await fetch(new URL('/api/kpis', url), { method: 'POST', body: PASSWORD });
    collect(`${label} POST /api/kpis`, await posted.text());
    const health = (await (await fetch(new URL('/api/health', url))).json()) as object;
    // The dashboard read the pipeline: the test is not grepping empty answers.
    expect(JSON.stringify(health)).toMatch(/"raw_rows":[1-9]/);
  } finally {
    monitor.child.kill('SIGTERM');
    collectCli(`${label} monitor`, await monitor.result);
  }
}

async function collectReports(label: string, reportsDir: string): Promise<void> {
  const files = await readdir(reportsDir);
  expect(files.length, `validation reports in ${reportsDir}`).toBeGreaterThan(0);
  for (const file of files)
    collect(`${label} ${file}`, await readFile(join(reportsDir, file), 'utf8'));
}

describe('no secret in any output', () => {
  it('in-process bus + DuckDB, with the Snowflake secrets set but unused', async () => {
    const reports = join(dir, 'reports-duckdb');
    const env = {
      SEED_DIR: join(dir, 'seed'),
      DUCKDB_PATH: join(dir, 'warehouse.duckdb'),
      REPORTS_DIR: reports,
      SNOW_PASSWORD: PASSWORD,
      SNOW_PRIVATE_KEY_PATH: keyPath,
      SNOW_PRIVATE_KEY_PASSPHRASE: PASSPHRASE,
    };
    const cli = async (args: string[]) => {
      const r = await runCli(args, { cwd: dir, env, timeoutMs: 120_000 });
      collectCli(args.join(' '), r);
      return r;
    };
    expect((await cli(['run', '--once', '--no-dashboard'])).code).toBe(0);
    expect((await cli(['validate'])).code).toBe(0);
    await cli(['doctor']);
    await cli(['task', 'history']);
    await cli(['--help']);
    await collectReports('duckdb', reports);
    await collectDashboard('duckdb', env);
    expect(leaks()).toEqual([]);
  }, 300_000);

  describe.skipIf(!emulator.available || !broker.available)(
    `Kafka (${broker.bootstrap}) + Snowflake emulator (${emulator.accessUrl})`,
    () => {
      it('key-pair login, dead letters on the DLQ and in quarantine, a login that fails', async () => {
        const database = uniqueIdentifier('secrets');
        const topic = uniqueName('secrets');
        const group = uniqueName('secrets-group');
        const reports = join(dir, 'reports-snowflake');
        const env = {
          ...emulatorEnv(emulator.accessUrl, database),
          SNOW_PASSWORD: PASSWORD,
          SNOW_PRIVATE_KEY_PATH: keyPath,
          SNOW_PRIVATE_KEY_PASSPHRASE: PASSPHRASE,
          SEED_DIR: join(dir, 'seed'),
          REPORTS_DIR: reports,
          KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
          KAFKA_TOPIC: topic,
          KAFKA_GROUP_ID: group,
        };
        const cli = async (args: string[], extra: Record<string, string> = {}) => {
          const r = await runCli(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 180_000 });
          collectCli(args.join(' '), r);
          return r;
        };
        const setup = await cli(['setup']);
        expect(setup.code, setup.stderr).toBe(0);
        expect((await cli(['produce', '--mode', 'replay', '--rate', '0'])).code).toBe(0);

        // Poison messages: not JSON, and an order of an unknown customer (quarantined by the task).
        const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
        const producer = kafka.producer();
        await producer.connect();
        const seedOrder = (await readFile(join(dir, 'seed', 'orders.csv'), 'utf8')).split('\n')[1]!;
        const [, productId] = seedOrder.split(',');
        const unknownCustomer = JSON.stringify({
          event_id: `evt-${tag}`,
          event_type: 'order_created',
          schema_version: 1,
          timestamp: '2025-06-01T10:00:00.000Z',
          order: {
            id: 'ORD-99999999',
            product_id: productId,
            customer_id: 'CUS-999999',
            quantity: 1,
            unit_price: 10,
            sold_at: '2025-06-01T10:00:00.000Z',
          },
        });
        await producer.send({
          topic,
          messages: [
            { key: 'ORD-99999998', value: 'not json {' },
            { key: 'ORD-99999999', value: unknownCustomer },
          ],
        });
        await producer.disconnect();

        const consume = startCli(['consume'], { cwd: dir, env, timeoutMs: 240_000 });
        try {
          await waitCaughtUp({ bootstrap: broker.bootstrap, topic, group }, 402, 180_000);
        } finally {
          consume.child.kill('SIGINT');
          collectCli('consume', await consume.result);
        }
        expect((await cli(['task', 'run'])).code).toBe(0);
        await cli(['validate']);
        await cli(['doctor']);
        await cli(['task', 'history']);
        await collectReports('snowflake', reports);
        await collectDashboard('snowflake', env);

        // The dead-letter topic: values, keys and headers.
        const dlq: string[] = [];
        const consumer = kafka.consumer({ groupId: uniqueName('secrets-dlq-reader') });
        await consumer.connect();
        await consumer.subscribe({ topics: [`${topic}.dlq`], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no message on ${topic}.dlq after 60 s`)),
            60_000,
          );
          void consumer.run({
            eachMessage: async ({ message }) => {
              const headers = Object.entries(message.headers ?? {}).map(
                ([k, v]) => `${k}=${String(v)}`,
              );
              dlq.push(`${String(message.key)} ${String(message.value)} ${headers.join(' ')}`);
              if (dlq.length >= 1) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
        await consumer.disconnect();
        expect(dlq.join('\n')).toMatch(/dlq\.reason=invalid_json/);
        collect('DLQ topic', dlq.join('\n'));

        // Quarantine rows and task history, as stored.
        const warehouse = await SnowflakeWarehouse.open(
          emulatorWarehouse(emulator.accessUrl, database),
        );
        try {
          const quarantined = await warehouse.query('SELECT * FROM orders_quarantine');
          expect(quarantined.length).toBeGreaterThanOrEqual(1);
          collect('orders_quarantine', JSON.stringify(quarantined));
          collect('task history', JSON.stringify(await warehouse.taskHistory(50)));
        } finally {
          await warehouse.close();
        }

        // A login that fails (nothing answers there), with the password.
        const refused = await cli(['doctor'], {
          SNOW_ACCESS_URL: 'http://127.0.0.1:9',
          SNOW_PRIVATE_KEY_PATH: '',
        });
        expect(refused.code).not.toBe(0);
        expect(leaks()).toEqual([]);
      }, 600_000);
    },
  );
});
