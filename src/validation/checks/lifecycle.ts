/**
 * lifecycle: the order lifecycle in PROD (domain/lifecycle.ts). No order may be in an
 * impossible state (cancelled and also shipped, delivered or returned) nor carry a status its
 * step columns do not give; and the replayed orders per final status, and the revenue of the
 * returned and cancelled ones, must equal the manifest's. Live `ORD-L` orders are left out, as
 * in reconciliation (the manifest never knew them).
 */
import { ORDER_STATUSES } from '../../domain/lifecycle.ts';
import { cents, count, formatCount, money, plural } from '../../domain/values.ts';
import { LIVE_ORDER_PATTERN } from './reconciliation.ts';
import { result, type Check } from './types.ts';

const NAME = 'lifecycle';

export const lifecycle: Check = {
  name: NAME,
  description:
    'PROD: no impossible order status; manifest ⇄ PROD: orders per final status and returned/cancelled revenue',
  async run({ warehouse, manifest, manifestPath, backlog }) {
    const row = await warehouse.reads.lifecycleCounts(LIVE_ORDER_PATTERN);
    const statuses = Object.fromEntries(
      ORDER_STATUSES.map((s) => [s, count(row[`status_${s}`])]),
    ) as Record<(typeof ORDER_STATUSES)[number], number>;
    const observed = {
      prod_replayed_orders: count(row.orders),
      prod_status: statuses,
      prod_impossible: count(row.impossible),
      prod_status_mismatch: count(row.status_mismatch),
      prod_returned_revenue: money(cents(row.returned_revenue)),
      prod_cancelled_revenue: money(cents(row.cancelled_revenue)),
      backlog_rows: backlog,
    };
    if (observed.prod_impossible > 0 || observed.prod_status_mismatch > 0)
      return result(
        NAME,
        'FAIL',
        `PROD holds ${plural(observed.prod_impossible, 'order')} both cancelled and shipped, delivered or returned, and ${plural(observed.prod_status_mismatch, 'order')} whose status is not the furthest step of its timestamps; the task should have quarantined those events (see orders_quarantine, reason impossible_transition)`,
        observed,
      );
    const shown = ORDER_STATUSES.map((s) => `${s} ${formatCount(statuses[s])}`).join(', ');
    const expected = manifest?.totals.lifecycle;
    if (!manifest || !expected)
      return result(
        NAME,
        'WARN',
        `${!manifest ? `no manifest${manifestPath ? ` at ${manifestPath}` : ''}` : 'the manifest has no lifecycle totals (written before the lifecycle)'}: PROD statuses ${shown} not reconciled; regenerate the data with \`dropship generate\` or pass --manifest`,
        { manifest_status: null, ...observed },
      );
    const want = Object.fromEntries(
      ORDER_STATUSES.map((s) => [s, expected.final_status[s] ?? 0]),
    ) as Record<(typeof ORDER_STATUSES)[number], number>;
    const m = {
      manifest_status: want,
      manifest_returned_revenue: expected.returned_revenue,
      manifest_cancelled_revenue: expected.cancelled_revenue,
      ...observed,
    };
    const differences = ORDER_STATUSES.filter((s) => statuses[s] !== want[s]).map(
      (s) => `${s} ${formatCount(statuses[s])} ≠ ${formatCount(want[s])}`,
    );
    if (cents(row.returned_revenue) !== BigInt(expected.returned_revenue_cents))
      differences.push(
        `returned revenue ${observed.prod_returned_revenue} ≠ ${money(BigInt(expected.returned_revenue_cents))}`,
      );
    if (cents(row.cancelled_revenue) !== BigInt(expected.cancelled_revenue_cents))
      differences.push(
        `cancelled revenue ${observed.prod_cancelled_revenue} ≠ ${money(BigInt(expected.cancelled_revenue_cents))}`,
      );
    if (differences.length === 0)
      return result(
        NAME,
        'PASS',
        `no impossible status; PROD and the manifest agree on every final status (${shown}) and on the returned (${expected.returned_revenue}) and cancelled (${expected.cancelled_revenue}) revenue`,
        m,
      );
    if (backlog > 0)
      return result(
        NAME,
        'WARN',
        `${differences.join('; ')}: the task has ${plural(backlog, 'RAW row')} to merge; validate again after its next run`,
        m,
      );
    return result(
      NAME,
      'FAIL',
      `${differences.join('; ')}; events were lost or quarantined on the way (see orders_quarantine and the dead_letters check), or the seed's order_events.csv was not replayed`,
      m,
    );
  },
};
