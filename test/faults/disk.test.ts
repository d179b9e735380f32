/**
 * Fault: the disk of the DuckDB file and of reports/ is unwritable, read-only or full. Each
 * command must stop with a clear error (the cause, the path, the fix), leave nothing
 * half-written, and the pipeline must finish once the disk is back.
 *
 * How it is provoked, honestly even as root (chmod does not stop root):
 * - unwritable: a regular file where the folder should be (DUCKDB_PATH=<file>/w.duckdb);
 * - full and read-only: a small tmpfs mounted for the test (`mount -t tmpfs -o size=…`, then
 *   `remount,ro`); that needs root, so without it these cases are skipped with the reason.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lane,
  makeSeed,
  reconcile,
  reportScenario,
  scale,
  seconds,
  validatePass,
  warehouseFigures,
  type FaultSeed,
  type ScenarioRow,
} from './harness.ts';

const run = promisify(execFile);
const ORDERS = scale(20_000, 40_000);
/**
 * The tmpfs for DuckDB: large enough for setup (≈2.4 MB with suppliers and the stored manifest)
 * and some batches, too small for the replay's RAW.
 */
const DUCKDB_DISK = '4m';

let seed: FaultSeed;
const mounts: string[] = [];
const rows: ScenarioRow[] = [];
const notes: string[] = [];
const startedAt = Date.now();

async function mountTmpfs(path: string, size: string): Promise<string | null> {
  await mkdir(path, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
    mounts.push(path);
    return null;
  } catch (error) {
    return `cannot mount a tmpfs (needs root): ${(error as Error).message.split('\n')[0]}`;
  }
}
const remount = (path: string, options: string) => run('mount', ['-o', `remount,${options}`, path]);

/** Why the tmpfs cases cannot run here (null: they can). */
let tmpfsProblem: string | null = null;
beforeAll(async () => {
  seed = await makeSeed('disk', ORDERS, 20);
  tmpfsProblem = await mountTmpfs(join(seed.dir, 'probe'), '64k');
  if (tmpfsProblem) console.warn(`disk faults on a full/read-only disk skipped: ${tmpfsProblem}`);
});
afterAll(async () => {
  for (const m of mounts.reverse()) await run('umount', [m]).catch(() => undefined);
  await seed?.remove();
  if (rows.length > 0)
    reportScenario('disk', 'unwritable, read-only and full disks', rows, notes, startedAt);
});

const inProcess = { KAFKA_BOOTSTRAP_SERVERS: '' };

describe('fault: unwritable, read-only and full disks', () => {
  it('a file where the folder of DUCKDB_PATH or REPORTS_DIR should be: a clear error, nothing written', async () => {
    const blocker = join(seed.dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const l = lane(seed, 'unwritable', '');
    const db = join(blocker, 'w.duckdb');
    for (const command of [['setup'], ['run', '--once', '--no-dashboard']]) {
      const result = await l.cli(command, { ...inProcess, DUCKDB_PATH: db });
      // A setting that can never work: exit 2 (README, "Exit codes"), as for REPORTS_DIR below.
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`cannot create the folder of the DuckDB warehouse ${db}`);
      expect(result.stderr).toMatch(
        /fix: point DUCKDB_PATH at a file in a folder you can write to/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    // A good warehouse, reports to an unwritable folder.
    const ok = await l.cli(['run', '--once', '--no-dashboard'], inProcess);
    expect(ok.code, ok.stderr).toBe(0);
    const reports = join(blocker, 'reports');
    const validate = await l.cli(['validate'], { REPORTS_DIR: reports });
    expect(validate.code, validate.stderr).toBe(2);
    expect(validate.stderr).toContain(`REPORTS_DIR ${reports} cannot hold the validation reports`);
    const { lost, doubled } = await reconcile(l, seed);
    await validatePass(l);
    rows.push({
      scenario: 'unwritable folder (DuckDB, reports/)',
      how: '`DUCKDB_PATH` and `REPORTS_DIR` under a regular file: `setup`, `run`, `validate`',
      runs: 4,
      events: ORDERS,
      faults: 3,
      lost,
      doubled,
      recovery:
        'exit 2 (a bad setting) with the folder and the fix, before any work; no stack trace',
    });
  }, 300_000);

  it.skipIf(tmpfsProblem !== null)(
    'the DuckDB disk full in the middle of a replay, then read-only: whole transactions only, then it finishes',
    async () => {
      const disk = join(seed.dir, 'duckdb-disk');
      expect(await mountTmpfs(disk, DUCKDB_DISK)).toBeNull();
      const l = lane(seed, 'full', '');
      // Batches smaller than the replay, so some transactions commit before the disk is full.
      const env = { ...inProcess, DUCKDB_PATH: join(disk, 'w.duckdb'), INGEST_BATCH_SIZE: '2000' };
      const setup = await l.cli(['setup'], env);
      expect(setup.code, setup.stderr).toBe(0);
      const full = await l.cli(['run', '--once', '--no-dashboard'], env, 300_000);
      expect(full.code, full.stderr).toBe(1);
      expect(full.stderr).toMatch(/No space left on device/);
      expect(full.stderr).toMatch(/fix: the disk holding .* is full: free space there/);
      const retries = (full.stderr.match(/retrying after error/g) ?? []).length;

      // Read-only: a clear error, and the file is as the full disk left it.
      await remount(disk, 'size=64m');
      const atFull = await warehouseFigures(join(disk, 'w.duckdb'));
      // Only whole transactions: each one stores its rows with their offsets.
      expect(atFull.raw).toBeGreaterThan(0);
      expect(atFull.raw).toBeLessThan(ORDERS);
      expect(atFull.raw).toBe(atFull.storedOffsets);
      await remount(disk, 'ro');
      const readOnly = await l.cli(['run', '--once', '--no-dashboard'], env);
      expect(readOnly.code, readOnly.stderr).toBe(1);
      expect(readOnly.stderr).toMatch(/cannot open the DuckDB warehouse .*Read-only file system/);
      expect(readOnly.stderr).toMatch(/fix: /);
      await remount(disk, 'rw');
      expect(await warehouseFigures(join(disk, 'w.duckdb'))).toEqual(atFull);

      // The disk is back: the run resumes after what RAW holds and reconciles exactly.
      const from = Date.now();
      const resumed = await l.cli(['run', '--once', '--no-dashboard'], env, 300_000);
      expect(resumed.code, resumed.stderr).toBe(0);
      const recoveryMs = Date.now() - from;
      // The lane, with its warehouse on the tmpfs.
      const lOnDisk = {
        ...l,
        db: env.DUCKDB_PATH,
        cli: (args: string[], extra: Record<string, string> = {}) =>
          l.cli(args, { ...env, ...extra }),
      };
      const { lost, doubled } = await reconcile(lOnDisk, seed);
      await validatePass(lOnDisk);
      rows.push({
        scenario: 'DuckDB disk full, then read-only',
        how: `\`run --once\` (in-process bus) of ${ORDERS} orders with DUCKDB_PATH on a ${DUCKDB_DISK} tmpfs: ENOSPC mid-replay (${retries} retries, then exit 1); remounted larger, then read-only (exit 1, file unchanged); then rw and \`run --once\` again`,
        runs: 3,
        events: ORDERS,
        faults: 2,
        lost,
        doubled,
        recovery: `${seconds(recoveryMs)} for the resumed run (RAW held ${atFull.raw} rows in whole transactions)`,
      });
    },
    600_000,
  );

  it.skipIf(tmpfsProblem !== null)(
    'reports/ on a full disk: validate exits 1 naming it, and leaves no partial report',
    async () => {
      const disk = join(seed.dir, 'reports-disk');
      expect(await mountTmpfs(disk, '64k')).toBeNull();
      // Fill it: the report (a few KB) cannot fit.
      const filler = join(disk, 'filler');
      await writeFile(filler, Buffer.alloc(64 * 1024)).catch(() => undefined);
      const l = lane(seed, 'reports', '');
      const ok = await l.cli(['run', '--once', '--no-dashboard'], inProcess);
      expect(ok.code, ok.stderr).toBe(0);
      const validate = await l.cli(['validate'], { REPORTS_DIR: disk });
      expect(validate.code, validate.stderr).toBe(1);
      expect(validate.stderr).toContain(`cannot write the validation report to ${disk}: ENOSPC`);
      // Neither the report nor its temporary file is left behind.
      expect(await readdir(disk)).toEqual(['filler']);
      await rm(filler);
      const { lost, doubled } = await reconcile(l, seed);
      const again = await l.cli(['validate'], { REPORTS_DIR: disk });
      expect(again.code, again.stderr).toBe(0);
      expect(
        (await readdir(disk)).filter((n) => /^validate_report_.*\.json$/.test(n)),
      ).toHaveLength(1);
      await validatePass(l);
      rows.push({
        scenario: 'reports/ disk full',
        how: '`REPORTS_DIR` on a full 64 KB tmpfs: `validate`, then again once space is freed',
        runs: 2,
        events: ORDERS,
        faults: 1,
        lost,
        doubled,
        recovery:
          'exit 1 naming the folder and ENOSPC, no partial or temporary file; PASS once freed',
      });
      notes.push(
        `The full-disk error as printed: "${validate.stderr.trim().split('\n').slice(-2).join(' / ').slice(0, 200)}".`,
      );
    },
    300_000,
  );
});
