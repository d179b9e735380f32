/**
 * reconciliation: the manifest's control totals (order count, items sold, revenue to the cent)
 * against RAW and PROD. Live streaming adds orders the manifest never knew (ids `ORD-L…`), so
 * the manifest is reconciled against the replayed orders only and the live ones are reported
 * apart. Revenue is summed by the warehouse as an exact DECIMAL and compared as integer cents.
 */
import { cents, count, formatCount, money, plural } from '../../domain/values.ts';
import { result, type Check } from './types.ts';

const NAME = 'reconciliation';

/** Ids of orders produced by `produce --mode stream` (see LiveOrders): not in any manifest. */
export const LIVE_ORDER_PATTERN = 'ORD-L%';

export const reconciliation: Check = {
  name: NAME,
  description:
    'manifest ⇄ RAW ⇄ PROD: order count, items sold and revenue to the cent (live ORD-L orders reported apart)',
  async run({ warehouse, manifest, manifestPath, backlog }) {
    const row = await warehouse.reads.reconciliationCounts(LIVE_ORDER_PATTERN);
    const prodRevenue = cents(row.prod_replayed_revenue);
    const liveRevenue = cents(row.prod_live_revenue);
    const observed = {
      raw_replayed_orders: count(row.raw_replayed_orders),
      prod_replayed_orders: count(row.prod_replayed_orders),
      prod_replayed_items: count(row.prod_replayed_items),
      prod_replayed_revenue: money(prodRevenue),
      quarantined_replayed_orders: count(row.quarantined_replayed_orders),
      raw_live_orders: count(row.raw_live_orders),
      prod_live_orders: count(row.prod_live_orders),
      prod_live_revenue: money(liveRevenue),
      backlog_rows: backlog,
    };
    const live =
      observed.prod_live_orders > 0
        ? `; ${plural(observed.prod_live_orders, 'live order')} (${observed.prod_live_revenue}) reported apart`
        : '';

    if (!manifest) {
      return result(
        NAME,
        'WARN',
        `no manifest${manifestPath ? ` at ${manifestPath}` : ''}: nothing to reconcile against (PROD has ${formatCount(observed.prod_replayed_orders)} replayed orders, revenue ${observed.prod_replayed_revenue}${live}); run \`dropship generate\` or pass --manifest`,
        { manifest_orders: null, manifest_items: null, manifest_revenue: null, ...observed },
      );
    }

    const expectedRevenue = BigInt(manifest.totals.revenue_cents);
    const m = {
      manifest_orders: manifest.totals.orders,
      manifest_items: manifest.totals.items_sold,
      manifest_revenue: money(expectedRevenue),
      ...observed,
      missing_orders: Math.max(0, manifest.totals.orders - observed.prod_replayed_orders),
      revenue_difference: money(prodRevenue - expectedRevenue),
    };
    const differences: string[] = [];
    if (m.raw_replayed_orders !== m.manifest_orders)
      differences.push(`RAW has ${formatCount(m.raw_replayed_orders)} replayed orders`);
    if (m.prod_replayed_orders !== m.manifest_orders) {
      const inQuarantine =
        m.quarantined_replayed_orders > 0
          ? ` (${formatCount(m.quarantined_replayed_orders)} of them in quarantine)`
          : '';
      differences.push(
        m.prod_replayed_orders < m.manifest_orders
          ? `PROD misses ${plural(m.missing_orders, 'order')}${inQuarantine}`
          : `PROD has ${formatCount(m.prod_replayed_orders)} replayed orders`,
      );
    }
    if (m.prod_replayed_items !== m.manifest_items)
      differences.push(
        `PROD items sold ${formatCount(m.prod_replayed_items)} ≠ ${formatCount(m.manifest_items)}`,
      );
    if (prodRevenue !== expectedRevenue)
      differences.push(
        `PROD revenue ${m.prod_replayed_revenue} ≠ ${m.manifest_revenue} (difference ${m.revenue_difference})`,
      );

    const expected = `manifest: ${plural(m.manifest_orders, 'order')}, ${formatCount(m.manifest_items)} items, revenue ${m.manifest_revenue}`;
    if (differences.length === 0) {
      return result(
        NAME,
        'PASS',
        `manifest, RAW and PROD agree: ${plural(m.manifest_orders, 'order')}, ${formatCount(m.manifest_items)} items, revenue ${m.manifest_revenue}${live}`,
        m,
      );
    }
    // Orders still on their way (RAW rows the task has not merged) explain a shortfall, not a surplus.
    const onlyShort =
      m.raw_replayed_orders <= m.manifest_orders && m.prod_replayed_orders <= m.manifest_orders;
    if (backlog > 0 && onlyShort) {
      return result(
        NAME,
        'WARN',
        `${expected}; ${differences.join('; ')}: the task has ${plural(backlog, 'RAW row')} to merge (backlog), validate again after its next run${live}`,
        m,
      );
    }
    const hint =
      m.raw_replayed_orders < m.manifest_orders
        ? ' (if a replay is still running, validate again when it ends)'
        : '';
    return result(NAME, 'FAIL', `${expected}; ${differences.join('; ')}${hint}${live}`, m);
  },
};
