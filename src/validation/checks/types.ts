/**
 * What every check receives and returns. A check reads the warehouse through its named reads
 * (`warehouse.reads`, `taskSummary`, `taskHistory`: the same on every warehouse), and decides
 * PASS / WARN / FAIL from numbers it puts in `metrics`.
 */
import type { Config } from '../../config/config.ts';
import type { Manifest } from '../../domain/manifest.ts';
import type { Warehouse } from '../../warehouse/types.ts';
import type { CheckResult } from '../validate.ts';

export interface CheckContext {
  warehouse: Warehouse;
  config: Config;
  /** The control totals to reconcile against; null when there is no manifest. */
  manifest: Manifest | null;
  /** Where the manifest was read (or looked for), for explanations. */
  manifestPath: string | null;
  /** The moment the validation is evaluated at (bound into SQL, never `now()`: tests stay deterministic). */
  now: Date;
  /** RAW rows the task has not merged yet (SYSTEM$STREAM_HAS_DATA's count), read once for all checks. */
  backlog: number;
}

export interface Check {
  name: string;
  /** One line for `--help`-style listings and the README. */
  description: string;
  run(ctx: CheckContext): Promise<CheckResult>;
}

export function result(
  name: string,
  status: CheckResult['status'],
  explanation: string,
  metrics: Record<string, unknown>,
): CheckResult {
  return { name, status, explanation, metrics };
}
