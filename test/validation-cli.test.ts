/**
 * `dropship validate` end to end: generate a data set, run the embedded pipeline on it, then
 * validate, all in child processes with DUCKDB_PATH / SEED_DIR / REPORTS_DIR in a temp dir.
 * Exit codes: 0 PASS or WARN, 1 FAIL, 2 when the validation cannot run. The runs share one
 * warehouse file, which DuckDB lets one process open at a time: they run one after another.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { latestValidation } from '../src/dashboard/validation-report.ts';
import { ManifestSchema } from '../src/domain/manifest.ts';
import { CHECKS } from '../src/validation/checks/index.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { runCli, type CliResult } from './helpers/cli.ts';

const Status = z.enum(['PASS', 'WARN', 'FAIL']);
const ReportSchema = z.object({
  report_version: z.literal(1),
  generated_at: z.iso.datetime(),
  status: Status,
  summary: z.object({
    evaluated: z.number().int(),
    passed: z.number().int(),
    warned: z.number().int(),
    failed: z.number().int(),
  }),
  checks: z.array(
    z.object({
      name: z.string(),
      status: Status,
      explanation: z.string().min(1),
      metrics: z.record(z.string(), z.unknown()),
    }),
  ),
  configuration: z.record(z.string(), z.unknown()),
  manifest: z.string().nullable(),
  manifest_source: z.enum(['warehouse', 'file']).nullable(),
  manifest_note: z.string().nullable(),
  warehouse: z.object({ description: z.string(), load_id: z.string().nullable() }),
});
type Report = z.infer<typeof ReportSchema>;

const FILE_NAME = /^validate_report_\d{8}T\d{6}Z\.json$/;
const CHECK_LINE = /^(PASS|WARN|FAIL) {2}(\S+) +(.+)$/;

let root: string;
let seedDir: string;
let duckdbPath: string;
let env: Record<string, string>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dropship-validate-cli-'));
  seedDir = join(root, 'seed');
  duckdbPath = join(root, 'warehouse.duckdb');
  env = { SEED_DIR: seedDir, DUCKDB_PATH: duckdbPath, REPORTS_DIR: join(root, 'reports') };
  const generated = await runCli(
    [
      'generate',
      '--orders',
      '500',
      '--customers',
      '100',
      '--products',
      '30',
      '--output-dir',
      seedDir,
    ],
    { cwd: root, env },
  );
  expect(generated.code, generated.stderr).toBe(0);
  const run = await runCli(['run', '--once', '--no-dashboard'], {
    cwd: root,
    env,
    timeoutMs: 120_000,
  });
  expect(run.code, run.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function validate(
  args: string[] = [],
  extraEnv: Record<string, string | undefined> = {},
): Promise<CliResult & { reports: string[] }> {
  const reportsDir = await mkdtemp(join(root, 'reports-'));
  const result = await runCli(['validate', ...args], {
    cwd: root,
    env: { ...env, REPORTS_DIR: reportsDir, ...extraEnv },
  });
  return {
    ...result,
    reports: existsSync(reportsDir)
      ? (await readdir(reportsDir)).map((n) => join(reportsDir, n))
      : [],
  };
}

function checkLines(stdout: string): Map<string, { status: string; explanation: string }> {
  const lines = new Map<string, { status: string; explanation: string }>();
  for (const line of stdout.split('\n')) {
    const m = CHECK_LINE.exec(line);
    if (m) lines.set(m[2]!, { status: m[1]!, explanation: m[3]! });
  }
  return lines;
}

async function readReport(path: string): Promise<Report> {
  return ReportSchema.parse(JSON.parse(await readFile(path, 'utf8')));
}

describe('dropship validate (CLI)', () => {
  it('passes on a freshly generated and replayed data set: exit 0, one line per check, a report file', async () => {
    const result = await validate();
    expect(result.code, result.stderr).toBe(0);
    expect(result.reports).toHaveLength(1);
    const path = result.reports[0]!;
    expect(path.split('/').at(-1)).toMatch(FILE_NAME);
    const report = await readReport(path);
    expect(report.status, JSON.stringify(report.checks, null, 2)).toBe('PASS');
    expect(report.manifest).toBe(join(seedDir, 'manifest.json'));
    expect(report.manifest_source).toBe('warehouse');
    expect(report.manifest_note).toBeNull();
    const lines = checkLines(result.stdout);
    expect([...lines.keys()]).toEqual(report.checks.map((c) => c.name));
    for (const c of report.checks)
      expect(lines.get(c.name)).toEqual({ status: c.status, explanation: c.explanation });
    const n = CHECKS.length;
    expect(result.stdout).toMatch(
      new RegExp(`^validation PASS: ${n} checks, ${n} passed, 0 warned, 0 failed$`, 'm'),
    );
    expect(result.stdout).toContain(`report: ${path}`);
    const reconciliation = report.checks.find((c) => c.name === 'reconciliation')!;
    const manifest = JSON.parse(await readFile(join(seedDir, 'manifest.json'), 'utf8')) as {
      totals: {
        orders: number;
        revenue: string;
        margin: { supplier_cost: string; shipping_cost: string; gross_margin: string };
      };
    };
    expect(reconciliation.metrics).toMatchObject({
      manifest_orders: 500,
      prod_replayed_orders: 500,
      prod_replayed_revenue: manifest.totals.revenue,
    });
    // Supplier costs went generate → inventory.csv → setup → PROD inventory, to the cent.
    expect(report.checks.find((c) => c.name === 'margin')!.metrics).toMatchObject({
      prod_orders_without_cost: 0,
      prod_supplier_cost: manifest.totals.margin.supplier_cost,
      prod_shipping_cost: manifest.totals.margin.shipping_cost,
      prod_gross_margin: manifest.totals.margin.gross_margin,
    });
  });

  it('exits 1 on FAIL: a manifest whose revenue differs from PROD', async () => {
    const edited = join(root, 'edited-manifest.json');
    const manifest = JSON.parse(await readFile(join(seedDir, 'manifest.json'), 'utf8')) as {
      totals: { revenue: string; revenue_cents: number };
    };
    manifest.totals.revenue_cents += 100;
    manifest.totals.revenue = (manifest.totals.revenue_cents / 100).toFixed(2);
    await writeFile(edited, JSON.stringify(manifest));
    const result = await validate(['--manifest', edited]);
    expect(result.code, result.stderr).toBe(1);
    expect(checkLines(result.stdout).get('reconciliation')?.status).toBe('FAIL');
    expect(checkLines(result.stdout).get('reconciliation')?.explanation).toContain(
      'difference -1.00',
    );
    const report = await readReport(result.reports[0]!);
    expect(report.status).toBe('FAIL');
    expect(report.manifest).toBe(edited);
    expect(report.manifest_source).toBe('file');
  });

  describe('a warehouse loaded from one seed folder, while the default folder holds another data set', () => {
    let other: string;
    beforeAll(async () => {
      // data/seed under the working directory: the default SEED_DIR.
      other = join(root, 'data', 'seed');
      const generated = await runCli(
        ['generate', '--orders', '300', '--customers', '50', '--products', '20', '--seed', '7'],
        { cwd: root, env: { ...env, SEED_DIR: undefined } },
      );
      expect(generated.code, generated.stderr).toBe(0);
      expect(existsSync(join(other, 'manifest.json'))).toBe(true);
    }, 60_000);

    it('reconciles against the manifest stored at load (PASS), naming the other one', async () => {
      const result = await validate([], { SEED_DIR: undefined });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const report = await readReport(result.reports[0]!);
      expect(report.status, JSON.stringify(report.checks, null, 2)).toBe('PASS');
      expect(report.manifest_source).toBe('warehouse');
      expect(report.manifest).toBe(join(seedDir, 'manifest.json'));
      const reconciliation = report.checks.find((c) => c.name === 'reconciliation')!;
      expect(reconciliation.metrics).toMatchObject({ manifest_orders: 500 });
      const note = `data/seed/manifest.json (SEED_DIR) is another data set than the one loaded into the warehouse`;
      expect(report.manifest_note).toContain(note);
      expect(report.manifest_note).toContain(join(seedDir, 'manifest.json'));
      expect(result.stdout).toMatch(
        /^note: .*data\/seed\/manifest\.json \(SEED_DIR\) is another data set/m,
      );
    });

    it('--manifest naming the other data set wins, and the mismatch is said by name', async () => {
      const otherManifest = join(other, 'manifest.json');
      const result = await validate(['--manifest', otherManifest], { SEED_DIR: undefined });
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(checkLines(result.stdout).get('reconciliation')?.status).toBe('FAIL');
      const report = await readReport(result.reports[0]!);
      expect(report.manifest).toBe(otherManifest);
      expect(report.manifest_source).toBe('file');
      expect(result.stdout).toContain(
        `note: --manifest ${otherManifest} is not the data set loaded into the warehouse (${join(seedDir, 'manifest.json')}, loaded into the warehouse `,
      );
    });

    it("the dashboard's last validation is the newest report of the warehouse's current data set", async () => {
      const reportsDir = await mkdtemp(join(root, 'dashboard-reports-'));
      const ran = await runCli(['validate'], {
        cwd: root,
        env: { ...env, REPORTS_DIR: reportsDir },
      });
      expect(ran.code, ran.stderr).toBe(0);
      const copy = join(root, 'reloaded.duckdb');
      await copyFile(duckdbPath, copy);
      const warehouse = await DuckDbWarehouse.open(copy);
      try {
        const owner = async () => ({
          description: `DuckDB ${duckdbPath}`,
          load_id: (await warehouse.loadedManifest())?.loadId ?? null,
        });
        expect(await latestValidation(reportsDir, await owner())).toMatchObject({ status: 'PASS' });
        // The same warehouse loaded with another data set: that report is not about it.
        await warehouse.recordLoadedManifest(
          other,
          ManifestSchema.parse(JSON.parse(await readFile(join(other, 'manifest.json'), 'utf8'))),
        );
        expect(await latestValidation(reportsDir, await owner())).toBeNull();
      } finally {
        await warehouse.close();
      }
    });
  });

  it('exits 0 on WARN: no manifest stored nor in SEED_DIR, and the smallest FRESHNESS_THRESHOLD passed', async () => {
    const emptySeed = join(root, 'empty-seed');
    await mkdir(emptySeed, { recursive: true });
    // A warehouse loaded before seed_manifest existed: no manifest stored with its data.
    const unrecorded = join(root, 'unrecorded.duckdb');
    await copyFile(duckdbPath, unrecorded);
    const w = await DuckDbWarehouse.open(unrecorded);
    await w.execute('DELETE FROM seed_manifest');
    await w.close();
    // The last event is then older than the threshold (1 second, the smallest allowed).
    await new Promise((r) => setTimeout(r, 1100));
    const result = await validate([], {
      SEED_DIR: emptySeed,
      DUCKDB_PATH: unrecorded,
      FRESHNESS_THRESHOLD: '1 second',
    });
    expect(result.code, result.stderr).toBe(0);
    const lines = checkLines(result.stdout);
    expect(lines.get('reconciliation')).toMatchObject({ status: 'WARN' });
    expect(lines.get('reconciliation')!.explanation).toMatch(/^no manifest/);
    expect(lines.get('recent_activity')).toMatchObject({ status: 'WARN' });
    expect((await readReport(result.reports[0]!)).status).toBe('WARN');
  });

  it('writes to --output-dir over REPORTS_DIR', async () => {
    const out = join(root, 'flag-reports');
    const result = await validate(['--output-dir', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.reports).toEqual([]);
    const names = await readdir(out);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(FILE_NAME);
  });

  it('fails at once, before any warehouse work, when --output-dir cannot be a folder (a file is in its path)', async () => {
    const file = join(root, 'a-regular-file');
    await writeFile(file, 'not a folder\n');
    const out = join(file, 'reports');
    // No warehouse there either: were the warehouse opened first, that would be the error.
    const absent = join(root, 'never-created', 'warehouse.duckdb');
    const result = await validate(['--output-dir', out], { DUCKDB_PATH: absent });
    expect(result.code, result.stdout).toBe(2);
    expect(result.stderr).toContain(
      `error: --output-dir ${out} cannot hold the validation reports: ${file} is a file, not a folder`,
    );
    expect(result.stderr).toMatch(
      /fix: pass --output-dir \(or REPORTS_DIR\) a folder you can write/,
    );
    expect(result.stdout).toBe('');
    expect(existsSync(absent)).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('not a folder\n');
    // The same folder from REPORTS_DIR is named as REPORTS_DIR.
    const fromEnv = await runCli(['validate'], {
      cwd: root,
      env: { ...env, REPORTS_DIR: out, DUCKDB_PATH: absent },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain(
      `error: REPORTS_DIR ${out} cannot hold the validation reports`,
    );
  });

  it('exits 2 when --manifest does not exist, naming it', async () => {
    const missing = join(root, 'no-such-manifest.json');
    const result = await validate(['--manifest', missing]);
    expect(result.code, result.stdout).toBe(2);
    expect(result.stderr).toContain(missing);
    expect(result.reports).toEqual([]);
  });

  it('exits 1 when there is no warehouse file, without creating one', async () => {
    const path = join(root, 'absent', 'warehouse.duckdb');
    const result = await validate([], { DUCKDB_PATH: path });
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(/no warehouse at .*absent/);
    expect(result.stderr).toContain('dropship setup');
    expect(existsSync(path)).toBe(false);
  });

  it('exits 1 when the warehouse exists but was never set up', async () => {
    const path = join(root, 'empty.duckdb');
    const empty = await DuckDbWarehouse.open(path);
    await empty.close();
    const result = await validate([], { DUCKDB_PATH: path });
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(/not set up/);
    expect(result.stderr).toContain('dropship setup');
    expect(result.reports).toEqual([]);
  });

  it('exits 1 when another process holds the warehouse, saying so', async () => {
    const copy = join(root, 'held.duckdb');
    await copyFile(duckdbPath, copy);
    const holder = await DuckDbWarehouse.open(copy);
    try {
      const result = await validate([], { DUCKDB_PATH: copy });
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr).toMatch(/in use by another process/);
      expect(result.stderr).toContain('fix:');
    } finally {
      await holder.close();
    }
  });
});
