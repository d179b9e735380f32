/**
 * The local Snowflake emulator the Snowflake tests use (infra/snowflake-emulator/): the one at
 * SNOW_ACCESS_URL when set, else the local one on http://127.0.0.1:8085 (`npm run
 * snowflake:local`, started by `.ci/run`). When none answers, the tests are skipped with the
 * reason, except in CI (CI=true) where that is a failure.
 *
 *   const emulator = await snowflakeEmulator();
 *   describe.skipIf(!emulator.available)('…', () => { … emulator.accessUrl … });
 */
import { randomBytes } from 'node:crypto';
import type { WarehouseConfig } from '../../src/config/config.ts';
import { serviceUnavailable } from './service-rule.ts';

const LOCAL = 'http://127.0.0.1:8085';

export interface SnowflakeEmulator {
  /** Base URL for the driver's `accessUrl` (no trailing slash). */
  accessUrl: string;
  available: boolean;
  /** Why the emulator is not available (printed when tests are skipped). */
  reason: string;
}

/**
 * A short HTTP round trip to a route only the emulator's shim answers with `{success: true}`
 * (the driver's telemetry endpoint): is the emulator there? null when it is, else why not.
 */
export async function emulatorAnswers(accessUrl: string, timeoutMs = 3000): Promise<string | null> {
  try {
    const response = await fetch(`${accessUrl}/telemetry/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return `HTTP ${response.status}`;
    const body = (await response.json().catch(() => null)) as { success?: unknown } | null;
    return body?.success === true ? null : 'it answers, but not as the emulator does';
  } catch (error) {
    // fetch's own message is "fetch failed"; the cause says what (ECONNREFUSED, a timeout…)
    const { cause } = error as Error & { cause?: { code?: string; message?: string } };
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

let cached: Promise<SnowflakeEmulator> | undefined;

export function snowflakeEmulator(): Promise<SnowflakeEmulator> {
  cached ??= (async () => {
    const accessUrl = (process.env.SNOW_ACCESS_URL?.trim() || LOCAL).replace(/\/+$/, '');
    const problem = await emulatorAnswers(accessUrl);
    if (problem === null) return { accessUrl, available: true, reason: '' };
    const reason = `no Snowflake emulator answers on ${accessUrl} (${problem}); start it with \`npm run snowflake:local\` or set SNOW_ACCESS_URL`;
    serviceUnavailable('the Snowflake emulator', reason);
    return { accessUrl, available: false, reason };
  })();
  return cached;
}

/**
 * A Snowflake identifier unique to this test run (`T_<LABEL>_<hex>`, upper case, so quoted or
 * not it names the same object): databases and schemas never collide on a shared emulator.
 */
export function uniqueIdentifier(label: string): string {
  return `T_${label.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${randomBytes(4).toString('hex').toUpperCase()}`;
}

/** The warehouse settings of a pipeline on the emulator, on a database of its own. */
export function emulatorWarehouse(
  accessUrl: string,
  database: string,
): Extract<WarehouseConfig, { kind: 'snowflake' }> {
  return {
    kind: 'snowflake',
    account: 'local',
    user: 'dropship',
    auth: { method: 'password', password: 'local' },
    role: 'SYSADMIN',
    warehouse: 'DROPSHIP_WH',
    database,
    schema: 'PIPELINE',
    accessUrl,
  };
}

/** The same, as the environment of a CLI process (password login). */
export function emulatorEnv(accessUrl: string, database: string): Record<string, string> {
  return {
    WAREHOUSE: 'snowflake',
    SNOW_ACCESS_URL: accessUrl,
    SNOW_ACCOUNT: 'local',
    SNOW_USER: 'dropship',
    SNOW_PASSWORD: 'local',
    SNOW_DATABASE: database,
    SNOW_SCHEMA: 'PIPELINE',
    SNOW_WAREHOUSE: 'DROPSHIP_WH',
  };
}
