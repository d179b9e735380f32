/**
 * `dropship doctor`'s checks in Snowflake, on the local emulator (what it can and cannot say),
 * and the SHOW TASKS / SHOW STREAMS answers of a real account, which the emulator lacks, from
 * rows shaped as Snowflake documents them.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { snowflakeEmulator, uniqueIdentifier } from '../../../test/helpers/snowflake-emulator.ts';
import type { SnowflakeConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';
import type { SnowflakeConnection } from './connection.ts';
import { checkSnowflakeObjects } from './objects.ts';
import { SnowflakeWarehouse } from './snowflake-warehouse.ts';
import type { WarehouseCheck } from '../types.ts';

const emulator = await snowflakeEmulator();

const config = (database: string): SnowflakeConfig => ({
  kind: 'snowflake',
  account: 'local',
  user: 'dropship',
  auth: { method: 'password', password: 'local' },
  role: 'SYSADMIN',
  warehouse: 'DROPSHIP_WH',
  database,
  schema: 'PIPELINE',
  accessUrl: emulator.accessUrl,
});

const byName = (checks: WarehouseCheck[]) => new Map(checks.map((c) => [c.name, c]));

describe.skipIf(!emulator.available)(`checkObjects on the emulator (${emulator.accessUrl})`, () => {
  it('checks database and schema, finds the streams, and says it cannot tell the tasks, role and warehouse', async () => {
    const database = uniqueIdentifier('doctor');
    const w = await SnowflakeWarehouse.open(config(database));
    onTestFinished(() => w.close());
    await w.setup();
    const checks = byName(await w.checkObjects());
    expect(checks.get('database')).toMatchObject({
      ok: true,
      detail: expect.stringContaining(database),
    });
    expect(checks.get('schema')).toMatchObject({
      ok: true,
      detail: expect.stringContaining('PIPELINE'),
    });
    expect(checks.get('stream orders_stream')).toMatchObject({ ok: true });
    expect(checks.get('stream orders_quarantine_stream')).toMatchObject({ ok: true });
    // The emulator has no SHOW TASKS, no CURRENT_WAREHOUSE(), and answers CURRENT_ROLE() with
    // its DuckDB user: unknown, not guessed.
    for (const name of ['task merge_orders_task', 'task quarantine_orders_task'])
      expect(checks.get(name)).toMatchObject({
        ok: null,
        detail: expect.stringContaining('SHOW TASKS'),
      });
    expect(checks.get('virtual warehouse')?.ok).toBeNull();
    expect(checks.get('role')?.ok).toBeNull();

    await w.execute('DROP STREAM orders_quarantine_stream');
    expect(byName(await w.checkObjects()).get('stream orders_quarantine_stream')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('dropship setup'),
    });
  });
});

/** A connection answering as a real account does (Snowflake's documented SHOW output). */
function account(answers: Record<string, Record<string, unknown>[] | Error>): SnowflakeConnection {
  return {
    execute: async (sql: string) => {
      const key = Object.keys(answers).find((k) => sql.startsWith(k));
      const answer = key === undefined ? new Error(`unexpected: ${sql}`) : answers[key]!;
      if (answer instanceof Error) throw answer;
      return { rows: answer, rowsAffected: 0 };
    },
  } as unknown as SnowflakeConnection;
}

describe('checkObjects with the answers of a real account', () => {
  const tables = [
    'ORDERS_EVENTS',
    'ORDERS_QUARANTINE',
    'BUS_OFFSETS',
    'CUSTOMERS',
    'INVENTORY',
    'ORDERS',
    'SEED_MANIFEST',
  ];
  const healthy = {
    'SELECT CURRENT_ROLE()': [{ r: 'SYSADMIN', d: 'SHOP', s: 'PIPELINE' }],
    'SELECT CURRENT_WAREHOUSE()': [{ w: 'DROPSHIP_WH' }],
    'SELECT table_name': tables.map((t) => ({ t })),
    'SHOW STREAMS': [
      { name: 'ORDERS_STREAM', stale: 'false' },
      { name: 'ORDERS_QUARANTINE_STREAM', stale: 'false' },
      { name: 'ORDERS_LIFECYCLE_STREAM', stale: 'false' },
      { name: 'ORDERS_LIFECYCLE_QUARANTINE_STREAM', stale: 'false' },
      { name: 'ORDERS_STOCK_STREAM', stale: 'false' },
    ],
    'SELECT SYSTEM$STREAM_HAS_DATA': [{ h: false }],
    'SHOW TASKS': [
      {
        name: 'MERGE_ORDERS_TASK',
        state: 'started',
        schedule: '1 MINUTE',
        warehouse: 'DROPSHIP_WH',
      },
      {
        name: 'QUARANTINE_ORDERS_TASK',
        state: 'started',
        schedule: '1 MINUTE',
        warehouse: 'DROPSHIP_WH',
      },
    ],
  };

  it('all as it should be: every check passes', async () => {
    const checks = await checkSnowflakeObjects(account(healthy), config('SHOP'));
    expect(checks.filter((c) => c.ok !== true)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'role',
      'virtual warehouse',
      'database',
      'schema',
      'tables',
      'stream orders_stream',
      'stream orders_quarantine_stream',
      'stream orders_lifecycle_stream',
      'stream orders_lifecycle_quarantine_stream',
      'stream orders_stock_stream',
      'task merge_orders_task',
      'task quarantine_orders_task',
    ]);
  });

  it('a suspended task, a stale stream and a warehouse the session lacks are problems with their fix', async () => {
    const checks = byName(
      await checkSnowflakeObjects(
        account({
          ...healthy,
          'SELECT CURRENT_WAREHOUSE()': [{ w: null }],
          'SHOW STREAMS': [
            { name: 'ORDERS_STREAM', stale: 'true' },
            { name: 'ORDERS_QUARANTINE_STREAM', stale: 'false' },
          ],
          'SHOW TASKS': [{ name: 'MERGE_ORDERS_TASK', state: 'suspended' }],
        }),
        config('SHOP'),
      ),
    );
    expect(checks.get('virtual warehouse')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('GRANT USAGE ON WAREHOUSE DROPSHIP_WH TO ROLE SYSADMIN'),
    });
    expect(checks.get('stream orders_stream')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('stale'),
    });
    expect(checks.get('task merge_orders_task')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('ALTER TASK merge_orders_task RESUME'),
    });
    expect(checks.get('task quarantine_orders_task')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('missing'),
    });
  });

  it('a database the session does not have fails with SNOW_DATABASE, and the objects are not checked', async () => {
    const checks = byName(
      await checkSnowflakeObjects(
        account({ ...healthy, 'SELECT CURRENT_ROLE()': [{ r: 'SYSADMIN', d: null, s: null }] }),
        config('SHOP'),
      ),
    );
    expect(checks.get('database')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('SNOW_DATABASE is SHOP'),
      fix: expect.stringContaining('dropship setup'),
    });
    expect(checks.get('tables')?.ok).toBeNull();
    expect([...checks.values()].filter((c) => c.ok === false).map((c) => c.name)).toEqual([
      'database',
      'schema',
    ]);
  });

  it('a missing stream is a problem fixed by setup', async () => {
    const missing = new PipelineError('NOT_SET_UP', 'Stream does not exist');
    const checks = byName(
      await checkSnowflakeObjects(
        account({ ...healthy, 'SELECT SYSTEM$STREAM_HAS_DATA': missing }),
        config('SHOP'),
      ),
    );
    expect(checks.get('stream orders_stream')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('dropship setup'),
    });
  });
});
