/**
 * Validation: runs every check against the warehouse and assembles the report
 * (DESIGN.md §5). Each check has a status, numbers and a one-line explanation; the report's
 * status is the worst of them. Nothing here prints or exits: the CLI and the dashboard decide
 * what to do with the report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { publicConfig, type Config } from '../config/config.ts';
import type { Manifest } from '../domain/manifest.ts';
import { SeedFiles } from '../domain/tables.ts';
import { PipelineError } from '../errors.ts';
import { readManifest } from '../pipeline/seed-files.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { CHECKS, type Check, type CheckContext } from './checks/index.ts';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  explanation: string;
  metrics: Record<string, unknown>;
}

export interface ValidationReport {
  report_version: 1;
  generated_at: string;
  status: CheckStatus;
  summary: { evaluated: number; passed: number; warned: number; failed: number };
  checks: CheckResult[];
  configuration: Record<string, unknown>;
  manifest: string | null;
}

export interface ValidationOptions {
  config: Config;
  /**
   * The manifest to reconcile against. Omitted: `<SEED_DIR>/manifest.json` when it exists.
   * null: none. A path: it must exist and be a dropship manifest.
   */
  manifestPath?: string | null;
  /** The moment the checks are evaluated at; defaults to now. */
  now?: Date;
  /** The checks to run; defaults to all of them (tests pass one). */
  checks?: readonly Check[];
}

/** Errors that mean the validation cannot run at all, rather than a check failing. */
const CANNOT_RUN = new Set([
  'NOT_SET_UP',
  'WAREHOUSE_LOCKED',
  'WAREHOUSE_UNAVAILABLE',
  'INTERRUPTED',
]);

const RANK: Record<CheckStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };

export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'PASS';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

async function loadManifest(
  config: Config,
  manifestPath: string | null | undefined,
): Promise<{ manifest: Manifest | null; path: string | null; lookedAt: string | null }> {
  if (manifestPath === null) return { manifest: null, path: null, lookedAt: null };
  const path = manifestPath ?? join(config.seedDir, SeedFiles.manifest);
  if (manifestPath === undefined && !existsSync(path))
    return { manifest: null, path: null, lookedAt: path };
  try {
    return { manifest: await readManifest(path), path, lookedAt: path };
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    // readManifest lets a JSON syntax error through untyped.
    throw new PipelineError(
      'BAD_INPUT',
      `${path} is not a dropship manifest: ${(error as Error).message}`,
      {
        hint: 'regenerate it with `npx dropship generate`, or pass another file with --manifest',
        cause: error,
      },
    );
  }
}

async function runCheck(check: Check, ctx: CheckContext): Promise<CheckResult> {
  try {
    return await check.run(ctx);
  } catch (error) {
    if (error instanceof PipelineError && CANNOT_RUN.has(error.code)) throw error;
    // One broken check must not hide the others: it is reported as a failure with its cause.
    return {
      name: check.name,
      status: 'FAIL',
      explanation: `could not be evaluated: ${(error as Error).message.split('\n')[0]}`,
      metrics: {},
    };
  }
}

export async function runValidation(
  warehouse: Warehouse,
  options: ValidationOptions,
): Promise<ValidationReport> {
  const now = options.now ?? new Date();
  const { manifest, path, lookedAt } = await loadManifest(options.config, options.manifestPath);
  // Read once for every check; also proves the warehouse is set up (NOT_SET_UP otherwise).
  const backlog = await warehouse.streamBacklog();
  const ctx: CheckContext = {
    warehouse,
    config: options.config,
    manifest,
    manifestPath: path ?? lookedAt,
    now,
    backlog,
  };

  const checks: CheckResult[] = [];
  // One after the other: they share the warehouse's read connection.
  for (const check of options.checks ?? CHECKS) checks.push(await runCheck(check, ctx));

  const tally = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return {
    report_version: 1,
    generated_at: now.toISOString(),
    status: worstStatus(checks.map((c) => c.status)),
    summary: {
      evaluated: checks.length,
      passed: tally('PASS'),
      warned: tally('WARN'),
      failed: tally('FAIL'),
    },
    checks,
    configuration: publicConfig(options.config),
    manifest: path,
  };
}
