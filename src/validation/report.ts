/**
 * Validation reports on disk: `<dir>/validate_report_<UTC>.json` (e.g.
 * `validate_report_20261125T181400Z.json`), written to a temporary name and renamed, so a
 * reader (the dashboard) never sees half a report. The name sorts chronologically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../errors.ts';
import type { ValidationReport } from './validate.ts';

export const REPORT_FILE_PATTERN = /^validate_report_(\d{8}T\d{6}Z)\.json$/;

/** `2026-11-25T18:14:00.123Z` → `validate_report_20261125T181400Z.json`. */
export function reportFileName(generatedAt: string): string {
  const stamp = new Date(generatedAt)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `validate_report_${stamp}.json`;
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
  try {
    await mkdir(dir, { recursive: true });
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

/** The most recent readable report in `dir`, or null when there is none (or no such folder). */
export async function latestReport(
  dir: string,
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
      if (looksLikeReport(report)) return { path, report };
    } catch {
      // Not a report we can read (edited by hand, another tool): try the previous one.
    }
  }
  return null;
}
