/**
 * Validation reports on disk: `<dir>/validate_report_<UTC>.json` (e.g.
 * `validate_report_20261125T181400Z.json`), written to a temporary name and renamed, so a
 * reader (the dashboard) never sees half a report. The name sorts chronologically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PipelineError } from '../errors.ts';
import type { ReportOwner, ValidationReport } from './validate.ts';

export const REPORT_FILE_PATTERN = /^validate_report_(\d{8}T\d{6}Z)\.json$/;

/** `2026-11-25T18:14:00.123Z` → `validate_report_20261125T181400Z.json`. */
export function reportFileName(generatedAt: string): string {
  const stamp = new Date(generatedAt)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `validate_report_${stamp}.json`;
}

/** Why a folder cannot be written, in words, from the error code. */
function whyNotWritable(code: string | undefined, path: string): string {
  if (code === 'ENOTDIR' || code === 'EEXIST') return `${path} is a file, not a folder`;
  if (code === 'EACCES' || code === 'EPERM') return `${path} is not writable (permission denied)`;
  if (code === 'EROFS') return `${path} is on a read-only file system`;
  if (code === 'ENOSPC') return `${path} has no space left`;
  return `${path} cannot be written (${code ?? 'unknown error'})`;
}

/**
 * Makes sure reports can be written to `dir`, before any warehouse work, so a bad folder
 * fails at once: the missing folders are created one level at a time (not `mkdir -p`:
 * Node's recursive mkdir never returns on some pseudo file systems), then a probe file is
 * written and removed. `setting` names where the folder came from (`--output-dir`,
 * `REPORTS_DIR`) for the message.
 */
export async function ensureReportsDir(dir: string, setting: string): Promise<void> {
  const target = resolve(dir);
  // A path that can never hold reports is a bad argument (exit 2); a full or read-only disk
  // is the work failing (exit 1), as for DUCKDB_PATH.
  const fail = (reason: string, cause?: unknown) =>
    new PipelineError(
      ['ENOSPC', 'EROFS', 'EIO'].includes((cause as NodeJS.ErrnoException)?.code ?? '')
        ? 'IO'
        : 'BAD_ARGUMENT',
      `${setting} ${target} cannot hold the validation reports: ${reason}`,
      {
        hint: `pass ${setting === 'REPORTS_DIR' ? 'REPORTS_DIR' : '--output-dir (or REPORTS_DIR)'} a folder you can write, e.g. reports, or fix the permissions of that path`,
        cause,
      },
    );
  // The folders to create, outermost first, up to the nearest one that exists.
  const missing: string[] = [];
  for (let path = target; ; path = dirname(path)) {
    try {
      if (!(await stat(path)).isDirectory()) throw fail(`${path} is a file, not a folder`);
      break;
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fail(whyNotWritable(code, path), error);
      if (dirname(path) === path) throw fail(whyNotWritable(code, path), error);
      missing.unshift(path);
    }
  }
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw fail(whyNotWritable(code, dirname(path)), error);
    }
  }
  const probe = join(target, `.write-probe.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '');
  } catch (error) {
    throw fail(whyNotWritable((error as NodeJS.ErrnoException).code, target), error);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * Writes the report and returns its path. Two reports generated in the same second share a
 * name; the later one replaces the earlier (atomically).
 */
export async function writeReport(report: ValidationReport, dir: string): Promise<string> {
  const path = join(dir, reportFileName(report.generated_at));
  const temp = join(
    dir,
    `.${reportFileName(report.generated_at)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  await ensureReportsDir(dir, 'the reports folder');
  try {
    await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new PipelineError(
      'IO',
      `cannot write the validation report to ${dir}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      {
        hint: 'check --output-dir / REPORTS_DIR, that the folder is writable and that its disk has free space',
        cause,
      },
    );
  }
  return path;
}

function looksLikeReport(value: unknown): value is ValidationReport {
  const r = value as Partial<ValidationReport> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.report_version === 1 &&
    typeof r.generated_at === 'string' &&
    (r.status === 'PASS' || r.status === 'WARN' || r.status === 'FAIL') &&
    Array.isArray(r.checks)
  );
}

/**
 * Whether a report is about `owner`: the same data set (load id) of the warehouse, or, where
 * no manifest was stored, the same warehouse. A report without a `warehouse` (written before
 * reports named one) cannot be told apart, so it belongs to none.
 */
export function reportBelongsTo(report: ValidationReport, owner: ReportOwner): boolean {
  const of = (report as Partial<ValidationReport>).warehouse;
  if (!of) return false;
  if (owner.load_id !== null) return of.load_id === owner.load_id;
  return of.load_id === null && of.description === owner.description;
}

/**
 * The most recent readable report in `dir` (that `accept` takes, when given), or null when
 * there is none (or no such folder).
 */
export async function latestReport(
  dir: string,
  accept: (report: ValidationReport) => boolean = () => true,
): Promise<{ path: string; report: ValidationReport } | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    )
      return null;
    throw new PipelineError(
      'IO',
      `cannot list the validation reports in ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      { cause: error },
    );
  }
  const reports = names
    .filter((n) => REPORT_FILE_PATTERN.test(n))
    .sort()
    .reverse();
  for (const name of reports) {
    const path = join(dir, name);
    try {
      const report: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (looksLikeReport(report) && accept(report)) return { path, report };
    } catch {
      // Not a report we can read (edited by hand, another tool): try the previous one.
    }
  }
  return null;
}
