/**
 * The task's lifecycle step (domain/lifecycle.ts), after the creations are merged, in SQL both
 * warehouses run; only how a field is read from the payload and which RAW rows are new differ
 * (the dialect). The rule, documented in the README:
 *
 * - Of each order's events of one type, the earliest (by the event's timestamp) counts; an
 *   event seen twice, or again later, changes nothing. Each step column is set once, by the
 *   earliest event of its type ever applied.
 * - The status is the furthest step reached: returned, delivered, cancelled, shipped, paid,
 *   created (in that order of precedence), whatever order the events arrived in: a shipped
 *   before its paid is applied, and the order is shipped with both times once both are in.
 * - Impossible, to quarantine with reason impossible_transition: a shipping, delivery or
 *   return of a cancelled order, or a cancellation of one already shipped. Within one run the
 *   earlier of the two by timestamp is applied and the other quarantined; across runs the one
 *   applied first stays.
 * - An event of an order that is not in PROD (nor created in the same run) is quarantined
 *   with reason unknown_order: the creation is on the bus first, with the same key.
 */
import { Tables as T } from '../domain/tables.ts';

export interface LifecycleDialect {
  /** SQL reading a top-level text field of RAW's payload, e.g. `json_extract_string(payload, '$.x')`. */
  payloadText(field: 'supplier_id' | 'tracking_id' | 'reason'): string;
  /** The RAW rows of this run (a FROM item aliased `e`, with RAW's columns). */
  newRaw: string;
  /** How a quarantined row fetches its payload as text (correlated on `s`). */
  rawValue: string;
  /** The quarantine's trailing columns of this warehouse and their values (DuckDB's ingest_seq). */
  quarantineExtra: { columns: string; values: string };
  /** Bus coordinates as the warehouse names them. */
  column(name: 'partition' | 'offset'): string;
}

const FULFILMENT = `('order_shipped', 'order_delivered', 'order_returned')`;

/** The status of an order from its step columns (prefix `o.` or none). */
export function statusCase(p = ''): string {
  return `CASE WHEN ${p}returned_at IS NOT NULL THEN 'returned'
    WHEN ${p}delivered_at IS NOT NULL THEN 'delivered'
    WHEN ${p}cancelled_at IS NOT NULL THEN 'cancelled'
    WHEN ${p}shipped_at IS NOT NULL THEN 'shipped'
    WHEN ${p}paid_at IS NOT NULL THEN 'paid'
    ELSE 'created' END`;
}

/** Whether the applied step `name` changes the order (earlier than what it holds, or new). */
const earlier = (name: string) =>
  `(a.${name} IS NOT NULL AND (o.${name} IS NULL OR a.${name} < o.${name}))`;

const STEPS = {
  paid_at: 'order_paid',
  shipped_at: 'order_shipped',
  delivered_at: 'order_delivered',
  cancelled_at: 'order_cancelled',
  returned_at: 'order_returned',
} as const;

/** The statements, in order, inside the task's transaction. */
export function lifecycleStatements(d: LifecycleDialect) {
  const P = d.column('partition');
  const O = d.column('offset');
  return {
    /** One row per order and event type (the earliest), with its details. */
    source: `CREATE OR REPLACE TEMP TABLE lifecycle_source AS
  SELECT e.order_id AS id, e.event_type, e.created_at AS step_at, e.event_id, e.topic, e.${P} AS bus_partition,
    e.${O} AS bus_offset, e.ingest_key,
    CASE WHEN e.event_type = 'order_shipped' THEN ${d.payloadText('supplier_id')} END AS supplier_id,
    CASE WHEN e.event_type = 'order_shipped' THEN ${d.payloadText('tracking_id')} END AS tracking_id,
    CASE WHEN e.event_type IN ('order_cancelled', 'order_returned') THEN ${d.payloadText('reason')} END AS reason
  FROM ${d.newRaw}
  WHERE e.event_type IN ${`(${Object.values(STEPS)
    .map((t) => `'${t}'`)
    .join(', ')})`}
  QUALIFY row_number() OVER (PARTITION BY e.order_id, e.event_type ORDER BY e.created_at, e.ingest_key) = 1`,

    /** Each row judged against PROD and the run's other rows of its order. */
    checked: `CREATE OR REPLACE TEMP TABLE lifecycle_checked AS
  WITH batch AS (
    SELECT id,
      min(CASE WHEN event_type = 'order_cancelled' THEN step_at END) AS b_cancelled,
      min(CASE WHEN event_type IN ${FULFILMENT} THEN step_at END) AS b_fulfilled
    FROM lifecycle_source GROUP BY id
  )
  SELECT s.*,
    CASE
      WHEN o.id IS NULL THEN 'unknown_order'
      WHEN s.event_type = 'order_cancelled' AND (
        o.shipped_at IS NOT NULL OR o.delivered_at IS NOT NULL OR o.returned_at IS NOT NULL
        OR (o.cancelled_at IS NULL AND b.b_fulfilled IS NOT NULL AND b.b_fulfilled < s.step_at))
        THEN 'impossible_transition'
      WHEN s.event_type IN ${FULFILMENT} AND (
        o.cancelled_at IS NOT NULL
        OR (o.shipped_at IS NULL AND o.delivered_at IS NULL AND o.returned_at IS NULL
            AND b.b_cancelled IS NOT NULL AND b.b_cancelled <= b.b_fulfilled))
        THEN 'impossible_transition'
    END AS problem
  FROM lifecycle_source s
  JOIN batch b ON b.id = s.id
  LEFT JOIN ${T.orders} o ON o.id = s.id`,

    quarantine: `INSERT INTO ${T.quarantine}
    (quarantined_at, stage, reason, detail, event_id, order_id, raw_value, topic, ${P}, ${O}${d.quarantineExtra.columns})
  SELECT $now, 'task', s.problem,
    CASE WHEN s.problem = 'unknown_order' THEN 'order ' || s.id || ' is not in orders'
         WHEN s.event_type = 'order_cancelled' THEN 'order ' || s.id || ' was already shipped: it can no longer be cancelled'
         ELSE 'order ' || s.id || ' was cancelled: an ' || s.event_type || ' cannot follow' END,
    s.event_id, s.id, ${d.rawValue}, s.topic, s.bus_partition, s.bus_offset${d.quarantineExtra.values}
  FROM lifecycle_checked s
  WHERE s.problem IS NOT NULL`,

    /** The accepted steps per order, only where they change it. */
    apply: `CREATE OR REPLACE TEMP TABLE lifecycle_apply AS
  SELECT a.* FROM (
    SELECT id,
      ${Object.entries(STEPS)
        .map(([col, type]) => `min(CASE WHEN event_type = '${type}' THEN step_at END) AS ${col}`)
        .join(',\n      ')},
      max(supplier_id) AS supplier_id, max(tracking_id) AS tracking_id,
      max(CASE WHEN event_type = 'order_cancelled' THEN reason END) AS cancel_reason,
      max(CASE WHEN event_type = 'order_returned' THEN reason END) AS return_reason
    FROM lifecycle_checked WHERE problem IS NULL GROUP BY id
  ) a
  JOIN ${T.orders} o ON o.id = a.id
  WHERE ${Object.keys(STEPS).map(earlier).join('\n     OR ')}`,

    update: `UPDATE ${T.orders} AS o SET
    ${Object.keys(STEPS)
      .map((c) => `${c} = CASE WHEN ${earlier(c)} THEN a.${c} ELSE o.${c} END`)
      .join(',\n    ')},
    supplier_id = CASE WHEN ${earlier('shipped_at')} THEN a.supplier_id ELSE o.supplier_id END,
    tracking_id = CASE WHEN ${earlier('shipped_at')} THEN a.tracking_id ELSE o.tracking_id END,
    cancel_reason = CASE WHEN ${earlier('cancelled_at')} THEN a.cancel_reason ELSE o.cancel_reason END,
    return_reason = CASE WHEN ${earlier('returned_at')} THEN a.return_reason ELSE o.return_reason END,
    merged_at = $now
  FROM lifecycle_apply a
  WHERE o.id = a.id`,

    /** The status of the orders just changed, from their step columns. */
    status: `UPDATE ${T.orders} AS o SET status = ${statusCase('o.')}
  FROM lifecycle_apply a
  WHERE o.id = a.id`,

    drop: ['lifecycle_source', 'lifecycle_checked', 'lifecycle_apply'].map(
      (t) => `DROP TABLE IF EXISTS ${t}`,
    ),
  };
}
