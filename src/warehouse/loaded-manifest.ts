/**
 * The manifest of the data set a warehouse holds (table seed_manifest, domain/table-columns.ts),
 * stored when `setup` or `run` loads a seed folder. What both adapters share is here, in SQL
 * both accept: the digest that says whether two manifests describe the same data, the read of
 * the latest row, and the append. Each adapter runs the statements on its own connection
 * (DuckDB: its single writer).
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ManifestSchema, type Manifest } from '../domain/manifest.ts';
import {
  SeedManifestTable,
  columnNames,
  type SeedManifestColumn,
} from '../domain/table-columns.ts';
import { PipelineError } from '../errors.ts';
import { isoTimestamp } from '../domain/values.ts';
import type { LoadedManifest, SqlParams } from './types.ts';

/** JSON with the keys of every object sorted: the same content gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * What identifies a data set: its files (rows, bytes, sha256) and control totals. The
 * arguments are left out: the same files are the same data however they were made.
 */
export function manifestDigest(manifest: Manifest): string {
  return createHash('sha256')
    .update(canonical({ files: manifest.files, totals: manifest.totals }))
    .digest('hex');
}

/** Whether two manifests describe the same data (see manifestDigest). */
export function sameData(a: Manifest, b: Manifest): boolean {
  return manifestDigest(a) === manifestDigest(b);
}

const COLUMNS = columnNames(SeedManifestTable);

const LATEST = `SELECT ${COLUMNS.join(', ')} FROM ${SeedManifestTable.name} ORDER BY loaded_at DESC LIMIT 1`;

const INSERT = `INSERT INTO ${SeedManifestTable.name} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `$${c}`).join(', ')})`;

type Run = (sql: string, params?: SqlParams) => Promise<Record<string, unknown>[] | void>;

/**
 * The latest stored manifest, or null when none was stored (nothing loaded yet, or a warehouse
 * set up before the table existed: `isMissingTable` recognises the adapter's error for that).
 */
export async function readLoadedManifest(
  select: (sql: string) => Promise<Record<string, unknown>[]>,
  isMissingTable: (error: unknown) => boolean,
): Promise<LoadedManifest | null> {
  let rows: Record<string, unknown>[];
  try {
    rows = await select(LATEST);
  } catch (error) {
    if (isMissingTable(error)) return null;
    throw error;
  }
  const row = rows[0];
  if (!row) return null;
  let parsed: ReturnType<typeof ManifestSchema.safeParse>;
  try {
    parsed = ManifestSchema.safeParse(JSON.parse(String(row.manifest)));
  } catch {
    parsed = ManifestSchema.safeParse(null);
  }
  if (!parsed.success)
    throw new PipelineError(
      'WAREHOUSE_QUERY',
      `the manifest stored in ${SeedManifestTable.name} (load ${String(row.load_id)}) is not a dropship manifest`,
      {
        hint: 'load the seed folder again with `npx dropship setup`, or pass the manifest with --manifest',
      },
    );
  return {
    loadId: String(row.load_id),
    loadedAt: isoTimestamp(row.loaded_at) ?? '',
    seedDir: String(row.seed_dir),
    sha256: String(row.manifest_sha256),
    manifest: parsed.data,
  };
}

/**
 * Stores `manifest` as the data set loaded from `seedDir`, unless the latest stored manifest
 * already describes the same data (a restart of `run`, `setup` again): then that one stays,
 * with its load id, so reports made against it still belong to it.
 */
export async function recordLoadedManifest(
  latest: () => Promise<LoadedManifest | null>,
  run: Run,
  seedDir: string,
  manifest: Manifest,
  now: Date = new Date(),
): Promise<{ loaded: LoadedManifest; previous: LoadedManifest | null }> {
  const previous = await latest();
  const sha256 = manifestDigest(manifest);
  if (previous && previous.sha256 === sha256) return { loaded: previous, previous };
  const loaded: LoadedManifest = {
    loadId: randomUUID(),
    loadedAt: now.toISOString(),
    seedDir: resolve(seedDir),
    sha256,
    manifest,
  };
  await run(INSERT, {
    load_id: loaded.loadId,
    loaded_at: now,
    seed_dir: loaded.seedDir,
    manifest_sha256: sha256,
    manifest: JSON.stringify(manifest),
  } satisfies Record<SeedManifestColumn, SqlParams[string]>);
  return { loaded, previous };
}
