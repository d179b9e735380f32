/**
 * A manifest for seed files that were not generated here: a folder with customers.csv,
 * inventory.csv and orders.csv but no manifest.json (a user's own data). The control totals
 * are computed from the files as the pipeline will read them (bad rows left out, an order id
 * given twice counted once, its last row winning as in PROD), so validation can reconcile.
 * Nothing is ever generated over such files.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { centsToDecimal } from '../domain/entities.ts';
import type { Manifest } from '../domain/manifest.ts';
import { SeedFiles } from '../domain/tables.ts';
import { PipelineError } from '../errors.ts';
import { readCustomers, readOrders, readProducts, type BadRow } from './seed-files.ts';

const CSV_FILES = [SeedFiles.customers, SeedFiles.inventory, SeedFiles.orders] as const;

export type SeedState =
  /** manifest.json is there: the folder is complete. */
  | { kind: 'complete' }
  /** Nothing there: generating is safe. */
  | { kind: 'empty' }
  /** All three CSVs, no manifest: build one from them. */
  | { kind: 'csv-only' }
  /** Some CSVs only: neither generate over them nor use them. */
  | { kind: 'partial'; present: string[]; missing: string[] };

export function seedState(dir: string): SeedState {
  if (existsSync(join(dir, SeedFiles.manifest))) return { kind: 'complete' };
  const present = CSV_FILES.filter((f) => existsSync(join(dir, f)));
  if (present.length === 0) return { kind: 'empty' };
  if (present.length === CSV_FILES.length) return { kind: 'csv-only' };
  return {
    kind: 'partial',
    present,
    missing: CSV_FILES.filter((f) => !present.includes(f)),
  };
}

/** The error for a folder that has some seed CSVs but not all: never written over. */
export function partialSeedError(dir: string, state: Extract<SeedState, { kind: 'partial' }>) {
  return new PipelineError(
    'BAD_INPUT',
    `${dir} has ${state.present.join(', ')} but not ${state.missing.join(', ')}: these files are kept as they are, nothing is generated over them`,
    {
      hint: `add ${state.missing.join(' and ')} (columns as in the README's Data section), or point SEED_DIR (--seed-dir) at another folder to generate a new data set there`,
    },
  );
}

async function fileFacts(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { bytes: (await stat(path)).size, sha256: hash.digest('hex') };
}

/** Reads the three CSVs and writes `<dir>/manifest.json` from them (atomically). */
export async function writeManifestFromFiles(
  dir: string,
  onBadRow: (bad: BadRow) => void = () => undefined,
): Promise<Manifest> {
  let customers = 0;
  for await (const _ of readCustomers(dir, onBadRow)) customers++;
  let products = 0;
  for await (const _ of readProducts(dir, onBadRow)) products++;
  // Last row of an id wins, as the task's dedupe keeps the latest event of an order.
  const orders = new Map<string, { quantity: number; cents: number; soldAt: string }>();
  let orderRows = 0;
  for await (const r of readOrders(dir)) {
    if (!r.ok) {
      onBadRow(r);
      continue;
    }
    orderRows++;
    orders.set(r.row.id, {
      quantity: r.row.quantity,
      cents: r.row.quantity * r.row.unit_price_cents,
      soldAt: r.row.sold_at,
    });
  }
  let items = 0;
  let revenueCents = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const o of orders.values()) {
    items += o.quantity;
    revenueCents += o.cents;
    if (first === null || o.soldAt < first) first = o.soldAt;
    if (last === null || o.soldAt > last) last = o.soldAt;
  }
  const rows: Record<string, number> = {
    [SeedFiles.customers]: customers,
    [SeedFiles.inventory]: products,
    [SeedFiles.orders]: orderRows,
  };
  const files: Manifest['files'] = {};
  for (const f of CSV_FILES) files[f] = { rows: rows[f]!, ...(await fileFacts(join(dir, f))) };
  const manifest: Manifest = {
    generator: 'dropship-pipeline',
    format_version: 1,
    arguments: {
      customers,
      products,
      orders: orders.size,
      // Not generated: no seed; the period is the one the orders span.
      seed: 0,
      start: (first ?? '').slice(0, 10),
      end: (last ?? '').slice(0, 10),
    },
    built_from_files: true,
    files,
    totals: {
      customers,
      products,
      orders: orders.size,
      items_sold: items,
      revenue: centsToDecimal(revenueCents),
      revenue_cents: revenueCents,
      first_sold_at: first,
      last_sold_at: last,
    },
  };
  const path = join(dir, SeedFiles.manifest);
  await writeFile(`${path}.partial`, JSON.stringify(manifest, null, 2) + '\n');
  await rename(`${path}.partial`, path);
  return manifest;
}
