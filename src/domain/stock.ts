/**
 * The stock rule, one definition for the generator (its ledger decides which orders find too
 * little stock), the warehouses (the task keeps PROD inventory.stock_quantity following the
 * orders) and validation (reconciled against the manifest's totals.stock):
 *
 * - An order reserves its quantity of its product's stock from its creation until it is
 *   cancelled or returned (a cancellation releases it, a return puts it back).
 * - An order that finds less stock than its quantity reserves nothing: it is cancelled as out
 *   of stock (reason `out_of_stock`) at checkout, a second after its creation (in the live
 *   stream, in the same batch), even at the very end of a generated period.
 * - So at any moment: stock = initial stock − Σ quantity of the product's orders whose status
 *   is not one of RELEASED_STATUSES. It never goes below zero in the generator; in PROD it can
 *   only do so for a moment, while such a cancellation, or a late one, is still on its way.
 */
import { createHash } from 'node:crypto';
import type { OrderStatus } from './lifecycle.ts';

/** The statuses whose orders hold no stock: cancelled (released) and returned (put back). */
export const RELEASED_STATUSES = [
  'cancelled',
  'returned',
] as const satisfies readonly OrderStatus[];

/** The cancellation reason of an order that found too little stock. */
export const OUT_OF_STOCK_REASON = 'out_of_stock';

/**
 * The manifest's `final_sha256`: SHA-256 of `<product_id>,<stock>\n` for every product, sorted
 * by id (byte order). The same digest from a warehouse's PROD inventory reconciles the stock of
 * every product against the manifest without the per-product file.
 */
export function stockDigest(stock: Iterable<readonly [productId: string, units: number]>): string {
  const rows = [...stock].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [id, units] of rows) hash.update(`${id},${units}\n`);
  return hash.digest('hex');
}
