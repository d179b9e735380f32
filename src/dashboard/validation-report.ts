/**
 * The last validation result, read from the newest `validate_report_<UTC>.json` in the reports
 * folder (the names sort by time). `dropship validate` writes them; the dashboard only reads.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ValidationStatus {
  status: 'PASS' | 'WARN' | 'FAIL' | 'UNREADABLE';
  generated_at: string | null;
  /** The report's own summary, as written (counts of checks by status, typically). */
  summary: unknown;
  file: string;
  error?: string;
}

const REPORT_NAME = /^validate_report_.*\.json$/;

export async function latestValidation(reportsDir: string): Promise<ValidationStatus | null> {
  let names: string[];
  try {
    names = (await readdir(reportsDir)).filter((name) => REPORT_NAME.test(name)).sort();
  } catch {
    return null; // no reports folder yet: validation has never run
  }
  const file = names.at(-1);
  if (!file) return null;
  try {
    const report = JSON.parse(await readFile(join(reportsDir, file), 'utf8')) as Record<
      string,
      unknown
    >;
    const status = report.status;
    if (status !== 'PASS' && status !== 'WARN' && status !== 'FAIL')
      throw new Error(`unexpected status ${JSON.stringify(status)}`);
    return {
      status,
      generated_at: typeof report.generated_at === 'string' ? report.generated_at : null,
      summary: report.summary ?? null,
      file,
    };
  } catch (error) {
    // A report being written right now, or a format we do not know: say so, do not fail the page.
    return {
      status: 'UNREADABLE',
      generated_at: null,
      summary: null,
      file,
      error: (error as Error).message,
    };
  }
}
