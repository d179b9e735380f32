/**
 * The connection layer against the local Snowflake emulator, with the real snowflake-sdk
 * (`npm run snowflake:local`; skipped with the reason when it is not running, a failure under
 * CI=true). Each run works in a database of its own.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflakeEmulator, uniqueIdentifier } from '../../../test/helpers/snowflake-emulator.ts';
import type { SnowflakeConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';
import { isLoopbackUrl, SnowflakeConnection } from './connection.ts';

const emulator = await snowflakeEmulator();
const DATABASE = uniqueIdentifier('connection');
const PASSWORD = 'pw-Not-To-Be-Shown-7';

function configFor(accessUrl: string, overrides: Partial<SnowflakeConfig> = {}): SnowflakeConfig {
  return {
    kind: 'snowflake',
    account: 'local',
    user: 'dropship',
    auth: { method: 'password', password: PASSWORD },
    role: 'ACCOUNTADMIN',
    warehouse: 'mon_entrepot',
    database: DATABASE,
    schema: 'MON_SCHEMA',
    accessUrl,
    ...overrides,
  };
}

/** The PipelineError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<PipelineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PipelineError);
  return error as PipelineError;
}

/** An HTTP server on 127.0.0.1 that answers every request with `answer`. */
async function serverAnswering(
  answer: (response: import('node:http').ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    server,
  };
}

describe('which endpoints are on this machine', () => {
  it('knows loopback hosts from real accounts', () => {
    expect(isLoopbackUrl('http://127.0.0.1:8085')).toBe(true);
    expect(isLoopbackUrl('http://localhost:8085')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:8085')).toBe(true);
    expect(isLoopbackUrl('https://myorg-acme.snowflakecomputing.com')).toBe(false);
    expect(isLoopbackUrl('http://127.0.0.1.example.com')).toBe(false);
    expect(isLoopbackUrl(undefined)).toBe(false);
  });
});

describe.skipIf(!emulator.available)('SnowflakeConnection on the emulator', () => {
  let connection: SnowflakeConnection;
  let other: SnowflakeConnection;

  beforeAll(async () => {
    connection = await SnowflakeConnection.open(configFor(emulator.accessUrl));
    other = await SnowflakeConnection.open(configFor(emulator.accessUrl));
    // The platform probes must be off before the SDK loaded: only loopback traffic here.
    expect(process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION).toBe('true');
  });
  afterAll(async () => {
    await connection?.execute(`DROP DATABASE IF EXISTS ${DATABASE}`).catch(() => undefined);
    await connection?.close();
    await other?.close();
  });

  it('returns JSON-safe rows with lower-case keys: exact NUMBER text, ISO timestamps, parsed VARIANT', async () => {
    await connection.execute(`CREATE OR REPLACE TABLE types_round_trip (
      price NUMBER(12,2), big BIGINT, sold_at TIMESTAMP_NTZ, payload VARIANT, name STRING,
      active BOOLEAN, day DATE, ratio FLOAT)`);
    const inserted = await connection.execute(
      'INSERT INTO types_round_trip SELECT ?, ?, ?, PARSE_JSON(?), ?, ?, ?, ?',
      [
        [
          '12345678.91',
          '9007199254740993',
          '2025-03-14T09:26:53.123Z',
          JSON.stringify({ order: { id: 'ORD-00000001', unit_price: 19.99, quantity: 2 } }),
          'Émilie',
          true,
          '2025-03-14',
          0.1,
        ],
        [null, null, null, null, null, null, null, null],
      ],
    );
    expect(inserted.rowsAffected).toBe(2);
    const { rows } = await connection.execute(
      'SELECT price, big, sold_at, payload, name, active, day, ratio FROM types_round_trip ORDER BY price NULLS LAST',
    );
    expect(rows).toEqual([
      {
        price: '12345678.91',
        big: '9007199254740993', // 2^53 + 1: a JS number would say …992
        sold_at: '2025-03-14T09:26:53.123Z',
        payload: { order: { id: 'ORD-00000001', unit_price: 19.99, quantity: 2 } },
        name: 'Émilie',
        active: true,
        day: '2025-03-14',
        ratio: 0.1,
      },
      {
        price: null,
        big: null,
        sold_at: null,
        payload: null,
        name: null,
        active: null,
        day: null,
        ratio: null,
      },
    ]);
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
    // Money summed in the warehouse stays exact to the cent.
    await connection.execute('INSERT INTO types_round_trip (price) SELECT ?', [
      ['0.10'],
      ['0.20'],
      ['1000000000.01'],
    ]);
    const total = await connection.execute<{ total: string; n: string }>(
      'SELECT SUM(price) AS total, COUNT(*) AS n FROM types_round_trip',
    );
    expect(total.rows).toEqual([{ total: '1012345679.22', n: '5' }]);
  });

  it('inserts 10,000 rows in one INSERT … SELECT ?, PARSE_JSON(?) with array binds', async () => {
    await connection.execute(`CREATE OR REPLACE TABLE orders_events (
      event_id STRING, payload VARIANT, created_at TIMESTAMP_NTZ, "partition" NUMBER, "offset" NUMBER)`);
    const rows = Array.from({ length: 10_000 }, (_, n) => [
      `evt-${n}`,
      JSON.stringify({ order: { id: `ORD-${String(n).padStart(8, '0')}`, quantity: 1 + (n % 5) } }),
      new Date(Date.UTC(2025, 2, 14, 9, 0, 0, n)),
      n % 3,
      n,
    ]);
    const result = await connection.execute(
      'INSERT INTO orders_events (event_id, payload, created_at, "partition", "offset") SELECT ?, PARSE_JSON(?), ?, ?, ?',
      rows,
    );
    expect(result.rowsAffected).toBe(10_000);
    const check = await connection.execute(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT "offset") AS offsets, SUM(payload:order.quantity::NUMBER) AS items,
         MAX(created_at) AS latest FROM orders_events`,
    );
    expect(check.rows).toEqual([
      {
        n: '10000',
        offsets: '10000',
        items: String(rows.reduce((sum, _, n) => sum + 1 + (n % 5), 0)),
        latest: '2025-03-14T09:00:09.999Z',
      },
    ]);
    const sample = await connection.execute(
      `SELECT payload:order.id::STRING AS id FROM orders_events WHERE "offset" = ?`,
      [9_999],
    );
    expect(sample.rows).toEqual([{ id: 'ORD-00009999' }]);
  });

  it('keeps a transaction to itself until COMMIT, and ROLLBACK leaves nothing', async () => {
    await connection.execute(
      'CREATE OR REPLACE TABLE bus_offsets (topic STRING, next_offset NUMBER)',
    );
    const count = async (c: SnowflakeConnection) =>
      (
        await c.execute<{ n: string }>(
          `SELECT COUNT(*) AS n FROM ${DATABASE}.MON_SCHEMA.bus_offsets`,
        )
      ).rows[0]?.n;
    await connection.execute('BEGIN');
    await connection.execute('INSERT INTO bus_offsets SELECT ?, ?', [['orders_topic', 10]]);
    expect(await count(connection)).toBe('1');
    expect(await count(other)).toBe('0');
    await connection.execute('COMMIT');
    expect(await count(other)).toBe('1');

    await connection.execute('BEGIN');
    await connection.execute('INSERT INTO bus_offsets SELECT ?, ?', [['orders_topic', 20]]);
    await connection.execute('ROLLBACK');
    expect(await count(connection)).toBe('1');
    expect(await count(other)).toBe('1');
  });

  it('translates SQL errors: an unknown table is NOT_SET_UP, a syntax error keeps its code', async () => {
    const missing = await failure(connection.execute('SELECT * FROM no_such_table'));
    expect(missing.code).toBe('NOT_SET_UP');
    expect(missing.transient).toBe(false);
    expect(missing.message).toMatch(/\(002003\) in: SELECT \* FROM no_such_table$/);
    expect(missing.hint).toMatch(/npx dropship setup/);

    const syntax = await failure(connection.execute('SELEC 1'));
    expect(syntax.code).toBe('WAREHOUSE_QUERY');
    expect(syntax.message).toMatch(/^Snowflake error 001003, sqlState 42000: .* in: SELEC 1$/);

    // The session is still usable after errors.
    expect((await connection.execute('SELECT 1 AS ok')).rows).toEqual([{ ok: '1' }]);
  });

  it('logs in with a key pair (SNOWFLAKE_JWT), encrypted key and passphrase', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dropship-key-'));
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const path = join(dir, 'rsa_key.p8');
      await writeFile(
        path,
        privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'kp',
        }),
      );
      const keyed = await SnowflakeConnection.open(
        configFor(emulator.accessUrl, {
          auth: { method: 'key-pair', privateKeyPath: path, privateKeyPassphrase: 'kp' },
        }),
      );
      expect((await keyed.execute('SELECT 2 AS two')).rows).toEqual([{ two: '2' }]);
      await keyed.close();
      await keyed.close(); // idempotent
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SnowflakeConnection when Snowflake cannot be reached or refuses', () => {
  it('an endpoint where nothing listens is WAREHOUSE_UNAVAILABLE, transient', async () => {
    const { url, server } = await serverAnswering(() => undefined);
    await new Promise((resolve) => server.close(resolve)); // the port is free again: refused
    const error = await failure(SnowflakeConnection.open(configFor(url)));
    expect(error.code).toBe('WAREHOUSE_UNAVAILABLE');
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.hint).toMatch(/SNOW_ACCESS_URL/);
  });

  it('HTTP 503 is WAREHOUSE_UNAVAILABLE, transient', async () => {
    const { url, server } = await serverAnswering((response) => {
      response.statusCode = 503;
      response.end('overloaded');
    });
    try {
      const error = await failure(SnowflakeConnection.open(configFor(url)));
      expect(error.code).toBe('WAREHOUSE_UNAVAILABLE');
      expect(error.transient).toBe(true);
      expect(error.message).toMatch(/HTTP 503/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a refused login is BAD_CONFIG naming the credentials, and never shows the password', async () => {
    // The emulator lets everyone in, so this server answers the login as Snowflake answers a
    // wrong password (HTTP 200, success false, code 390100); the real driver reads it.
    const { url, server } = await serverAnswering((response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          data: { nextAction: 'RETRY_LOGIN', authnMethod: 'USERNAME_PASSWORD' },
          code: '390100',
          message: `Incorrect username or password was specified. (${PASSWORD})`, // worst case
          success: false,
        }),
      );
    });
    try {
      const error = await failure(SnowflakeConnection.open(configFor(url)));
      expect(error.code).toBe('BAD_CONFIG');
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(
        /^Snowflake refused the login of user dropship at http:\/\/127\.0\.0\.1:\d+: Incorrect username or password was specified\. \(\*\*\*\) \(390100\)$/,
      );
      expect(error.hint).toMatch(/SNOW_USER and SNOW_PASSWORD/);
      expect(`${error.message} ${error.hint}`).not.toContain(PASSWORD);
      // Nor anywhere in the error object (the driver's own error holds Snowflake's text).
      expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
      expect(error.cause).toMatchObject({ code: '390100' });
      const keyError = await failure(
        SnowflakeConnection.open(
          configFor(url, {
            auth: { method: 'key-pair', privateKeyPath: '/nonexistent/key.p8' },
          }),
        ),
      );
      expect(keyError.code).toBe('BAD_CONFIG');
      expect(keyError.message).toBe(
        'SNOW_PRIVATE_KEY_PATH: cannot read the private key /nonexistent/key.p8 (ENOENT)',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
