/**
 * raw_vs_prod_counts: every distinct order in RAW ends up in PROD, except the ones the task
 * quarantined for an unknown customer or product.
 *
 * Each RAW order id with an event the task has consumed (no longer in the stream) must be in
 * PROD or in the task's quarantine; one that is in neither was lost. Ids whose events all
 * still wait in the stream are the backlog: the next run merges them, so they make a WARN,
 * not a FAIL.
 */
import { count, formatCount, plural } from '../../domain/values.ts';
import { result, type Check } from './types.ts';

const NAME = 'raw_vs_prod_counts';

export const rawVsProdCounts: Check = {
  name: NAME,
  description:
    'distinct valid order ids in RAW (minus those quarantined by the task) equal the PROD orders once the task has caught up',
  async run({ warehouse }) {
    const row = await warehouse.reads.rawVsProdCounts();
    const m = {
      raw_order_ids: count(row.raw_order_ids),
      quarantined_order_ids: count(row.quarantined_order_ids),
      expected_prod_orders: 0,
      prod_orders: count(row.prod_orders),
      missing_from_prod: count(row.missing_from_prod),
      waiting_in_backlog: count(row.waiting_in_backlog),
      prod_without_raw: count(row.prod_without_raw),
      backlog_rows: count(row.backlog_rows),
    };
    m.expected_prod_orders = m.raw_order_ids - m.quarantined_order_ids;
    const countsMatch = m.prod_orders === m.expected_prod_orders;
    const tally = `RAW has ${plural(m.raw_order_ids, 'distinct order')} (${formatCount(m.quarantined_order_ids)} quarantined by the task), PROD has ${formatCount(m.prod_orders)}`;

    const problems: string[] = [];
    if (m.missing_from_prod > 0)
      problems.push(
        `${plural(m.missing_from_prod, 'order')} already consumed by the task ${m.missing_from_prod === 1 ? 'is' : 'are'} neither in PROD nor in quarantine (lost)`,
      );
    if (m.prod_without_raw > 0)
      problems.push(
        `${plural(m.prod_without_raw, 'PROD order')} ${m.prod_without_raw === 1 ? 'has' : 'have'} no event in RAW`,
      );
    // PROD ids are a subset of RAW ids, so more PROD rows than expected means an id is stored twice.
    if (m.prod_orders > m.expected_prod_orders)
      problems.push(
        `${formatCount(m.prod_orders - m.expected_prod_orders)} more PROD rows than RAW orders (duplicate PROD ids, see duplicates)`,
      );
    if (problems.length > 0 || (!countsMatch && m.backlog_rows === 0)) {
      if (problems.length === 0)
        problems.push(`expected ${formatCount(m.expected_prod_orders)} PROD orders`);
      return result(NAME, 'FAIL', `${tally}: ${problems.join('; ')}`, m);
    }
    if (m.backlog_rows > 0) {
      return result(
        NAME,
        'WARN',
        `${tally}: the task has not caught up, ${plural(m.backlog_rows, 'RAW row')} (${plural(m.waiting_in_backlog, 'new order')}) wait for its next run (backlog)`,
        m,
      );
    }
    return result(
      NAME,
      'PASS',
      `${tally}: every RAW order is in PROD or accounted for in quarantine`,
      m,
    );
  },
};
