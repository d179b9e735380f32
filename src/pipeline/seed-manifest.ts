/**
 * A seed folder's manifest when the CSVs are the user's own: `run` and `setup` never write
 * over existing CSVs. When customers.csv, inventory.csv and orders.csv are there without
 * manifest.json, the manifest is built from the files (row counts, control totals, hashes),
 * so the pipeline can be reconciled against what the files hold; when only some are there,
 * nothing is written and the error names what is missing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { centsToDecimal } from '../domain/entities.ts';
import type { Manifest } from '../domain/manifest.ts';
import { marginTotals } from '../domain/margin.ts';
import { SeedFiles } from '../domain/tables.ts';
import { PipelineError } from '../errors.ts';
import { readCustomers, readOrders, readProducts, type BadRow } from './seed-files.ts';

const CSV_FILES = [SeedFiles.customers, SeedFiles.inventory, SeedFiles.orders] as const;

/** What a seed folder holds: a manifest, CSVs without one, some CSVs only, or nothing. */
export type SeedState =
  | { kind: 'manifest' }
  | { kind: 'csv-only' }
  | { kind: 'partial'; present: string[]; missing: string[] }
  | { kind: 'empty' };

export function seedState(dir: string): SeedState {
  if (existsSync(join(dir, SeedFiles.manifest))) return { kind: 'manifest' };
  const present = CSV_FILES.filter((f) => existsSync(join(dir, f)));
  if (present.length === CSV_FILES.length) return { kind: 'csv-only' };
  if (present.length === 0) return { kind: 'empty' };
  return { kind: 'partial', present, missing: CSV_FILES.filter((f) => !present.includes(f)) };
}

/** The error for a folder with some CSVs only: nothing is generated over them. */
export function partialSeedError(
  dir: string,
  state: Extract<SeedState, { kind: 'partial' }>,
): PipelineError {
  return new PipelineError(
    'BAD_INPUT',
    `${dir} holds ${state.present.join(', ')} but not ${state.missing.join(', ')}; nothing was generated so as not to write over your files`,
    {
      hint: `add ${state.missing.join(' and ')} to ${dir} (their columns are listed in the README), or point SEED_DIR (--seed-dir) at another folder to generate fresh data there`,
    },
  );
}

async function fileFacts(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { bytes: (await stat(path)).size, sha256: hash.digest('hex') };
}

/**
 * Reads the three CSVs once and writes `<dir>/manifest.json` describing them. Bad rows are
 * reported to `onBadRow` and left out of the counts and totals, as the pipeline leaves them
 * out. The arguments record the counts; `seed` is 0 and the period is the orders' own days.
 * The user's files have no lifecycle steps: such a manifest claims no lifecycle totals and no
 * net margin (only the gross one, which needs no status).
 */
export async function buildManifestFromFiles(
  dir: string,
  onBadRow: (bad: BadRow) => void,
): Promise<Manifest> {
  let customers = 0;
  for await (const _ of readCustomers(dir, onBadRow)) customers++;
  let products = 0;
  // Per-unit costs by product id; null when inventory.csv gives none for the product.
  const unitCosts = new Map<string, { supplier: number; shipping: number } | null>();
  for await (const p of readProducts(dir, onBadRow)) {
    products++;
    unitCosts.set(
      p.id,
      p.supply
        ? { supplier: p.supply.supplier_cost_cents, shipping: p.supply.shipping_cost_cents }
        : null,
    );
  }
  let supplierCents = 0;
  let shippingCents = 0;
  // An order of a product without known costs (or not in inventory.csv) has no margin: the
  // manifest then claims none.
  let costed = true;
  let orders = 0;
  let itemsSold = 0;
  let revenueCents = 0;
  let first: string | null = null;
  let last: string | null = null;
  for await (const r of readOrders(dir)) {
    if (!r.ok) {
      onBadRow(r);
      continue;
    }
    orders++;
    itemsSold += r.row.quantity;
    revenueCents += r.row.quantity * r.row.unit_price_cents;
    const costs = unitCosts.get(r.row.product_id);
    if (costs) {
      supplierCents += r.row.quantity * costs.supplier;
      shippingCents += r.row.quantity * costs.shipping;
    } else costed = false;
    if (first === null || r.row.sold_at < first) first = r.row.sold_at;
    if (last === null || r.row.sold_at > last) last = r.row.sold_at;
  }
  const rows = { customers, products, orders };
  const files: Manifest['files'] = {};
  for (const [file, count] of [
    [SeedFiles.customers, customers],
    [SeedFiles.inventory, products],
    [SeedFiles.orders, orders],
  ] as const)
    files[file] = { rows: count, ...(await fileFacts(join(dir, file))) };
  const manifest: Manifest = {
    generator: 'dropship-pipeline',
    format_version: 1,
    arguments: {
      ...rows,
      seed: 0,
      start: first?.slice(0, 10) ?? '',
      end: last?.slice(0, 10) ?? '',
    },
    files,
    totals: {
      ...rows,
      items_sold: itemsSold,
      revenue: centsToDecimal(revenueCents),
      revenue_cents: revenueCents,
      first_sold_at: first,
      last_sold_at: last,
      margin: costed ? marginTotals(revenueCents, supplierCents, shippingCents) : null,
    },
  };
  const path = join(dir, SeedFiles.manifest);
  try {
    await writeFile(`${path}.partial`, JSON.stringify(manifest, null, 2) + '\n');
    await rename(`${path}.partial`, path);
  } catch (cause) {
    throw new PipelineError(
      'IO',
      `cannot write ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      {
        hint: `make ${dir} writable (the CSVs are only read), or copy them to a writable SEED_DIR`,
        cause,
      },
    );
  }
  return manifest;
}
