/**
 * The last validation result of the warehouse the dashboard shows: the newest
 * `validate_report_<UTC>.json` in the reports folder that names this warehouse and its current
 * data set (validation/report.ts). A report of another warehouse, or of a data set loaded
 * before the current one, is not this warehouse's last validation. `dropship validate` writes
 * them; the dashboard only reads.
 */
import { basename } from 'node:path';
import { latestReport, reportBelongsTo } from '../validation/report.ts';
import type { ReportOwner } from '../validation/validate.ts';

export interface ValidationStatus {
  status: 'PASS' | 'WARN' | 'FAIL';
  generated_at: string;
  /** The report's own summary (counts of checks by status). */
  summary: unknown;
  file: string;
}

export async function latestValidation(
  reportsDir: string,
  owner: ReportOwner,
): Promise<ValidationStatus | null> {
  // A folder that cannot be listed hides the tile, never the page.
  const latest = await latestReport(reportsDir, (r) => reportBelongsTo(r, owner)).catch(() => null);
  if (!latest) return null;
  const { report, path } = latest;
  return {
    status: report.status,
    generated_at: report.generated_at,
    summary: report.summary,
    file: basename(path),
  };
}
