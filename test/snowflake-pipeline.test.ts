/**
 * The production pipeline on Snowflake (the local emulator, infra/snowflake-emulator/), through
 * the real CLI: `run --once` in one process; then produce, consume (killed with -9 mid-stream
 * and restarted), `task run`, `validate` and `monitor` as separate processes on a real Kafka
 * broker. PROD holds every generated order once, revenue to the cent, and the dashboard shows
 * the same KPIs as DuckDB for the same data.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../src/dashboard/snapshot.ts';
import { replayedEvents, type Manifest } from '../src/domain/manifest.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { SnowflakeWarehouse } from '../src/warehouse/snowflake/snowflake-warehouse.ts';
import type { Warehouse } from '../src/warehouse/types.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { groupOffsets, waitCaughtUp } from './helpers/pipeline-processes.ts';
import {
  emulatorEnv,
  emulatorWarehouse,
  snowflakeEmulator,
  uniqueIdentifier,
} from './helpers/snowflake-emulator.ts';

const emulator = await snowflakeEmulator();
const broker = await kafkaBroker();
const ORDERS = 3000;

let dir: string;
let seedDir: string;
let manifest: Manifest;

const snowflakeConfig = (database: string) => emulatorWarehouse(emulator.accessUrl, database);

/** The environment of a CLI process on its own Snowflake database. */
function snowflakeEnv(database: string): Record<string, string> {
  return {
    ...emulatorEnv(emulator.accessUrl, database),
    SEED_DIR: seedDir,
    REPORTS_DIR: join(dir, `reports-${database}`),
  };
}

async function withWarehouse<R>(database: string, body: (w: Warehouse) => Promise<R>): Promise<R> {
  const w = await SnowflakeWarehouse.open(snowflakeConfig(database));
  try {
    return await body(w);
  } finally {
    await w.close();
  }
}

async function totals(w: Warehouse) {
  const [prod] = await w.query<{ n: string; ids: string; cents: string }>(
    'SELECT count(*) AS n, count(DISTINCT id) AS ids, CAST(sum(quantity * unit_price) * 100 AS BIGINT) AS cents FROM orders',
  );
  const [raw] = await w.query<{ n: string; records: string }>(
    `SELECT count(*) AS n, count(DISTINCT topic || ':' || "PARTITION" || ':' || "OFFSET") AS records FROM orders_events`,
  );
  return {
    prod: Number(prod?.n),
    distinct: Number(prod?.ids),
    cents: Number(prod?.cents),
    raw: Number(raw?.n),
    rawRecords: Number(raw?.records),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-snowflake-e2e-'));
  seedDir = join(dir, 'seed');
  const gen = await runCli(
    [
      'generate',
      '--orders',
      String(ORDERS),
      '--customers',
      '300',
      '--products',
      '80',
      '--seed',
      '5',
      '--output-dir',
      seedDir,
    ],
    { cwd: dir },
  );
  expect(gen.code, gen.stderr).toBe(0);
  manifest = JSON.parse(await readFile(join(seedDir, 'manifest.json'), 'utf8')) as Manifest;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!emulator.available)(
  `pipeline on Snowflake (emulator ${emulator.accessUrl})`,
  () => {
    it('setup then run --once: every order in PROD once, revenue to the cent; validate passes; the dashboard shows the KPIs DuckDB shows', async () => {
      const database = uniqueIdentifier('run');
      const env = snowflakeEnv(database);
      const setup = await runCli(['setup'], { cwd: dir, env, timeoutMs: 120_000 });
      expect(setup.code, setup.stderr).toBe(0);
      expect(setup.stderr).toContain(`Snowflake ${database}.PIPELINE`);
      const run = await runCli(['run', '--once'], { cwd: dir, env, timeoutMs: 180_000 });
      expect(run.code, run.stderr).toBe(0);
      const snowflake = await withWarehouse(database, totals);
      expect(snowflake).toMatchObject({
        prod: ORDERS,
        distinct: ORDERS,
        cents: manifest.totals.revenue_cents,
        raw: replayedEvents(manifest),
      });
      const validate = await runCli(['validate'], { cwd: dir, env, timeoutMs: 120_000 });
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      expect(validate.stdout + validate.stderr).toMatch(/validation PASS/);
      expect(validate.stdout).toMatch(/^PASS\s+lifecycle\s+no impossible status/m);
      // TASK_HISTORY has no row counts: the check says so rather than printing zeros.
      expect(validate.stdout).toMatch(
        /^PASS\s+task_status\b.*(no new RAW rows|row counts not recorded by the warehouse)/m,
      );
      // Supplier costs reached Snowflake's inventory: margin reconciled to the cent.
      expect(validate.stdout).toMatch(
        new RegExp(
          `^PASS\\s+margin\\b.*gross margin ${manifest.totals.margin!.gross_margin.replace('.', '\\.')}`,
          'm',
        ),
      );

      // The same data through DuckDB: the dashboard's figures are the same on both warehouses.
      const duckdbPath = join(dir, 'same-data.duckdb');
      const local = await runCli(['run', '--once'], {
        cwd: dir,
        env: {
          SEED_DIR: seedDir,
          DUCKDB_PATH: duckdbPath,
          REPORTS_DIR: join(dir, 'reports-duckdb'),
        },
        timeoutMs: 180_000,
      });
      expect(local.code, local.stderr).toBe(0);
      const now = new Date();
      const sources = { reportsDir: join(dir, 'none'), freshnessThresholdMs: 60_000 };
      const onSnowflake = await withWarehouse(database, (warehouse) =>
        loadSnapshot({ ...sources, warehouse }, now),
      );
      const duck = await DuckDbWarehouse.open(duckdbPath);
      const onDuckDb = await loadSnapshot({ ...sources, warehouse: duck }, now).finally(() =>
        duck.close(),
      );
      const comparable = (s: typeof onDuckDb) => ({
        kpis: { ...s.kpis, last_ingested_at: null, orders_last_24h: null, revenue_last_24h: null },
        top_products: s.top_products,
        categories: s.categories,
        suppliers: s.suppliers,
        funnel: s.funnel,
        returns: s.returns,
        delivery: s.delivery,
        stock: s.stock,
        daily: s.timeseries.daily,
        latest: s.recent_orders.map((o) => o.id).sort(),
        dead_letters: s.health.dead_letters,
      });
      expect(comparable(onSnowflake)).toEqual(comparable(onDuckDb));
      expect(onSnowflake.kpis.total_orders).toBe(ORDERS);
      // The lifecycle cards have something to compare: the seed's lifecycle reached PROD.
      expect(onSnowflake.funnel.returned).toBeGreaterThan(0);
      expect(onSnowflake.delivery.length).toBeGreaterThan(0);
    }, 300_000);

    describe.skipIf(!broker.available)(`with Kafka (${broker.bootstrap})`, () => {
      it('produce, consume (kill -9 mid-stream, restarted), task run, validate as separate processes: nothing lost, nothing doubled', async () => {
        const database = uniqueIdentifier('kafka');
        const topic = uniqueName('sf-kill');
        const group = uniqueName('sf-kill-group');
        const lane = { bootstrap: broker.bootstrap, topic, group };
        const env = {
          ...snowflakeEnv(database),
          KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
          KAFKA_TOPIC: topic,
          KAFKA_GROUP_ID: group,
        };
        const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 120_000 });
        const start = (args: string[]) => startCli(args, { cwd: dir, env, timeoutMs: 240_000 });
        const setup = await cli(['setup']);
        expect(setup.code, setup.stderr).toBe(0);

        const produce = start(['produce', '--mode', 'replay', '--rate', '1500']);
        const consumeArgs = [
          'consume',
          '--batch-size',
          '300',
          '--batch-wait-ms',
          '50',
          '--progress-seconds',
          '1',
        ];
        const first = start(consumeArgs);
        await waitForOutput(first, /consume: [\d,]+ events/, 90_000);
        first.child.kill('SIGKILL');
        expect((await first.result).signal).toBe('SIGKILL');
        const stored = await withWarehouse(database, totals);
        // The kill happened after some rows were written, and before the end of the replay.
        expect(stored.raw).toBeGreaterThan(0);
        expect(stored.raw).toBeLessThan(replayedEvents(manifest));
        const before = await groupOffsets(lane);
        expect(before.committed).toBeLessThan(replayedEvents(manifest));

        const second = start(consumeArgs);
        const produced = await produce.result;
        expect(produced.code, produced.stderr).toBe(0);
        await waitCaughtUp(lane, ORDERS, 150_000).catch(async (error: Error) => {
          second.child.kill('SIGKILL');
          const { stderr } = await second.result;
          throw new Error(`${error.message}; the restarted consumer said:\n${stderr.slice(-3000)}`);
        });
        second.child.kill('SIGINT');
        const stopped = await second.result;
        // A clean stop on Ctrl-C (the exit-code convention: 128 + 2).
        expect(stopped.code, stopped.stderr).toBe(130);

        const task = await cli(['task', 'run']);
        expect(task.code, task.stderr).toBe(0);
        expect(task.stderr).toMatch(/SUCCEEDED/);
        const after = await withWarehouse(database, totals);
        expect(after).toMatchObject({
          prod: ORDERS,
          distinct: ORDERS,
          cents: manifest.totals.revenue_cents,
          raw: replayedEvents(manifest),
          rawRecords: replayedEvents(manifest),
        });
        // A second task run changes nothing.
        const again = await cli(['task', 'run']);
        expect(again.stderr).toMatch(/SKIPPED/);
        expect(await withWarehouse(database, totals)).toEqual(after);
        const validate = await cli(['validate']);
        expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      }, 400_000);
    });
  },
);
