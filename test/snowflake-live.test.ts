/**
 * The production pipeline on a real Snowflake account, through the real CLI: setup, `run
 * --once`, a second task run that changes nothing, validate, doctor and task history, on a
 * schema of its own that is dropped at the end.
 *
 * It runs only when the test's environment names an account and its credentials (SNOW_ACCOUNT,
 * SNOW_USER, and SNOW_PASSWORD or SNOW_PRIVATE_KEY_PATH) and SNOW_ACCESS_URL does not point at
 * the local emulator (the emulator suites cover that). Otherwise it is skipped, and says why.
 * It reads the process environment only, never a .env file, so a developer's .env cannot start
 * it by accident. SNOW_DATABASE and SNOW_WAREHOUSE must exist or be creatable by SNOW_ROLE:
 *
 *   SNOW_ACCOUNT=myorg-myaccount SNOW_USER=me SNOW_PRIVATE_KEY_PATH=~/.ssh/rsa_key.p8 \
 *     SNOW_ROLE=SYSADMIN npx vitest run test/snowflake-live.test.ts
 *
 * Costs: one XSMALL warehouse for a few minutes (AUTO_SUSPEND = 60 in snowflake/01).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type SnowflakeConfig } from '../src/config/config.ts';
import type { Manifest } from '../src/domain/manifest.ts';
import { isLoopbackUrl } from '../src/warehouse/snowflake/connection.ts';
import { SnowflakeWarehouse } from '../src/warehouse/snowflake/snowflake-warehouse.ts';
import { runCli } from './helpers/cli.ts';
import { uniqueIdentifier } from './helpers/snowflake-emulator.ts';

const ORDERS = 500;
/** A real account is far away and its warehouse may be resuming: generous bounds. */
const STEP_MS = 600_000;

/** The Snowflake settings of the test's environment, or why the live suite cannot run. */
function liveAccount(): { env: Record<string, string>; reason: '' } | { reason: string } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('SNOW_') && value) env[name] = value;
  }
  const missing = ['SNOW_ACCOUNT', 'SNOW_USER'].filter((name) => !env[name]);
  if (!env.SNOW_PASSWORD && !env.SNOW_PRIVATE_KEY_PATH) {
    missing.push('SNOW_PASSWORD or SNOW_PRIVATE_KEY_PATH');
  }
  if (missing.length > 0) return { reason: `${missing.join(', ')} not set` };
  if (isLoopbackUrl(env.SNOW_ACCESS_URL)) {
    return {
      reason: `SNOW_ACCESS_URL=${env.SNOW_ACCESS_URL} is the local emulator, not an account`,
    };
  }
  return { env, reason: '' };
}

const account = liveAccount();
if (account.reason) {
  console.warn(`skipping the live Snowflake suite: ${account.reason}`);
}

describe.skipIf(account.reason !== '')(
  `pipeline on a real Snowflake account${account.reason ? ` (skipped: ${account.reason})` : ''}`,
  () => {
    let dir: string;
    let env: Record<string, string>;
    let config: SnowflakeConfig;
    let manifest: Manifest;

    beforeAll(async () => {
      if (!('env' in account)) return;
      dir = await mkdtemp(join(tmpdir(), 'dropship-snowflake-live-'));
      const seedDir = join(dir, 'seed');
      env = {
        ...account.env,
        WAREHOUSE: 'snowflake',
        // A schema of its own: never touches the account's pipeline, dropped in afterAll.
        SNOW_SCHEMA: uniqueIdentifier('live'),
        SEED_DIR: seedDir,
        REPORTS_DIR: join(dir, 'reports'),
      };
      const loaded = loadConfig({ env, cwd: dir }).config.warehouse;
      if (loaded.kind !== 'snowflake') throw new Error('WAREHOUSE=snowflake was not applied');
      config = loaded;
      const gen = await runCli(
        ['generate', '--orders', String(ORDERS), '--customers', '100', '--products', '40'],
        { cwd: dir, env: { SEED_DIR: seedDir } },
      );
      expect(gen.code, gen.stderr).toBe(0);
      manifest = JSON.parse(await readFile(join(seedDir, 'manifest.json'), 'utf8')) as Manifest;
    }, STEP_MS);

    afterAll(async () => {
      if (config) {
        const warehouse = await SnowflakeWarehouse.open({ ...config, schema: 'PUBLIC' });
        try {
          await warehouse.query(`DROP SCHEMA IF EXISTS "${config.database}"."${config.schema}"`);
        } finally {
          await warehouse.close();
        }
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    }, STEP_MS);

    async function totals() {
      const warehouse = await SnowflakeWarehouse.open(config);
      try {
        const [prod] = await warehouse.query<{ n: string; ids: string; cents: string }>(
          'SELECT count(*) AS n, count(DISTINCT id) AS ids, CAST(sum(quantity * unit_price) * 100 AS BIGINT) AS cents FROM orders',
        );
        const [raw] = await warehouse.query<{ n: string }>(
          'SELECT count(*) AS n FROM orders_events',
        );
        return {
          prod: Number(prod?.n),
          distinct: Number(prod?.ids),
          cents: Number(prod?.cents),
          raw: Number(raw?.n),
        };
      } finally {
        await warehouse.close();
      }
    }

    const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: STEP_MS });

    it(
      'setup, run --once: every order in PROD once, revenue to the cent; a second task run changes nothing; validate, doctor and task history agree',
      async () => {
        const setup = await cli(['setup']);
        expect(setup.code, setup.stderr).toBe(0);
        const run = await cli(['run', '--once']);
        expect(run.code, run.stderr).toBe(0);
        const expected = { prod: ORDERS, distinct: ORDERS, cents: manifest.totals.revenue_cents };
        expect(await totals()).toMatchObject({ ...expected, raw: ORDERS });

        const again = await cli(['task', 'run']);
        expect(again.code, again.stderr).toBe(0);
        expect(await totals()).toMatchObject({ ...expected, raw: ORDERS });

        const validate = await cli(['validate']);
        expect(validate.code, validate.stdout + validate.stderr).toBe(0);
        expect(validate.stdout + validate.stderr).toMatch(/validation PASS/);
        const doctor = await cli(['doctor']);
        expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
        const history = await cli(['task', 'history']);
        expect(history.code, history.stderr).toBe(0);
        expect(history.stdout).toMatch(/SUCCEEDED/);
      },
      4 * STEP_MS,
    );
  },
);
