/**
 * margin: the manifest's cost totals (supplier cost, shipping cost, gross margin, and the net
 * margin after cancellations and returns, to the cent) against PROD's replayed orders at the
 * inventory's per-unit costs and their status. A wrong cost in PROD
 * inventory, a product loaded without costs, or an order merged with another quantity or price
 * all show here as a difference in cents. Live `ORD-L` orders are left out, as in
 * reconciliation (the manifest never knew them).
 */
import { grossMarginCents, marginRate, netMarginOf } from '../../domain/margin.ts';
import { cents, count, formatCount, money, plural } from '../../domain/values.ts';
import { LIVE_ORDER_PATTERN } from './reconciliation.ts';
import { result, type Check } from './types.ts';

const NAME = 'margin';

function percent(rate: number | null): string | null {
  return rate === null ? null : `${(rate * 100).toFixed(1)} %`;
}

export const margin: Check = {
  name: NAME,
  description:
    'manifest ⇄ PROD: supplier cost, shipping cost, gross margin and net margin (after cancellations and returns) of the replayed orders to the cent, at the inventory costs',
  async run({ warehouse, manifest, manifestPath, backlog }) {
    const row = await warehouse.reads.marginTotals(LIVE_ORDER_PATTERN);
    const revenue = cents(row.costed_revenue);
    const supplierCost = cents(row.supplier_cost);
    const shippingCost = cents(row.shipping_cost);
    const grossMargin = grossMarginCents(revenue, supplierCost, shippingCost);
    const net = netMarginOf(row);
    const netMargin = net.netMarginCents;
    const observed = {
      prod_replayed_orders: count(row.orders),
      prod_orders_without_cost: count(row.orders_without_cost),
      prod_costed_revenue: money(revenue),
      prod_supplier_cost: money(supplierCost),
      prod_shipping_cost: money(shippingCost),
      prod_gross_margin: money(grossMargin),
      prod_margin_rate: percent(marginRate(grossMargin, revenue)),
      prod_returned_shipping_cost: money(cents(row.returned_shipping_cost)),
      prod_net_margin: money(netMargin),
      prod_net_margin_rate: percent(net.rate),
      backlog_rows: backlog,
    };
    const unknown =
      observed.prod_orders_without_cost > 0
        ? `${plural(observed.prod_orders_without_cost, 'order')} of a product without known costs`
        : null;

    if (!manifest)
      return result(
        NAME,
        'WARN',
        `no manifest${manifestPath ? ` at ${manifestPath}` : ''}: nothing to reconcile the margin against (PROD: gross margin ${observed.prod_gross_margin}${unknown ? `, ${unknown} not counted` : ''}); run \`dropship generate\` or pass --manifest`,
        { manifest_supplier_cost: null, ...observed },
      );
    const expected = manifest.totals.margin;
    if (!expected)
      return result(
        NAME,
        'WARN',
        `margin not computed: the manifest has no cost totals (${expected === null ? 'some of its products have no supplier cost in inventory.csv' : 'it was written before supplier costs existed'}); regenerate the data with \`dropship generate\` to reconcile costs and margin`,
        { manifest_supplier_cost: null, ...observed },
      );

    const want = {
      supplier: BigInt(expected.supplier_cost_cents),
      shipping: BigInt(expected.shipping_cost_cents),
      margin: BigInt(expected.gross_margin_cents),
      net: expected.net_margin_cents === undefined ? null : BigInt(expected.net_margin_cents),
    };
    const m = {
      manifest_supplier_cost: money(want.supplier),
      manifest_shipping_cost: money(want.shipping),
      manifest_gross_margin: money(want.margin),
      ...observed,
      supplier_cost_difference: money(supplierCost - want.supplier),
      shipping_cost_difference: money(shippingCost - want.shipping),
      gross_margin_difference: money(grossMargin - want.margin),
      manifest_net_margin: want.net === null ? null : money(want.net),
      net_margin_difference: want.net === null ? null : money(netMargin - want.net),
    };
    const differences: string[] = [];
    if (unknown)
      differences.push(`PROD has ${unknown} (inventory loaded from a file without costs?)`);
    if (supplierCost !== want.supplier)
      differences.push(
        `supplier cost ${m.prod_supplier_cost} ≠ ${m.manifest_supplier_cost} (difference ${m.supplier_cost_difference})`,
      );
    if (shippingCost !== want.shipping)
      differences.push(
        `shipping cost ${m.prod_shipping_cost} ≠ ${m.manifest_shipping_cost} (difference ${m.shipping_cost_difference})`,
      );
    if (grossMargin !== want.margin)
      differences.push(
        `gross margin ${m.prod_gross_margin} ≠ ${m.manifest_gross_margin} (difference ${m.gross_margin_difference})`,
      );
    // Only the net margin differs: the steps (cancellations, returns) decide it, not the costs.
    const grossDiffers = differences.length > 0;
    if (want.net !== null && netMargin !== want.net)
      differences.push(
        `net margin ${m.prod_net_margin} ≠ ${m.manifest_net_margin} (difference ${m.net_margin_difference}): the orders' statuses differ from the manifest's (see the lifecycle check)`,
      );
    const rate = percent(marginRate(want.margin, BigInt(manifest.totals.revenue_cents)));
    if (differences.length === 0)
      return result(
        NAME,
        'PASS',
        `manifest and PROD agree: supplier cost ${m.manifest_supplier_cost}, shipping ${m.manifest_shipping_cost}, gross margin ${m.manifest_gross_margin} (${rate} of revenue)${want.net === null ? ' (the manifest has no net margin)' : `, net margin ${m.manifest_net_margin} after cancellations and returns`} over ${plural(observed.prod_replayed_orders, 'order')}`,
        m,
      );
    // Orders or steps still on their way explain a shortfall; validate again after the task's next run.
    if (backlog > 0 && (observed.prod_replayed_orders < manifest.totals.orders || !grossDiffers))
      return result(
        NAME,
        'WARN',
        `${differences.join('; ')}: PROD holds ${formatCount(observed.prod_replayed_orders)} of the manifest's ${formatCount(manifest.totals.orders)} orders and the task has ${plural(backlog, 'RAW row')} to merge; validate again after its next run`,
        m,
      );
    return result(
      NAME,
      'FAIL',
      grossDiffers
        ? `${differences.join('; ')}; check inventory's supplier_cost and shipping_cost against inventory.csv (\`dropship setup\` loads it again)`
        : `${differences.join('; ')}; the task applies the lifecycle steps (src/warehouse/lifecycle-sql.ts): check that every order_events.csv step was replayed and merged`,
      m,
    );
  },
};
