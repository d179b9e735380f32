/**
 * `dropship doctor` as a user runs it, on DuckDB and on the Snowflake emulator: before setup it
 * fails (exit 1) and says to run setup; after setup it passes, listing what it checked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { snowflakeEmulator, uniqueIdentifier } from './helpers/snowflake-emulator.ts';

const emulator = await snowflakeEmulator();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-doctor-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The line of check `name` (its mark and detail). */
const line = (stdout: string, name: string) =>
  stdout.split('\n').find((l) => new RegExp(`^. ${name}\\s`).test(l));

it('DuckDB: the tables, the emulated stream and the task', async () => {
  const env = { DUCKDB_PATH: join(dir, 'warehouse.duckdb'), SEED_DIR: join(dir, 'seed') };
  const setup = await runCli(['setup'], { cwd: dir, env });
  expect(setup.code, setup.stderr).toBe(0);
  const doctor = await runCli(['doctor'], { cwd: dir, env });
  expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  expect(line(doctor.stdout, 'tables')).toMatch(/^✓ .*orders_events.*task_history/);
  expect(line(doctor.stdout, 'task merge_orders_task')).toMatch(/^✓ .*started/);
});

describe.skipIf(!emulator.available)(`Snowflake emulator (${emulator.accessUrl})`, () => {
  it('fails before setup naming the fix, passes after it; what the emulator cannot say is "?"', async () => {
    const env = {
      WAREHOUSE: 'snowflake',
      SNOW_ACCESS_URL: emulator.accessUrl,
      SNOW_ACCOUNT: 'local',
      SNOW_USER: 'dropship',
      SNOW_PASSWORD: 'local',
      SNOW_DATABASE: uniqueIdentifier('doctor_cli'),
      SNOW_SCHEMA: 'PIPELINE',
      SNOW_WAREHOUSE: 'DROPSHIP_WH',
      SEED_DIR: join(dir, 'seed'),
    };
    const before = await runCli(['doctor'], { cwd: dir, env, timeoutMs: 120_000 });
    expect(before.code, before.stdout + before.stderr).toBe(1);
    expect(line(before.stdout, 'tables')).toMatch(/^✗ .*missing/);
    expect(before.stdout).toContain('fix: run `npx dropship setup`');

    const setup = await runCli(['setup'], { cwd: dir, env, timeoutMs: 120_000 });
    expect(setup.code, setup.stderr).toBe(0);
    const after = await runCli(['doctor'], { cwd: dir, env, timeoutMs: 120_000 });
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(line(after.stdout, 'database')).toMatch(/^✓ .*SNOW_DATABASE/);
    expect(line(after.stdout, 'schema')).toMatch(/^✓ .*PIPELINE \(SNOW_SCHEMA\)/);
    expect(line(after.stdout, 'stream orders_stream')).toMatch(/^✓ /);
    expect(line(after.stdout, 'stream orders_quarantine_stream')).toMatch(/^✓ /);
    expect(line(after.stdout, 'task merge_orders_task')).toMatch(/^\? .*unknown.*SHOW TASKS/);
    expect(line(after.stdout, 'task quarantine_orders_task')).toMatch(/^\? /);
  });
});
