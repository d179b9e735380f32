/**
 * The validation report as a file and as a contract: its JSON shape (checked with a schema
 * written here, independently of the product code), the overall status, the file name and
 * atomic write, finding the latest report, and no secrets in it.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config/config.ts';
import { latestReport, writeReport } from '../src/validation/report.ts';
import { runValidation, type ValidationReport } from '../src/validation/validate.ts';
import {
  makeCustomers,
  makeOrders,
  makeProducts,
  openWarehouseFixture,
} from './helpers/warehouse-fixture.ts';

const Status = z.enum(['PASS', 'WARN', 'FAIL']);
const ReportSchema = z
  .object({
    report_version: z.literal(1),
    generated_at: z.iso.datetime(),
    status: Status,
    summary: z
      .object({
        evaluated: z.number().int(),
        passed: z.number().int(),
        warned: z.number().int(),
        failed: z.number().int(),
      })
      .strict(),
    checks: z.array(
      z
        .object({
          name: z.string().min(1),
          status: Status,
          explanation: z
            .string()
            .min(1)
            .regex(/^[^\n]+$/, 'one line'),
          metrics: z.record(z.string(), z.unknown()),
        })
        .strict(),
    ),
    configuration: z.record(z.string(), z.unknown()),
    manifest: z.string().nullable(),
    manifest_source: z.enum(['warehouse', 'file']).nullable(),
    manifest_note: z.string().min(1).nullable(),
    warehouse: z
      .object({ description: z.string().min(1), load_id: z.string().nullable() })
      .strict(),
  })
  .strict();

const CHECK_NAMES = [
  'raw_vs_prod_counts',
  'reconciliation',
  'margin',
  'stock',
  'lifecycle',
  'messy_data',
  'duplicates',
  'data_quality',
  'recent_activity',
  'task_status',
  'dead_letters',
];
const FILE_NAME = /^validate_report_\d{8}T\d{6}Z\.json$/;

const customers = makeCustomers(2);
const products = makeProducts(2);
const orders = makeOrders(4, customers, products);

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-reports-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('validation report', () => {
  it('has the documented shape, every check once, and a summary that adds up', async () => {
    const fx = await openWarehouseFixture({ customers, products, orders });
    await fx.writeManifest(orders);
    const report = await runValidation(fx.warehouse, {
      config: fx.config,
      now: new Date(Date.now() + 1000),
    });
    ReportSchema.parse(report);
    expect(report.checks.map((c) => c.name)).toEqual(CHECK_NAMES);
    expect(report.status).toBe('PASS');
    expect(report.summary).toEqual({ evaluated: 11, passed: 11, warned: 0, failed: 0 });
    expect(report.configuration).toMatchObject({
      reportsDir: fx.reportsDir,
      freshnessThresholdMs: 15 * 60_000,
    });
    // JSON-safe: what is written is what is read back.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('takes the worst status: one WARN makes WARN, one FAIL makes FAIL', async () => {
    const fx = await openWarehouseFixture({ customers, products, orders });
    await fx.writeManifest(orders);
    const now = new Date(Date.now() + 1000);
    const stale = await runValidation(fx.warehouse, {
      config: fx.config,
      now: new Date(Date.now() + 3_600_000),
    });
    expect(stale.status).toBe('WARN');
    expect(stale.summary).toEqual({ evaluated: 11, passed: 10, warned: 1, failed: 0 });
    await fx.sql("UPDATE orders SET unit_price = -1 WHERE id = 'ORD-00000001'");
    const failed = await runValidation(fx.warehouse, { config: fx.config, now });
    expect(failed.status).toBe('FAIL');
    expect(failed.summary.failed).toBeGreaterThanOrEqual(1);
    expect(failed.summary.passed + failed.summary.warned + failed.summary.failed).toBe(11);
  });

  it('never contains the Snowflake password, in memory or on disk', async () => {
    const secret = 'pa55-Very-Secret-Value';
    const fx = await openWarehouseFixture({ customers, products, orders });
    const { config } = loadConfig({
      env: {
        WAREHOUSE: 'snowflake',
        SNOW_ACCOUNT: 'acme-x1',
        SNOW_USER: 'loader',
        SNOW_PASSWORD: secret,
        REPORTS_DIR: fx.reportsDir,
        SEED_DIR: fx.seedDir,
      },
      cwd: fx.dir,
    });
    expect(config.warehouse).toMatchObject({ kind: 'snowflake', auth: { password: secret } }); // the secret is really there to leak
    const report = await runValidation(fx.warehouse, { config });
    expect(JSON.stringify(report)).not.toContain(secret);
    expect(report.configuration).toMatchObject({
      warehouse: { kind: 'snowflake', account: 'acme-x1' },
    });
    const path = await writeReport(report, fx.reportsDir);
    expect(await readFile(path, 'utf8')).not.toContain(secret);
  });

  it('is written as validate_report_<UTC>.json, atomically, and read back as the latest', async () => {
    const dir = join(await tempDir(), 'nested', 'reports');
    const fx = await openWarehouseFixture({ customers, products, orders });
    const first = await runValidation(fx.warehouse, {
      config: fx.config,
      now: new Date('2026-11-25T18:14:00.123Z'),
    });
    const second = await runValidation(fx.warehouse, {
      config: fx.config,
      now: new Date('2026-11-25T18:15:09.000Z'),
    });
    const secondPath = await writeReport(second, dir);
    const firstPath = await writeReport(first, dir); // written later, but older
    expect(firstPath).toBe(join(dir, 'validate_report_20261125T181400Z.json'));
    expect(secondPath).toBe(join(dir, 'validate_report_20261125T181509Z.json'));
    const names = await readdir(dir);
    expect(names.sort()).toEqual([
      'validate_report_20261125T181400Z.json',
      'validate_report_20261125T181509Z.json',
    ]);
    for (const name of names) expect(name).toMatch(FILE_NAME);
    const onDisk: unknown = JSON.parse(await readFile(firstPath, 'utf8'));
    expect(ReportSchema.parse(onDisk)).toEqual(first);
    const latest = await latestReport(dir);
    expect(latest?.path).toBe(secondPath);
    expect(latest?.report).toEqual(second);
  });

  it('latestReport skips an unreadable newer file and returns null when there is nothing', async () => {
    const dir = await tempDir();
    expect(await latestReport(join(dir, 'missing'))).toBeNull();
    expect(await latestReport(dir)).toBeNull();
    const report: ValidationReport = {
      report_version: 1,
      generated_at: '2026-01-01T00:00:00.000Z',
      status: 'WARN',
      summary: { evaluated: 0, passed: 0, warned: 0, failed: 0 },
      checks: [],
      configuration: {},
      manifest: null,
      manifest_source: null,
      manifest_note: null,
      warehouse: { description: 'DuckDB test.duckdb', load_id: null },
    };
    const good = await writeReport(report, dir);
    await writeFile(join(dir, 'validate_report_20270101T000000Z.json'), '{"half": ');
    await writeFile(join(dir, 'notes.json'), '{}');
    expect(await latestReport(dir)).toEqual({ path: good, report });
  });
});
