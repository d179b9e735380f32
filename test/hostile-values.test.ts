/**
 * Hostile names and values (quotes, semicolons, SQL, unicode) go through bound parameters or
 * validated identifiers: loaded end to end through the real CLI, they come out byte for byte
 * and nothing else happens (no extra table, no error); an invalid Snowflake identifier is
 * refused up front with a message naming the setting.
 *
 * - DUCKDB_PATH, customer names and cities, product names (CSV) on the in-process bus + DuckDB;
 * - KAFKA_GROUP_ID and event fields on Kafka + DuckDB: extra fields are stored in RAW as
 *   received, an order id with a quote is a dead letter, stored as received;
 * - customer and product names on the Snowflake emulator (setup's array binds), and
 *   SNOW_DATABASE / SNOW_SCHEMA / SNOW_WAREHOUSE that are not identifiers.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerCsv, productCsv } from '../src/domain/csv.ts';
import type { Product } from '../src/domain/entities.ts';
import { readProducts } from '../src/pipeline/seed-files.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { SnowflakeWarehouse } from '../src/warehouse/snowflake/snowflake-warehouse.ts';
import type { Warehouse } from '../src/warehouse/types.ts';
import { runCli, startCli } from './helpers/cli.ts';
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

const HOSTILE = [
  `O'Brien"; DROP TABLE orders; --`,
  `Robert'); DELETE FROM customers WHERE ('1'='1`,
  `Zoë Ñúñez — 李小龍 🧥 ‮reversed`,
  `semi;colon, comma "quoted" \\backslash $1 $$dollar$$ ? :name`,
];
const HOSTILE_CITIES = [`Saint-Étienne'; --`, `Köln; DROP TABLE inventory`, `"Łódź"`, `'`];
const HOSTILE_PRODUCTS = [
  `Hoodie "Oversize"; DROP TABLE inventory; --`,
  `T-shirt ❤ 'été' ; SELECT 1`,
  `Jeans\\'); TRUNCATE orders_events; --`,
];

let dir: string;
let seedDir: string;
/** The customers and products as written to the hostile CSVs: what PROD must hold. */
let customers: { id: string; name: string; email: string; city: string; country: string }[];
let products: { id: string; product_name: string; category: string }[];
let orderCount: number;

/** A generated CSV line's 5 fields (the generator writes no quoted field in these files). */
const fields = (line: string) => line.split(',') as [string, string, string, string, string];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-hostile-'));
  seedDir = join(dir, 'seed');
  const gen = await runCli(
    ['generate', '--orders', '300', '--customers', '40', '--products', '15', '--seed', '9'],
    { cwd: dir, env: { SEED_DIR: seedDir } },
  );
  expect(gen.code, gen.stderr).toBe(0);
  // The first customers and products get hostile names; the CSV is written by the generator's
  // own writer (RFC 4180 quoting).
  const customerLines = (await readFile(join(seedDir, 'customers.csv'), 'utf8')).trim().split('\n');
  customers = customerLines.slice(1).map((line, i) => {
    const [id, name, email, city, country] = fields(line);
    return {
      id,
      name: HOSTILE[i] ?? name,
      email,
      city: HOSTILE_CITIES[i] ?? city,
      country,
    };
  });
  await writeFile(
    join(seedDir, 'customers.csv'),
    `${customerLines[0]}\n${customers.map(customerCsv).join('')}`,
  );
  const productLines = (await readFile(join(seedDir, 'inventory.csv'), 'utf8')).trim().split('\n');
  // Read back with the product reader, so the supplier and cost columns are kept as generated.
  const productRows: Product[] = [];
  let i = 0;
  for await (const p of readProducts(seedDir, (bad) => {
    throw new Error(`generated inventory.csv has a bad row: ${bad.problem}`);
  }))
    productRows.push({ ...p, product_name: HOSTILE_PRODUCTS[i++] ?? p.product_name });
  products = productRows.map(({ id, product_name, category }) => ({ id, product_name, category }));
  await writeFile(
    join(seedDir, 'inventory.csv'),
    `${productLines[0]}\n${productRows.map(productCsv).join('')}`,
  );
  orderCount = (await readFile(join(seedDir, 'orders.csv'), 'utf8')).trim().split('\n').length - 1;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The PROD customers and inventory as stored, sorted by id. */
async function prodNames(w: Warehouse) {
  const c = await w.query<Record<string, string>>(
    'SELECT id, name, email, city, country FROM customers ORDER BY id',
  );
  const p = await w.query<Record<string, string>>(
    'SELECT id, product_name, category FROM inventory ORDER BY id',
  );
  return { customers: c, products: p };
}

const tablesOf = async (w: Warehouse) =>
  (
    await w.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`,
    )
  ).map((r) => r.name);

/** The tables a plain `setup` creates, on a plain path: what a hostile run must leave too. */
async function plainTables(): Promise<string[]> {
  const w = await DuckDbWarehouse.open(join(dir, `plain-${Math.random()}.duckdb`));
  try {
    await w.setup();
    return await tablesOf(w);
  } finally {
    await w.close();
  }
}

describe('hostile values through bound parameters', () => {
  it('DUCKDB_PATH and CSV names on the in-process bus: byte for byte in PROD, nothing else', async () => {
    const hostileDir = join(dir, `wh'ouse"; DROP TABLE orders;-- é✓`);
    await mkdir(hostileDir);
    const path = join(hostileDir, `ware'house;"ü $x.duckdb`);
    const env = { SEED_DIR: seedDir, DUCKDB_PATH: path, REPORTS_DIR: join(dir, 'reports') };
    const run = await runCli(['run', '--once', '--no-dashboard'], {
      cwd: dir,
      env,
      timeoutMs: 180_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const validate = await runCli(['validate'], { cwd: dir, env });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);

    const expectedTables = await plainTables();
    const w = await DuckDbWarehouse.open(path);
    try {
      expect(await prodNames(w)).toEqual({ customers, products });
      expect(await tablesOf(w)).toEqual(expectedTables);
      const [orders] = await w.query<{ n: string }>('SELECT count(*) AS n FROM orders');
      expect(Number(orders!.n)).toBe(orderCount);
    } finally {
      await w.close();
    }
  }, 300_000);

  describe.skipIf(!broker.available)(`on Kafka (${broker.bootstrap}) + DuckDB`, () => {
    it('KAFKA_GROUP_ID and event fields: stored as received, a bad id is a dead letter', async () => {
      const topic = uniqueName('hostile');
      const group = `grp'; DROP TABLE bus_offsets; -- ü ${uniqueName('g')}`;
      const path = join(dir, 'kafka.duckdb');
      const env = {
        SEED_DIR: seedDir,
        DUCKDB_PATH: path,
        KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
        KAFKA_TOPIC: topic,
        KAFKA_GROUP_ID: group,
        REPORTS_DIR: join(dir, 'reports-kafka'),
      };
      const setup = await runCli(['setup'], { cwd: dir, env });
      expect(setup.code, setup.stderr).toBe(0);
      const produce = await runCli(['produce', '--mode', 'replay', '--rate', '0'], {
        cwd: dir,
        env,
        timeoutMs: 120_000,
      });
      expect(produce.code, produce.stderr).toBe(0);

      // A valid order with hostile extra fields, and one whose id carries a quote.
      const customer = customers[0]!;
      const product = products[0]!;
      const price = (await readFile(join(seedDir, 'inventory.csv'), 'utf8'))
        .split('\n')
        .find((l) => l.startsWith(`${product.id},`))!
        .split(',')
        .at(-2)!;
      const order = (id: string) => ({
        id,
        product_id: product.id,
        customer_id: customer.id,
        quantity: 1,
        unit_price: Number(price),
        sold_at: '2025-06-01T10:00:00.000Z',
      });
      const withExtras = `{"event_id":"evt-hostile-1","event_type":"order_created","schema_version":1,"timestamp":"2025-06-01T10:00:00.000Z","note":${JSON.stringify(HOSTILE.join(' | '))},"order":${JSON.stringify({ ...order('ORD-99999001'), gift_message: HOSTILE[2] })}}`;
      const badId = JSON.stringify({
        event_id: 'evt-hostile-2',
        event_type: 'order_created',
        schema_version: 1,
        timestamp: '2025-06-01T10:00:00.000Z',
        order: order(`ORD-1'; DROP TABLE orders; --`),
      });
      const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          { key: 'ORD-99999001', value: withExtras },
          { key: `ORD-1'; DROP TABLE orders; --`, value: badId },
        ],
      });
      await producer.disconnect();

      const consume = startCli(['consume', '--no-task'], { cwd: dir, env, timeoutMs: 180_000 });
      try {
        await waitCaughtUp({ bootstrap: broker.bootstrap, topic, group }, orderCount + 2, 150_000);
      } finally {
        consume.child.kill('SIGINT');
      }
      const consumed = await consume.result;
      expect(consumed.code, consumed.stderr).toBe(130);
      const task = await runCli(['task', 'run'], { cwd: dir, env });
      expect(task.code, task.stderr).toBe(0);

      const expectedTables = await plainTables();
      const w = await DuckDbWarehouse.open(path);
      try {
        const [raw] = await w.query<{ payload: string }>(
          `SELECT CAST(payload AS VARCHAR) AS payload FROM orders_events WHERE event_id = $id`,
          { id: 'evt-hostile-1' },
        );
        expect(raw?.payload).toBe(withExtras);
        const quarantined = await w.query<{ reason: string; raw_value: string }>(
          'SELECT reason, raw_value FROM orders_quarantine',
        );
        expect(quarantined).toEqual([{ reason: expect.any(String), raw_value: badId }]);
        const [prod] = await w.query<{ n: string }>(
          `SELECT count(*) AS n FROM orders WHERE id = 'ORD-99999001'`,
        );
        expect(Number(prod!.n)).toBe(1);
        const groups = await w.query<{ g: string }>(
          'SELECT DISTINCT consumer_group AS g FROM bus_offsets',
        );
        expect(groups).toEqual([{ g: group }]);
        expect(await tablesOf(w)).toEqual(expectedTables);
        const [orders] = await w.query<{ n: string }>('SELECT count(*) AS n FROM orders');
        expect(Number(orders!.n)).toBe(orderCount + 1);
      } finally {
        await w.close();
      }
    }, 400_000);
  });

  describe.skipIf(!emulator.available)(`on the Snowflake emulator (${emulator.accessUrl})`, () => {
    const snowflakeEnv = (database: string) => ({
      ...emulatorEnv(emulator.accessUrl, database),
      SEED_DIR: seedDir,
    });

    it('customer and product names through setup: byte for byte', async () => {
      const database = uniqueIdentifier('hostile');
      const setup = await runCli(['setup'], {
        cwd: dir,
        env: snowflakeEnv(database),
        timeoutMs: 180_000,
      });
      expect(setup.code, setup.stderr).toBe(0);
      const w = await SnowflakeWarehouse.open(emulatorWarehouse(emulator.accessUrl, database));
      try {
        expect(await prodNames(w)).toEqual({ customers, products });
      } finally {
        await w.close();
      }
    }, 300_000);

    it.each([
      ['SNOW_DATABASE', `ma_base"; DROP DATABASE prod; --`],
      ['SNOW_SCHEMA', 'schéma'],
      ['SNOW_SCHEMA', 'pipeline.x'],
      ['SNOW_WAREHOUSE', 'wh;'],
      ['SNOW_WAREHOUSE', `"quoted"`],
    ])('refuses %s=%s before connecting, naming the setting', async (setting, value) => {
      const result = await runCli(['setup'], {
        cwd: dir,
        env: { ...snowflakeEnv('T_NEVER_CREATED'), [setting]: value },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${setting}`);
      expect(result.stderr).toMatch(/must be a Snowflake identifier: a letter or _ first/);
      expect(result.stderr).not.toMatch(/logging in|Snowflake at/);
    });
  });
});
