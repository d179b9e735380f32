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
import { RELEASED_STATUSES } from '../domain/stock.ts';
import { Tables as T } from '../domain/tables.ts';

export interface LifecycleDialect {
  /** SQL reading a top-level text field of RAW's payload (alias `e`). */
  payloadText(field: 'supplier_id' | 'tracking_id' | 'reason'): string;
  /**
   * The RAW rows of this run, as a FROM item aliased `e` (DuckDB: the stream range; Snowflake:
   * the statement's own stream, which the statement consumes).
   */
  newRaw(statement: 'quarantine' | 'merge'): string;
  /** Ties between two events of one type and time: the one stored first wins. */
  storedOrder: string;
  /** Source columns a quarantined row needs besides the shared ones (`, e.x AS y`). */
  sourceExtra: string;
  /** The quarantined row's raw_value (alias `s`, a lifecycle_checked row). */
  rawValue: string;
  /** The quarantine's trailing columns of this warehouse and their values (DuckDB's ingest_seq). */
  quarantineExtra: { columns: string; values: string };
  /** The run's timestamp. */
  now: string;
  /** Bus coordinates as the warehouse names them. */
  column(name: 'partition' | 'offset'): string;
}

const FULFILMENT = `('order_shipped', 'order_delivered', 'order_returned')`;

const STEPS = {
  paid_at: 'order_paid',
  shipped_at: 'order_shipped',
  delivered_at: 'order_delivered',
  cancelled_at: 'order_cancelled',
  returned_at: 'order_returned',
} as const;
type StepColumn = keyof typeof STEPS;

/** The status from the step columns, each given by `col` (o.x, or its new value in a MERGE). */
export function statusCase(p: string | ((c: StepColumn) => string) = ''): string {
  const col = typeof p === 'string' ? (c: StepColumn) => `${p}${c}` : p;
  return `CASE WHEN ${col('returned_at')} IS NOT NULL THEN 'returned'
    WHEN ${col('delivered_at')} IS NOT NULL THEN 'delivered'
    WHEN ${col('cancelled_at')} IS NOT NULL THEN 'cancelled'
    WHEN ${col('shipped_at')} IS NOT NULL THEN 'shipped'
    WHEN ${col('paid_at')} IS NOT NULL THEN 'paid'
    ELSE 'created' END`;
}

/** Whether the applied step changes the order (earlier than what it holds, or new). */
const earlier = (name: StepColumn) =>
  `(a.${name} IS NOT NULL AND (o.${name} IS NULL OR a.${name} < o.${name}))`;
/** The step column's value after the MERGE. */
const merged = (name: StepColumn) => `CASE WHEN ${earlier(name)} THEN a.${name} ELSE o.${name} END`;

/**
 * The two statements of the lifecycle step, each a single statement (a Snowflake task runs
 * one): the quarantine of the impossible and unknown, and the MERGE of the rest. Both judge
 * the same rows the same way (lifecycle_checked), so they take exact complements.
 */
export function lifecycleStatements(d: LifecycleDialect) {
  const P = d.column('partition');
  const O = d.column('offset');
  const types = `(${Object.values(STEPS)
    .map((t) => `'${t}'`)
    .join(', ')})`;
  /** One row per order and event type (the earliest), with its details. */
  const source = (statement: 'quarantine' | 'merge') => `
    SELECT e.order_id AS id, e.event_type, e.created_at AS step_at, e.event_id, e.topic,
      e.${P} AS bus_partition, e.${O} AS bus_offset${d.sourceExtra},
      CASE WHEN e.event_type = 'order_shipped' THEN ${d.payloadText('supplier_id')} END AS supplier_id,
      CASE WHEN e.event_type = 'order_shipped' THEN ${d.payloadText('tracking_id')} END AS tracking_id,
      CASE WHEN e.event_type IN ('order_cancelled', 'order_returned') THEN ${d.payloadText('reason')} END AS reason
    FROM ${d.newRaw(statement)}
    WHERE e.event_type IN ${types}
    QUALIFY row_number() OVER (PARTITION BY e.order_id, e.event_type ORDER BY e.created_at, ${d.storedOrder}) = 1`;
  /** Each row judged against PROD and the run's other rows of its order. */
  const checked = (statement: 'quarantine' | 'merge') => `
  SELECT s.*,
    CASE
      WHEN o.id IS NULL THEN 'unknown_order'
      WHEN s.event_type = 'order_cancelled' AND (
        o.shipped_at IS NOT NULL OR o.delivered_at IS NOT NULL OR o.returned_at IS NOT NULL
        OR (o.cancelled_at IS NULL AND s.b_fulfilled IS NOT NULL AND s.b_fulfilled < s.step_at))
        THEN 'impossible_transition'
      WHEN s.event_type IN ${FULFILMENT} AND (
        o.cancelled_at IS NOT NULL
        OR (o.shipped_at IS NULL AND o.delivered_at IS NULL AND o.returned_at IS NULL
            AND s.b_cancelled IS NOT NULL AND s.b_cancelled <= s.b_fulfilled))
        THEN 'impossible_transition'
    END AS problem
  FROM (
    SELECT r.*,
      min(CASE WHEN r.event_type = 'order_cancelled' THEN r.step_at END) OVER (PARTITION BY r.id) AS b_cancelled,
      min(CASE WHEN r.event_type IN ${FULFILMENT} THEN r.step_at END) OVER (PARTITION BY r.id) AS b_fulfilled
    FROM (${source(statement)}) r
  ) s
  LEFT JOIN ${T.orders} o ON o.id = s.id`;

  const quarantine = `INSERT INTO ${T.quarantine}
    (quarantined_at, stage, reason, detail, event_id, order_id, raw_value, topic, ${P}, ${O}${d.quarantineExtra.columns})
  SELECT ${d.now}, 'task', s.problem,
    CASE WHEN s.problem = 'unknown_order' THEN 'order ' || s.id || ' is not in orders'
         WHEN s.event_type = 'order_cancelled' THEN 'order ' || s.id || ' was already shipped: it can no longer be cancelled'
         ELSE 'order ' || s.id || ' was cancelled: an ' || s.event_type || ' cannot follow' END,
    s.event_id, s.id, ${d.rawValue}, s.topic, s.bus_partition, s.bus_offset${d.quarantineExtra.values}
  FROM (${checked('quarantine')}) s
  WHERE s.problem IS NOT NULL`;

  // The new values are computed in the source, so that the UPDATE only copies columns (the
  // Snowflake emulator's MERGE carries only the source columns a SET names directly).
  const steps = Object.keys(STEPS) as StepColumn[];
  const merge = `MERGE INTO ${T.orders} AS t
  USING (
    SELECT a.id,
      ${steps.map((c) => `${merged(c)} AS ${c}`).join(',\n      ')},
      CASE WHEN ${earlier('shipped_at')} THEN a.supplier_id ELSE o.supplier_id END AS supplier_id,
      CASE WHEN ${earlier('shipped_at')} THEN a.tracking_id ELSE o.tracking_id END AS tracking_id,
      CASE WHEN ${earlier('cancelled_at')} THEN a.cancel_reason ELSE o.cancel_reason END AS cancel_reason,
      CASE WHEN ${earlier('returned_at')} THEN a.return_reason ELSE o.return_reason END AS return_reason,
      ${statusCase(merged)} AS status
    FROM (
      SELECT id,
        ${Object.entries(STEPS)
          .map(([col, type]) => `min(CASE WHEN event_type = '${type}' THEN step_at END) AS ${col}`)
          .join(',\n        ')},
        max(supplier_id) AS supplier_id, max(tracking_id) AS tracking_id,
        max(CASE WHEN event_type = 'order_cancelled' THEN reason END) AS cancel_reason,
        max(CASE WHEN event_type = 'order_returned' THEN reason END) AS return_reason
      FROM (${checked('merge')}) c
      WHERE problem IS NULL
      GROUP BY id
    ) a
    JOIN ${T.orders} o ON o.id = a.id
    WHERE ${steps.map(earlier).join('\n       OR ')}
  ) AS m
  ON t.id = m.id
  WHEN MATCHED THEN UPDATE SET
    ${[...steps, 'supplier_id', 'tracking_id', 'cancel_reason', 'return_reason', 'status']
      .map((c) => `${c} = m.${c}`)
      .join(', ')},
    merged_at = ${d.now}`;

  return { quarantine, merge };
}

/**
 * The stock step, after the lifecycle MERGE: stock_quantity = initial_stock − Σ quantity of the
 * product's PROD orders not in RELEASED_STATUSES (domain/stock.ts), recomputed only for the
 * products of the orders this run's RAW rows name (creations and steps alike), so a run costs
 * what it brings, not the catalogue. Computed from PROD, not added up from events, so late,
 * duplicate and replayed events give the same stock, and a replay updates no row.
 * `runOrders` is a FROM item aliased `e` with the run's RAW rows (the dialect's own); null
 * recomputes every product, which loading the reference data again needs: its upsert puts the
 * file's stock back in stock_quantity, and the orders already in PROD must be taken off again.
 */
export function stockStatement(runOrders: string | null): string {
  const released = RELEASED_STATUSES.map((s) => `'${s}'`).join(', ');
  return `MERGE INTO ${T.inventory} AS t
  USING (
    SELECT i.id, i.initial_stock - r.reserved AS stock_quantity
    FROM (
      SELECT o.product_id,
        sum(CASE WHEN o.status IN (${released}) THEN 0 ELSE o.quantity END) AS reserved
      FROM ${T.orders} o${
        runOrders === null
          ? ''
          : `
      WHERE o.product_id IN (
        SELECT p.product_id FROM ${T.orders} p
        WHERE p.id IN (SELECT e.order_id FROM ${runOrders}))`
      }
      GROUP BY o.product_id
    ) r
    JOIN ${T.inventory} i ON i.id = r.product_id
    WHERE i.initial_stock IS NOT NULL AND i.stock_quantity <> i.initial_stock - r.reserved
  ) AS m
  ON t.id = m.id
  WHEN MATCHED THEN UPDATE SET stock_quantity = m.stock_quantity`;
}

/** Every product's stock again from PROD's orders: after the reference data is loaded again. */
export const STOCK_RECOMPUTE = stockStatement(null);
