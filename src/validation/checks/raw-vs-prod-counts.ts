/**
 * raw_vs_prod_counts: every distinct order in RAW ends up in PROD, except the ones the task
 * quarantined for an unknown customer or product.
 *
 * Each RAW order id whose first event lies inside the range the task has consumed
 * (ingest_seq ≤ task_state.stream_offset) must be in PROD or in the task's quarantine; one that
 * is in neither was lost. Ids whose events are all still after the offset are the backlog:
 * the next run merges them, so they make a WARN, not a FAIL.
 */
import { TASK_NAME, Tables as T } from '../../domain/tables.ts';
import { count, formatCount, plural } from '../values.ts';
import { result, type Check } from './types.ts';

const NAME = 'raw_vs_prod_counts';

const SQL = `
  WITH pos AS (
    SELECT coalesce(max(stream_offset), 0) AS stream_offset FROM ${T.taskState} WHERE task_name = $task
  ),
  raw_ids AS (
    SELECT order_id, min(ingest_seq) AS first_seq FROM ${T.ordersEvents}
    WHERE event_type = 'order_created' GROUP BY order_id
  ),
  task_quarantined AS (
    SELECT DISTINCT order_id FROM ${T.quarantine} WHERE stage = 'task' AND order_id IS NOT NULL
  ),
  unmerged AS (
    SELECT r.order_id, r.first_seq FROM raw_ids r
    WHERE NOT EXISTS (SELECT 1 FROM ${T.orders} o WHERE o.id = r.order_id)
      AND NOT EXISTS (SELECT 1 FROM task_quarantined q WHERE q.order_id = r.order_id)
  )
  SELECT
    (SELECT count(*) FROM raw_ids) AS raw_order_ids,
    (SELECT count(*) FROM raw_ids r
      WHERE EXISTS (SELECT 1 FROM task_quarantined q WHERE q.order_id = r.order_id)
        AND NOT EXISTS (SELECT 1 FROM ${T.orders} o WHERE o.id = r.order_id)) AS quarantined_order_ids,
    (SELECT count(*) FROM ${T.orders}) AS prod_orders,
    (SELECT count(*) FROM unmerged WHERE first_seq <= (SELECT stream_offset FROM pos)) AS missing_from_prod,
    (SELECT count(*) FROM unmerged WHERE first_seq > (SELECT stream_offset FROM pos)) AS waiting_in_backlog,
    (SELECT count(*) FROM ${T.orders} o
      WHERE NOT EXISTS (SELECT 1 FROM raw_ids r WHERE r.order_id = o.id)) AS prod_without_raw,
    (SELECT count(*) FROM ${T.ordersEvents} WHERE ingest_seq > (SELECT stream_offset FROM pos)) AS backlog_rows,
    (SELECT stream_offset FROM pos) AS stream_offset`;

export const rawVsProdCounts: Check = {
  name: NAME,
  description:
    'distinct valid order ids in RAW (minus those quarantined by the task) equal the PROD orders once the task has caught up',
  async run({ warehouse }) {
    const [row = {}] = await warehouse.query(SQL, { task: TASK_NAME });
    const m = {
      raw_order_ids: count(row.raw_order_ids),
      quarantined_order_ids: count(row.quarantined_order_ids),
      expected_prod_orders: 0,
      prod_orders: count(row.prod_orders),
      missing_from_prod: count(row.missing_from_prod),
      waiting_in_backlog: count(row.waiting_in_backlog),
      prod_without_raw: count(row.prod_without_raw),
      backlog_rows: count(row.backlog_rows),
      stream_offset: count(row.stream_offset),
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
