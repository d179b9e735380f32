/**
 * messy_data: a seed generated with the messy-data knobs (generate --late-ratio
 * --duplicate-ratio --bad-ratio) says in its manifest exactly what the pipeline must hold
 * (totals.messy_data.expected); this check compares, for the replayed orders (live `ORD-L`
 * ones apart):
 *
 * - late: RAW holds exactly the manifest's late steps (the bus delivered them late), and PROD
 *   applied every step anyway (orders that reached each step = the manifest's events per type);
 * - duplicates: RAW holds exactly the manifest's duplicated events beyond their first copy;
 * - bad: the dead letters are exactly the manifest's bad records, reason by reason;
 * - RAW rows and PROD orders equal the expected ones.
 *
 * Fewer than expected is a FAIL (lost; a WARN while the task has a backlog); more RAW rows or
 * duplicates only (the seed replayed again: RAW keeps every record as received) is a WARN.
 */
import { LIFECYCLE_EVENT_TYPES } from '../../domain/lifecycle.ts';
import type { Manifest } from '../../domain/manifest.ts';
import { count, formatCount, plural } from '../../domain/values.ts';
import { LIVE_ORDER_PATTERN } from './reconciliation.ts';
import { result, type Check } from './types.ts';

const NAME = 'messy_data';

const REACHED = {
  order_paid: 'reached_paid',
  order_shipped: 'reached_shipped',
  order_delivered: 'reached_delivered',
  order_cancelled: 'reached_cancelled',
  order_returned: 'reached_returned',
} as const;

/** The dead letters a manifest expects, by reason ({} for a clean seed). */
export function expectedDeadLetters(manifest: Manifest | null): Record<string, number> {
  return manifest?.totals.messy_data?.expected.dead_letters_by_reason ?? {};
}

/** The RAW rows beyond the first of their event id a manifest expects (0 for a clean seed). */
export function expectedDuplicates(manifest: Manifest | null): number {
  return manifest?.totals.messy_data?.expected.duplicates_absorbed ?? 0;
}

/** Whether quarantine counts by reason are exactly the manifest's bad records. */
export function sameReasons(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

export const messyData: Check = {
  name: NAME,
  description:
    'manifest ⇄ RAW ⇄ PROD ⇄ quarantine: late and duplicated events absorbed and bad records dead-lettered exactly as the manifest says (seeds generated with the knobs)',
  async run({ warehouse, manifest, backlog }) {
    const messy = manifest?.totals.messy_data;
    if (!manifest || !messy)
      return result(
        NAME,
        'PASS',
        'the manifest injects no late, duplicated or bad events (a clean seed): nothing to reconcile',
        { manifest_messy_data: null },
      );
    const e = messy.expected;
    const raw = await warehouse.reads.messyDataCounts(LIVE_ORDER_PATTERN);
    const life = await warehouse.reads.lifecycleCounts(LIVE_ORDER_PATTERN);
    const reasons = Object.fromEntries(
      (await warehouse.reads.deadLettersByReason(1000)).map((r) => [String(r.reason), count(r.n)]),
    );
    const events = manifest.totals.lifecycle?.events ?? {};
    const reached = Object.fromEntries(
      LIFECYCLE_EVENT_TYPES.map((t) => [t, count(life[REACHED[t]])]),
    );
    const m = {
      expected: e,
      raw_rows: count(raw.raw_rows),
      raw_duplicates: count(raw.raw_redundant_rows),
      raw_late_steps: count(raw.raw_late_steps),
      prod_orders: count(life.orders),
      prod_reached: reached,
      dead_letters_by_reason: reasons,
      backlog_rows: backlog,
    };
    const short: string[] = [];
    const extra: string[] = [];
    const compare = (what: string, seen: number, want: number) => {
      if (seen < want) short.push(`${what} ${formatCount(seen)} < ${formatCount(want)}`);
      if (seen > want) extra.push(`${what} ${formatCount(seen)} > ${formatCount(want)}`);
    };
    compare('RAW rows', m.raw_rows, e.raw_rows);
    compare('RAW duplicates', m.raw_duplicates, e.duplicates_absorbed);
    // Late and applied steps, dead letters and PROD orders do not grow with a second replay.
    const exact = (what: string, seen: number, want: number) => {
      if (seen !== want) short.push(`${what} ${formatCount(seen)} ≠ ${formatCount(want)}`);
    };
    exact('late steps in RAW', m.raw_late_steps, e.late_events);
    exact('PROD orders', m.prod_orders, e.prod_orders);
    for (const t of LIFECYCLE_EVENT_TYPES)
      exact(`PROD orders ${t.replace('order_', '')}`, reached[t] ?? 0, events[t] ?? 0);
    if (!sameReasons(reasons, e.dead_letters_by_reason))
      short.push(
        `dead letters ${JSON.stringify(reasons)} ≠ the manifest's bad records ${JSON.stringify(e.dead_letters_by_reason)}`,
      );
    const told = `${plural(e.late_events, 'late step')}, ${plural(e.duplicates_absorbed, 'duplicated event')}, ${plural(e.dead_letters, 'bad record')}`;
    if (short.length > 0)
      return result(
        NAME,
        backlog > 0 ? 'WARN' : 'FAIL',
        backlog > 0
          ? `${short.join('; ')}: the task has ${plural(backlog, 'RAW row')} to merge; validate again after its next run`
          : `the manifest injects ${told}, but ${short.join('; ')}: events were lost, applied wrongly or not replayed (see orders_quarantine)`,
        m,
      );
    if (extra.length > 0)
      return result(
        NAME,
        'WARN',
        `${extra.join('; ')}: RAW holds more records than one replay of the seed publishes (replayed again? RAW keeps every record as received); PROD and the dead letters are as the manifest says`,
        m,
      );
    return result(
      NAME,
      'PASS',
      `as the manifest says: ${told}; RAW holds ${formatCount(m.raw_rows)} rows, PROD ${formatCount(m.prod_orders)} orders with every step applied, dead letters by reason equal`,
      m,
    );
  },
};
