/**
 * Validation: runs every check against the warehouse and assembles the report
 * (DESIGN.md §5). Each check has a status, numbers and a one-line explanation; the report's
 * status is the worst of them. Nothing here prints or exits: the CLI and the dashboard decide
 * what to do with the report.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publicConfig, type Config } from '../config/config.ts';
import type { Manifest } from '../domain/manifest.ts';
import { SeedFiles } from '../domain/tables.ts';
import { PipelineError } from '../errors.ts';
import { readManifest } from '../pipeline/seed-files.ts';
import { sameData } from '../warehouse/loaded-manifest.ts';
import type { LoadedManifest, Warehouse } from '../warehouse/types.ts';
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
  /** The manifest file reconciled against (for `warehouse`: the one loaded); null: none. */
  manifest: string | null;
  /** `warehouse`: the manifest stored at load; `file`: read from disk (--manifest, SEED_DIR). */
  manifest_source: 'warehouse' | 'file' | null;
  /** Why this manifest, when another one was there too (a different data set). */
  manifest_note: string | null;
  /**
   * Which warehouse and which of its data sets was checked: the dashboard shows only a report
   * of its own warehouse's current data set.
   */
  warehouse: ReportOwner;
}

export interface ReportOwner {
  description: string;
  /** The loaded manifest's load id (seed_manifest); null when none was stored. */
  load_id: string | null;
}

export interface ValidationOptions {
  config: Config;
  /**
   * The manifest to reconcile against. Omitted: the one stored in the warehouse when its data
   * was loaded, else `<SEED_DIR>/manifest.json` when it exists. null: none. A path: it must
   * exist and be a dropship manifest.
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

/** The manifest a validation reconciles against, where it came from, and why (notes). */
interface ManifestChoice {
  manifest: Manifest | null;
  /** The manifest file it is (or was, when loaded into the warehouse); null when none. */
  path: string | null;
  /** Where a manifest was looked for, for the "no manifest" explanation. */
  lookedAt: string | null;
  source: ValidationReport['manifest_source'];
  note: string | null;
}

async function readManifestFile(path: string): Promise<Manifest> {
  try {
    return await readManifest(path);
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

/**
 * An explicit --manifest wins; otherwise the manifest stored in the warehouse when its data was
 * loaded (the data it actually holds); otherwise `<SEED_DIR>/manifest.json` (a warehouse loaded
 * before seed_manifest existed). When two of them are different data sets, the note says so.
 */
async function chooseManifest(
  config: Config,
  manifestPath: string | null | undefined,
  stored: LoadedManifest | null,
): Promise<ManifestChoice> {
  if (manifestPath === null)
    return { manifest: null, path: null, lookedAt: null, source: null, note: null };
  const loadedFrom = stored ? join(stored.seedDir, SeedFiles.manifest) : null;
  const loadedText = stored ? `${loadedFrom}, loaded into the warehouse ${stored.loadedAt}` : '';
  if (manifestPath !== undefined) {
    const manifest = await readManifestFile(manifestPath);
    const note =
      stored && !sameData(manifest, stored.manifest)
        ? `--manifest ${manifestPath} is not the data set loaded into the warehouse (${loadedText}): reconciling against ${manifestPath} as asked; leave --manifest out to reconcile against the loaded one`
        : null;
    return { manifest, path: manifestPath, lookedAt: manifestPath, source: 'file', note };
  }
  const seedManifest = join(config.seedDir, SeedFiles.manifest);
  if (stored) {
    let note: string | null = null;
    if (existsSync(seedManifest) && resolve(seedManifest) !== loadedFrom) {
      const other = await readManifest(seedManifest).catch(() => null);
      if (other && !sameData(other, stored.manifest))
        note = `${seedManifest} (SEED_DIR) is another data set than the one loaded into the warehouse: reconciling against the manifest stored at load (${loadedText}); pass --manifest ${seedManifest} to reconcile against that file instead`;
    } else if (existsSync(seedManifest)) {
      const same = await readManifest(seedManifest).catch(() => null);
      if (same && !sameData(same, stored.manifest))
        note = `${seedManifest} has changed since it was loaded into the warehouse (${stored.loadedAt}): reconciling against the manifest stored at load; run \`npx dropship setup\` to load the folder again, or pass --manifest ${seedManifest}`;
    }
    return {
      manifest: stored.manifest,
      path: loadedFrom,
      lookedAt: loadedFrom,
      source: 'warehouse',
      note,
    };
  }
  if (!existsSync(seedManifest))
    return { manifest: null, path: null, lookedAt: seedManifest, source: null, note: null };
  return {
    manifest: await readManifestFile(seedManifest),
    path: seedManifest,
    lookedAt: seedManifest,
    source: 'file',
    note: `the warehouse stores no manifest of the data loaded into it (loaded before this version): reconciling against ${seedManifest}; \`npx dropship setup\` stores it`,
  };
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
  // Read once for every check; also proves the warehouse is set up (NOT_SET_UP otherwise).
  const backlog = await warehouse.streamBacklog();
  const stored = await warehouse.loadedManifest();
  const { manifest, path, lookedAt, source, note } = await chooseManifest(
    options.config,
    options.manifestPath,
    stored,
  );
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
    manifest_source: source,
    manifest_note: note,
    warehouse: { description: warehouse.describe(), load_id: stored?.loadId ?? null },
  };
}
