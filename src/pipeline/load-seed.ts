/**
 * Loading a seed folder into the warehouse (`setup`, `run`): customers and inventory upserted
 * by id, and the folder's manifest stored with them (seed_manifest), so that validation later
 * reconciles against the data set the warehouse holds, whatever SEED_DIR holds by then.
 */
import type { Manifest } from '../domain/manifest.ts';
import type { LoadedManifest, Warehouse } from '../warehouse/types.ts';
import { readCustomers, readProducts, UncostedProducts, type BadRow } from './seed-files.ts';

export interface SeedLoad {
  customers: number;
  products: number;
  /** The manifest the warehouse now holds. */
  loaded: LoadedManifest;
  /** The one it held before, when it was another data set (it is replaced). */
  replaced: LoadedManifest | null;
  /** `""`, or a note for the load's log line on products loaded without supplier costs. */
  uncostedNote: string;
}

export async function loadSeed(
  warehouse: Warehouse,
  seedDir: string,
  manifest: Manifest,
  onBadRow: (bad: BadRow) => void,
): Promise<SeedLoad> {
  const uncosted = new UncostedProducts();
  const counts = await warehouse.loadReferenceData(
    readCustomers(seedDir, onBadRow),
    uncosted.through(readProducts(seedDir, onBadRow)),
  );
  const { loaded, previous } = await warehouse.recordLoadedManifest(seedDir, manifest);
  return {
    ...counts,
    loaded,
    replaced: previous && previous.loadId !== loaded.loadId ? previous : null,
    uncostedNote: uncosted.note(),
  };
}

/** A line for the log when a load replaced another data set's manifest; null otherwise. */
export function describeReplacedSeed(load: SeedLoad): string | null {
  const { replaced, loaded } = load;
  if (!replaced) return null;
  return `the warehouse held the data set of ${replaced.seedDir} (${replaced.manifest.totals.orders} orders, loaded ${replaced.loadedAt}); validation now reconciles against ${loaded.seedDir}'s manifest (${loaded.manifest.totals.orders} orders)`;
}
