/**
 * stock: PROD inventory's stock against the manifest's totals.stock (the rule: domain/stock.ts).
 * The manifest never knew the live `ORD-L` orders, so the units they reserve are added back
 * before comparing: Σ units = final_units, and the digest of (product, units) = final_sha256,
 * which reconciles every product without the per-product file. When the digests differ and the
 * seed's stock.csv is at hand, the first products that differ are named.
 */
import { stockDigest } from '../../domain/stock.ts';
import { count, formatCount, plural } from '../../domain/values.ts';
import { readFinalStock } from '../../pipeline/seed-files.ts';
import { LIVE_ORDER_PATTERN } from './reconciliation.ts';
import { result, type Check } from './types.ts';

const NAME = 'stock';
/** Products named in a digest mismatch. */
const NAMED = 5;

export const stock: Check = {
  name: NAME,
  description:
    'manifest ⇄ PROD: no product below zero stock; stock units and per-product digest (live ORD-L orders added back)',
  async run({ warehouse, config, manifest, manifestPath, backlog }) {
    const rows = await warehouse.reads.stockByProduct(LIVE_ORDER_PATTERN);
    const products = rows.map((r) => ({
      id: String(r.product_id),
      stock: count(r.stock_quantity),
      // What the product would hold without the live orders, which the manifest never knew.
      replayed: count(r.stock_quantity) + count(r.live_reserved),
    }));
    const negative = products.filter((p) => p.stock < 0);
    const units = products.reduce((sum, p) => sum + p.replayed, 0);
    const digest = stockDigest(products.map((p) => [p.id, p.replayed] as const));
    const orders = count(
      (await warehouse.reads.reconciliationCounts(LIVE_ORDER_PATTERN)).prod_replayed_orders,
    );
    const observed = {
      prod_products: products.length,
      prod_units: units,
      prod_live_reserved_units: products.reduce((sum, p) => sum + p.replayed - p.stock, 0),
      prod_negative_products: negative.length,
      prod_sha256: digest,
      prod_replayed_orders: orders,
      backlog_rows: backlog,
    };
    // Orders still on their way explain a difference; validate again after the task's next run.
    const behind =
      manifest && backlog > 0 && orders < manifest.totals.orders
        ? `PROD holds ${formatCount(orders)} of the manifest's ${formatCount(manifest.totals.orders)} orders and the task has ${plural(backlog, 'RAW row')} to merge; validate again after its next run`
        : null;

    const problems: string[] = [];
    if (negative.length > 0)
      problems.push(
        `${plural(negative.length, 'product')} below zero stock (${negative
          .slice(0, NAMED)
          .map((p) => `${p.id}: ${p.stock}`)
          .join(
            ', ',
          )}; an order refused for want of stock is cancelled by the next event on its partition: if the consumer stopped with records left on the bus, consume them and validate again)`,
      );
    // Nothing to reconcile against: a stock below zero still fails; otherwise say why it is a WARN.
    const unreconciled = (why: string) =>
      problems.length
        ? result(NAME, behind ? 'WARN' : 'FAIL', problems.join('; '), observed)
        : result(NAME, 'WARN', why, { manifest_final_units: null, ...observed });
    if (!manifest)
      return unreconciled(
        `no manifest${manifestPath ? ` at ${manifestPath}` : ''}: nothing to reconcile the stock against (PROD: ${formatCount(units)} units over ${plural(products.length, 'product')}); run \`dropship generate\` or pass --manifest`,
      );
    const expected = manifest.totals.stock;
    if (!expected)
      return unreconciled(
        `stock not reconciled: the manifest has no stock totals (it was written before the stock followed the orders; PROD: ${formatCount(units)} units over ${plural(products.length, 'product')}, none below zero); regenerate the data with \`dropship generate\` to reconcile it`,
      );
    const m = {
      manifest_final_units: expected.final_units,
      manifest_sha256: expected.final_sha256,
      ...observed,
      units_difference: units - expected.final_units,
    };
    if (units !== expected.final_units)
      problems.push(
        `${formatCount(units)} units in stock (live orders added back) ≠ the manifest's ${formatCount(expected.final_units)} (difference ${m.units_difference})`,
      );
    if (digest !== expected.final_sha256) {
      const file = await readFinalStock(config.seedDir);
      const differing = file ? products.filter((p) => file.get(p.id) !== p.replayed) : [];
      problems.push(
        `the per-product stock differs from the manifest's (final_sha256)${
          file
            ? `: ${plural(differing.length, 'product')}, ${differing
                .slice(0, NAMED)
                .map((p) => `${p.id} ${p.replayed} ≠ ${file.get(p.id) ?? 'absent'}`)
                .join(', ')}`
            : ` (no stock.csv in ${config.seedDir} to name the products)`
        }`,
      );
    }
    if (problems.length === 0)
      return result(
        NAME,
        'PASS',
        `manifest and PROD agree: ${formatCount(units)} units over ${plural(products.length, 'product')}, every product's stock (final_sha256), none below zero`,
        m,
      );
    if (behind) return result(NAME, 'WARN', `${problems.join('; ')}: ${behind}`, m);
    return result(
      NAME,
      'FAIL',
      `${problems.join('; ')}; the task keeps stock_quantity = initial_stock − units of the orders not cancelled or returned (src/domain/stock.ts): check initial_stock against inventory.csv (\`dropship setup\` loads it again) and that the task ran`,
      m,
    );
  },
};
