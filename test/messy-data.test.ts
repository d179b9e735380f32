/**
 * The messy-data knobs (generate --late-ratio --duplicate-ratio --bad-ratio, issue 17): the
 * files they write (deterministic, the clean seed's orders and steps, late steps really after
 * a later step of their order), and the done-when run: a replay through the real Kafka broker
 * into DuckDB ends with `dropship validate` PASS, every manifest total reconciled, and PROD
 * exactly as the clean seed's PROD.
 *
 * MESSY_ORDERS sets the order count (default 5,000, kept small for `npm test`; run 100k by
 * hand: `MESSY_ORDERS=100000 npx vitest run test/messy-data.test.ts`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/domain/manifest.ts';
import { generateSeedFiles } from '../src/pipeline/generate.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli } from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { emulatorEnv, snowflakeEmulator, uniqueIdentifier } from './helpers/snowflake-emulator.ts';

const broker = await kafkaBroker();
const ORDERS = Number(process.env.MESSY_ORDERS ?? 5000);
const KNOBS = { late: 0.05, duplicate: 0.02, bad: 0.01 };
const PERIOD = { start: new Date('2025-01-01'), end: new Date('2025-12-31') };
const TIMEOUT = Math.max(240_000, ORDERS * 10);

let dir: string;
const seed = (name: string, messy?: typeof KNOBS, orders = ORDERS) =>
  generateSeedFiles({
    customers: 1000,
    products: 200,
    orders,
    seed: 17,
    ...PERIOD,
    outputDir: join(dir, name),
    ...(messy ? { messy } : {}),
  });

const lines = async (seedDir: string, file: string) =>
  (await readFile(join(seedDir, file), 'utf8')).split('\n').slice(1, -1);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-messy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generate with the messy-data knobs', () => {
  it('knobs at 0 write the same bytes as no knobs; the same knobs and seed the same bytes', async () => {
    const plain = await seed('plain', undefined, 2000);
    const zero = await seed('zero', { late: 0, duplicate: 0, bad: 0 }, 2000);
    expect(zero.manifest).toEqual(plain.manifest);
    const a = await seed('a', KNOBS, 2000);
    const b = await seed('b', KNOBS, 2000);
    expect(b.manifest.files).toEqual(a.manifest.files);
    expect(a.manifest.files).not.toEqual(plain.manifest.files);
  });

  it('moves and repeats the clean seed’s rows only, late steps after a later step of their order, counted exactly', async () => {
    const clean = (await seed('clean-files', undefined, 3000)).manifest;
    const messy = (await seed('messy-files', { late: 0.3, duplicate: 0.1, bad: 0.1 }, 3000))
      .manifest;
    const m = messy.totals.messy_data!;
    for (const file of ['orders.csv', 'order_events.csv'] as const) {
      const want = (await lines(join(dir, 'clean-files'), file)).sort();
      const got = await lines(join(dir, 'messy-files'), file);
      const dups =
        file === 'orders.csv' ? m.duplicate_events.order_created : m.duplicate_events.lifecycle;
      expect(got.length).toBe(want.length + dups);
      expect([...new Set(got)].sort()).toEqual(want);
    }
    // A step is late when it comes after a later step of its order (first copies only).
    const rank: Record<string, number> = {
      order_paid: 1,
      order_shipped: 2,
      order_cancelled: 2,
      order_delivered: 3,
      order_returned: 4,
    };
    const seen = new Map<string, number>(); // order id → highest rank seen so far
    const firstCopies = new Set<string>();
    let late = 0;
    for (const line of await lines(join(dir, 'messy-files'), 'order_events.csv')) {
      if (firstCopies.has(line)) continue;
      firstCopies.add(line);
      const [order, type] = line.split(',') as [string, string];
      const r = rank[type]!;
      if ((seen.get(order) ?? 0) > r) late++;
      seen.set(order, Math.max(seen.get(order) ?? 0, r));
    }
    expect(late).toBe(m.late_events);
    expect(late).toBeGreaterThan(0);
    expect(messy.totals.orders).toBe(clean.totals.orders);
    expect(messy.totals.lifecycle).toEqual(clean.totals.lifecycle);
    const bad = (await readFile(join(dir, 'messy-files', 'bad_events.jsonl'), 'utf8')).split('\n');
    expect(bad.filter((l) => l !== '').length).toBe(m.bad_events);
  });

  it('refuses a ratio outside 0..0.5, naming the flag', async () => {
    const refused = await runCli(
      ['generate', '--late-ratio', '0.7', '--output-dir', join(dir, 'refused')],
      {
        cwd: dir,
      },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--late-ratio.*between 0 and 0\.5/);
    const nan = await runCli(
      ['generate', '--bad-ratio', 'lots', '--output-dir', join(dir, 'refused')],
      {
        cwd: dir,
      },
    );
    expect(nan.code).toBe(2);
    expect(nan.stderr).toMatch(/--bad-ratio/);
  });
});

/** PROD orders as the task left them, without the times of the run itself. */
async function prodOrders(db: string): Promise<unknown[]> {
  const w = await DuckDbWarehouse.open(db);
  try {
    return await w.query(
      `SELECT id, product_id, customer_id, quantity, CAST(unit_price AS VARCHAR) AS unit_price,
              CAST(sold_at AS VARCHAR) AS sold_at, status, CAST(paid_at AS VARCHAR) AS paid_at,
              CAST(shipped_at AS VARCHAR) AS shipped_at, CAST(delivered_at AS VARCHAR) AS delivered_at,
              CAST(cancelled_at AS VARCHAR) AS cancelled_at, CAST(returned_at AS VARCHAR) AS returned_at,
              supplier_id, tracking_id, cancel_reason, return_reason
       FROM orders ORDER BY id`,
    );
  } finally {
    await w.close();
  }
}

describe.skipIf(!broker.available)(
  `a messy replay through Kafka (${broker.bootstrap}) into DuckDB`,
  () => {
    it(
      `${ORDERS.toLocaleString('en')} orders, --late-ratio 0.05 --duplicate-ratio 0.02 --bad-ratio 0.01: validate PASS, every manifest total reconciled, PROD as without the mess`,
      async () => {
        const messyDir = join(dir, 'messy');
        const gen = await runCli(
          [
            'generate',
            '--orders',
            String(ORDERS),
            '--seed',
            '17',
            '--start',
            '2025-01-01',
            '--end',
            '2025-12-31',
            '--late-ratio',
            '0.05',
            '--duplicate-ratio',
            '0.02',
            '--bad-ratio',
            '0.01',
            '--output-dir',
            messyDir,
          ],
          { cwd: dir, timeoutMs: TIMEOUT },
        );
        expect(gen.code, gen.stderr).toBe(0);
        const manifest = JSON.parse(
          await readFile(join(messyDir, 'manifest.json'), 'utf8'),
        ) as Manifest;
        const expected = manifest.totals.messy_data!.expected;
        const env = {
          KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
          KAFKA_TOPIC: uniqueName('messy'),
          KAFKA_GROUP_ID: uniqueName('messy-group'),
          SEED_DIR: messyDir,
          DUCKDB_PATH: join(dir, 'messy.duckdb'),
          REPORTS_DIR: join(dir, 'reports'),
          CI: 'true',
        };
        const run = await runCli(['run', '--once'], { cwd: dir, env, timeoutMs: TIMEOUT });
        expect(run.code, run.stderr + run.stdout).toBe(0);
        expect(run.stdout + run.stderr).toMatch(
          new RegExp(
            `published ${expected.published_records.toLocaleString('en')}, RAW rows ${expected.raw_rows.toLocaleString('en')}, PROD orders ${expected.prod_orders.toLocaleString('en')}, quarantined ${expected.dead_letters.toLocaleString('en')}`,
          ),
        );
        const validated = await runCli(['validate'], { cwd: dir, env, timeoutMs: TIMEOUT });
        expect(validated.code, validated.stdout + validated.stderr).toBe(0);
        const reportPath = /report: (\S+)/.exec(validated.stdout + validated.stderr)?.[1];
        const report = JSON.parse(await readFile(reportPath!, 'utf8')) as {
          status: string;
          checks: { name: string; status: string; metrics: Record<string, unknown> }[];
        };
        expect(report.checks.filter((c) => c.status !== 'PASS').map((c) => c.name)).toEqual([]);
        expect(report.status).toBe('PASS');
        const messy = report.checks.find((c) => c.name === 'messy_data')!;
        expect(messy.metrics).toMatchObject({
          raw_rows: expected.raw_rows,
          raw_duplicates: expected.duplicates_absorbed,
          raw_late_steps: expected.late_events,
          prod_orders: expected.prod_orders,
          dead_letters_by_reason: expected.dead_letters_by_reason,
        });
        expect(expected.late_events).toBeGreaterThan(0);
        expect(expected.duplicates_absorbed).toBeGreaterThan(0);
        expect(expected.dead_letters).toBeGreaterThan(0);

        // The same seed without knobs, replayed on the in-process bus: the same PROD.
        const cleanDir = join(dir, 'clean');
        await generateSeedFiles({
          customers: 1000,
          products: 200,
          orders: ORDERS,
          seed: 17,
          ...PERIOD,
          outputDir: cleanDir,
        });
        const cleanEnv = { SEED_DIR: cleanDir, DUCKDB_PATH: join(dir, 'clean.duckdb'), CI: 'true' };
        const cleanRun = await runCli(['run', '--once'], {
          cwd: dir,
          env: cleanEnv,
          timeoutMs: TIMEOUT,
        });
        expect(cleanRun.code, cleanRun.stderr).toBe(0);
        const [got, want] = [
          await prodOrders(env.DUCKDB_PATH),
          await prodOrders(cleanEnv.DUCKDB_PATH),
        ];
        expect(got.length).toBe(ORDERS);
        expect(got).toEqual(want);
      },
      TIMEOUT * 3,
    );
  },
);

const emulator = await snowflakeEmulator();

describe.skipIf(!emulator.available)('a messy replay into Snowflake (the emulator)', () => {
  it('late, duplicated and bad events absorbed exactly as the manifest says: validate PASS', async () => {
    const messyDir = join(dir, 'messy-snowflake');
    await generateSeedFiles({
      customers: 300,
      products: 60,
      orders: 1500,
      seed: 5,
      ...PERIOD,
      outputDir: messyDir,
      messy: { late: 0.3, duplicate: 0.1, bad: 0.05 },
    });
    const env = {
      ...emulatorEnv(emulator.accessUrl, uniqueIdentifier('messy')),
      SEED_DIR: messyDir,
      REPORTS_DIR: join(dir, 'reports-snowflake'),
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
      CI: 'true',
    };
    for (const args of [['setup'], ['run', '--once']]) {
      const r = await runCli(args, { cwd: dir, env, timeoutMs: 240_000 });
      expect(r.code, r.stderr + r.stdout).toBe(0);
    }
    const validated = await runCli(['validate'], { cwd: dir, env, timeoutMs: 120_000 });
    const out = validated.stdout + validated.stderr;
    expect(validated.code, out).toBe(0);
    expect(out).toMatch(/PASS\s+messy_data\s+as the manifest says/);
    expect(out).toMatch(/PASS\s+duplicates/);
    expect(out).toMatch(/PASS\s+dead_letters/);
    expect(out).toMatch(/PASS\s+lifecycle/);
  }, 600_000);
});
