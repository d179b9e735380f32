/**
 * Everything the dashboard, validation and the CLI read from a warehouse, as named reads, in
 * SQL that DuckDB and Snowflake both accept, over the tables both hold (domain/table-columns.ts).
 * Each adapter runs them through its own `select` and supplies the one thing that differs:
 * which RAW rows its task has not consumed yet (DuckDB: past the emulated stream's offset;
 * Snowflake: the rows of the stream).
 *
 * Parameters are `$name` binds (Snowflake's adapter turns them into positional ones); time
 * windows are bound, never `now()` in SQL, so a test can fix the clock. Values come back as the
 * driver gives them (numbers or strings, timestamps as text): callers convert with
 * domain/values.ts (the one reading of counts, money and timestamps).
 */
import { ORDER_STATUSES } from '../domain/lifecycle.ts';
import { RELEASED_STATUSES } from '../domain/stock.ts';
import { statusCase } from './lifecycle-sql.ts';
import { latestAcceptedTimestamp } from '../domain/order-rules.ts';
import { OrdersTable } from '../domain/table-columns.ts';
import { Tables as T } from '../domain/tables.ts';
import type { SqlParams } from './types.ts';

/** A row with known column names (lower case), values as the driver returns them. */
export type Row<K extends string> = Record<K, unknown>;

/** Runs a read with `$name` binds; rows with lower-case keys. */
export type Select = (sql: string, params?: SqlParams) => Promise<Record<string, unknown>[]>;

export interface ReadDialect {
  /** A subquery of the RAW rows the task has not consumed yet (all RAW columns). */
  pendingRawRows: string;
  /** A RAW column name as this dialect writes it (`partition` and `offset` are keywords). */
  column(name: string): string;
}

export type ProductRankOrder = 'units' | 'revenue';

/** Columns an order cannot be without (data_quality). */
export const REQUIRED_ORDER_COLUMNS = [
  'id',
  'product_id',
  'customer_id',
  'quantity',
  'unit_price',
  'sold_at',
  'ingested_at',
] as const satisfies readonly (typeof OrdersTable)['columns'][number]['name'][];

/**
 * The step columns that show an order reached a step of the funnel: the step's own time, or
 * that of a step only reachable through it (a return comes after a delivery, which comes after
 * a shipping, after a payment). With late events an order can be delivered before its
 * order_shipped is received; it has still been shipped, and the funnel never narrows then
 * widens again.
 */
const REACHED = {
  paid: ['paid_at', 'shipped_at', 'delivered_at', 'returned_at'],
  shipped: ['shipped_at', 'delivered_at', 'returned_at'],
  delivered: ['delivered_at', 'returned_at'],
} as const;

/** A condition: the order (columns prefixed `p`) reached the step. */
const reached = (step: keyof typeof REACHED, p: string) =>
  `(${REACHED[step].map((c) => `${p}${c} IS NOT NULL`).join(' OR ')})`;
const DELIVERED = (p: string) => reached('delivered', p);

export class WarehouseReads {
  constructor(
    private readonly select: Select,
    private readonly dialect: ReadDialect,
  ) {}

  private async one<K extends string>(sql: string, params?: SqlParams): Promise<Row<K>> {
    const [row] = await this.select(sql, params);
    return (row ?? {}) as Row<K>;
  }

  private async all<K extends string>(sql: string, params?: SqlParams): Promise<Row<K>[]> {
    return (await this.select(sql, params)) as Row<K>[];
  }

  /** Sizes of every table, and the last RAW arrival. */
  tableCounts() {
    return this.one<
      'raw_rows' | 'last_ingested_at' | 'dead_letters' | 'customers' | 'products' | 'prod_orders'
    >(
      `SELECT (SELECT count(*) FROM ${T.ordersEvents}) AS raw_rows,
              (SELECT max(ingested_at) FROM ${T.ordersEvents}) AS last_ingested_at,
              (SELECT count(*) FROM ${T.quarantine}) AS dead_letters,
              (SELECT count(*) FROM ${T.customers}) AS customers,
              (SELECT count(*) FROM ${T.inventory}) AS products,
              (SELECT count(*) FROM ${T.orders}) AS prod_orders`,
    );
  }

  /** PROD totals, and those received (ingested_at) or sold (sold_at) in [since, now]. */
  salesKpis(since: Date, now: Date) {
    return this.one<
      | 'total_orders'
      | 'total_revenue'
      | 'orders_ingested_24h'
      | 'revenue_ingested_24h'
      | 'orders_sold_24h'
      | 'revenue_sold_24h'
      | 'first_sale_at'
      | 'last_sale_at'
      | 'buyers'
      | 'products_sold'
    >(
      `SELECT count(*) AS total_orders,
              coalesce(sum(quantity * unit_price), 0) AS total_revenue,
              coalesce(sum(CASE WHEN ingested_at >= $since AND ingested_at <= $now THEN 1 ELSE 0 END), 0) AS orders_ingested_24h,
              coalesce(sum(CASE WHEN ingested_at >= $since AND ingested_at <= $now THEN quantity * unit_price ELSE 0 END), 0) AS revenue_ingested_24h,
              coalesce(sum(CASE WHEN sold_at >= $since AND sold_at <= $now THEN 1 ELSE 0 END), 0) AS orders_sold_24h,
              coalesce(sum(CASE WHEN sold_at >= $since AND sold_at <= $now THEN quantity * unit_price ELSE 0 END), 0) AS revenue_sold_24h,
              min(sold_at) AS first_sale_at, max(sold_at) AS last_sale_at,
              count(DISTINCT customer_id) AS buyers, count(DISTINCT product_id) AS products_sold
       FROM ${T.orders}`,
      { since, now },
    );
  }

  topProducts(by: ProductRankOrder, limit: number) {
    const orderBy = by === 'units' ? 'units DESC, revenue DESC' : 'revenue DESC, units DESC';
    return this.all<
      'product_id' | 'product_name' | 'category' | 'units' | 'order_count' | 'revenue'
    >(
      `SELECT o.product_id AS product_id, i.product_name AS product_name, i.category AS category,
              sum(o.quantity) AS units, count(*) AS order_count, sum(o.quantity * o.unit_price) AS revenue
       FROM ${T.orders} o
       LEFT JOIN ${T.inventory} i ON i.id = o.product_id
       GROUP BY o.product_id, i.product_name, i.category
       ORDER BY ${orderBy}, o.product_id
       LIMIT ${Math.trunc(limit)}`,
    );
  }

  /** The orders most recently received, with their product and customer. */
  latestOrders(limit: number) {
    return this.all<
      | 'id'
      | 'product_id'
      | 'product_name'
      | 'category'
      | 'customer_id'
      | 'customer_name'
      | 'city'
      | 'country'
      | 'quantity'
      | 'unit_price'
      | 'amount'
      | 'sold_at'
      | 'ingested_at'
    >(
      `SELECT o.id AS id, o.product_id AS product_id, i.product_name AS product_name, i.category AS category,
              o.customer_id AS customer_id, c.name AS customer_name, c.city AS city, c.country AS country,
              o.quantity AS quantity, o.unit_price AS unit_price, o.quantity * o.unit_price AS amount,
              o.sold_at AS sold_at, o.ingested_at AS ingested_at
       FROM ${T.orders} o
       LEFT JOIN ${T.inventory} i ON i.id = o.product_id
       LEFT JOIN ${T.customers} c ON c.id = o.customer_id
       ORDER BY o.ingested_at DESC, o.sold_at DESC, o.id DESC
       LIMIT ${Math.trunc(limit)}`,
    );
  }

  /** Orders and revenue per day of sale (UTC), days without sales absent. */
  dailySales() {
    return this.all<'sale_day' | 'order_count' | 'revenue'>(
      `SELECT CAST(sold_at AS DATE) AS sale_day, count(*) AS order_count, sum(quantity * unit_price) AS revenue
       FROM ${T.orders}
       GROUP BY CAST(sold_at AS DATE)
       ORDER BY sale_day`,
    );
  }

  categorySales() {
    return this.all<'category' | 'order_count' | 'units' | 'revenue'>(
      `SELECT coalesce(i.category, 'unknown') AS category, count(*) AS order_count, sum(o.quantity) AS units,
              sum(o.quantity * o.unit_price) AS revenue
       FROM ${T.orders} o
       LEFT JOIN ${T.inventory} i ON i.id = o.product_id
       GROUP BY coalesce(i.category, 'unknown')
       ORDER BY revenue DESC, category`,
    );
  }

  /**
   * Revenue and cost of sales of PROD orders, to the cent, at the inventory's per-unit costs
   * (supplier_cost, shipping_cost): the margin figures of the dashboard and of validation.
   * Orders whose product has no known cost are counted apart (`orders_without_cost`, their
   * revenue in `uncosted_revenue`), never taken as costing nothing: `costed_revenue` and the
   * costs cover the others. The `kept_` terms (orders neither cancelled nor returned; no
   * status counts as created) and `returned_shipping_cost` make the net margin
   * (domain/margin.ts). `exceptPattern`: leave out orders whose id is LIKE it (live ones).
   */
  marginTotals(exceptPattern?: string) {
    const known = 'i.supplier_cost IS NOT NULL AND i.shipping_cost IS NOT NULL';
    // Kept: the orders that still hold their stock (not cancelled, not returned) keep revenue too.
    const released = RELEASED_STATUSES.map((s) => `'${s}'`).join(', ');
    const kept = `${known} AND coalesce(o.status, 'created') NOT IN (${released})`;
    const returned = `${known} AND o.status = 'returned'`;
    const sumWhen = (when: string, amount: string) =>
      `CAST(coalesce(sum(CASE WHEN ${when} THEN ${amount} END), 0) AS DECIMAL(38, 2))`;
    return this.one<
      | 'orders'
      | 'orders_without_cost'
      | 'costed_revenue'
      | 'uncosted_revenue'
      | 'supplier_cost'
      | 'shipping_cost'
      | 'kept_revenue'
      | 'kept_supplier_cost'
      | 'kept_shipping_cost'
      | 'returned_shipping_cost'
    >(
      `SELECT count(*) AS orders,
              coalesce(sum(CASE WHEN ${known} THEN 0 ELSE 1 END), 0) AS orders_without_cost,
              ${sumWhen(known, 'o.quantity * o.unit_price')} AS costed_revenue,
              CAST(coalesce(sum(CASE WHEN ${known} THEN 0 ELSE o.quantity * o.unit_price END), 0) AS DECIMAL(38, 2)) AS uncosted_revenue,
              ${sumWhen(known, 'o.quantity * i.supplier_cost')} AS supplier_cost,
              ${sumWhen(known, 'o.quantity * i.shipping_cost')} AS shipping_cost,
              ${sumWhen(kept, 'o.quantity * o.unit_price')} AS kept_revenue,
              ${sumWhen(kept, 'o.quantity * i.supplier_cost')} AS kept_supplier_cost,
              ${sumWhen(kept, 'o.quantity * i.shipping_cost')} AS kept_shipping_cost,
              ${sumWhen(returned, 'o.quantity * i.shipping_cost')} AS returned_shipping_cost
       FROM ${T.orders} o
       LEFT JOIN ${T.inventory} i ON i.id = o.product_id
       ${exceptPattern === undefined ? '' : 'WHERE o.id NOT LIKE $except'}`,
      exceptPattern === undefined ? undefined : { except: exceptPattern },
    );
  }

  /**
   * The order lifecycle in PROD (domain/lifecycle.ts): orders per status (NULL, from before
   * the lifecycle, counts as created), the funnel (orders that reached each step: REACHED), orders in
   * an impossible state (cancelled and shipped, delivered or returned), orders whose status is
   * not the one their step columns give, and the revenue of returned and cancelled orders.
   * `exceptPattern`: leave out orders whose id is LIKE it (live ones).
   */
  lifecycleCounts(exceptPattern?: string) {
    const s = (status: string) =>
      `coalesce(sum(CASE WHEN coalesce(o.status, 'created') = '${status}' THEN 1 ELSE 0 END), 0) AS status_${status}`;
    return this.one<
      | `status_${(typeof ORDER_STATUSES)[number]}`
      | 'orders'
      | 'reached_paid'
      | 'reached_shipped'
      | 'reached_delivered'
      | 'reached_cancelled'
      | 'reached_returned'
      | 'impossible'
      | 'status_mismatch'
      | 'returned_revenue'
      | 'cancelled_revenue'
    >(
      `SELECT count(*) AS orders,
        ${ORDER_STATUSES.map(s).join(', ')},
        ${(['paid', 'shipped', 'delivered'] as const)
          .map(
            (step) =>
              `coalesce(sum(CASE WHEN ${reached(step, 'o.')} THEN 1 ELSE 0 END), 0) AS reached_${step}`,
          )
          .join(', ')},
        count(o.cancelled_at) AS reached_cancelled,
        count(o.returned_at) AS reached_returned,
        coalesce(sum(CASE WHEN o.cancelled_at IS NOT NULL AND (o.shipped_at IS NOT NULL
          OR o.delivered_at IS NOT NULL OR o.returned_at IS NOT NULL) THEN 1 ELSE 0 END), 0) AS impossible,
        coalesce(sum(CASE WHEN coalesce(o.status, 'created') <> ${statusCase('o.')} THEN 1 ELSE 0 END), 0) AS status_mismatch,
        CAST(coalesce(sum(CASE WHEN o.status = 'returned' THEN o.quantity * o.unit_price END), 0) AS DECIMAL(38, 2)) AS returned_revenue,
        CAST(coalesce(sum(CASE WHEN o.status = 'cancelled' THEN o.quantity * o.unit_price END), 0) AS DECIMAL(38, 2)) AS cancelled_revenue
       FROM ${T.orders} o
       ${exceptPattern === undefined ? '' : 'WHERE o.id NOT LIKE $except'}`,
      exceptPattern === undefined ? undefined : { except: exceptPattern },
    );
  }

  /** marginTotals per supplier (orders with known costs only), largest revenue first. */
  marginBySupplier() {
    return this.all<
      | 'supplier_id'
      | 'supplier_name'
      | 'supplier_country'
      | 'order_count'
      | 'units'
      | 'revenue'
      | 'supplier_cost'
      | 'shipping_cost'
    >(
      `SELECT i.supplier_id AS supplier_id, i.supplier_name AS supplier_name,
              i.supplier_country AS supplier_country, count(*) AS order_count, sum(o.quantity) AS units,
              CAST(sum(o.quantity * o.unit_price) AS DECIMAL(38, 2)) AS revenue,
              CAST(sum(o.quantity * i.supplier_cost) AS DECIMAL(38, 2)) AS supplier_cost,
              CAST(sum(o.quantity * i.shipping_cost) AS DECIMAL(38, 2)) AS shipping_cost
       FROM ${T.orders} o
       JOIN ${T.inventory} i ON i.id = o.product_id
       WHERE i.supplier_id IS NOT NULL AND i.supplier_cost IS NOT NULL AND i.shipping_cost IS NOT NULL
       GROUP BY i.supplier_id, i.supplier_name, i.supplier_country
       ORDER BY revenue DESC, supplier_id`,
    );
  }

  /**
   * Returns per category of the product: PROD orders delivered (those with a delivery or a
   * return: a returned order was delivered, even while its order_delivered is still on its
   * way) and those returned, the return rate's two terms. Categories without a delivery are
   * absent.
   */
  returnsByCategory() {
    return this.all<'category' | 'delivered' | 'returned' | 'returned_revenue'>(
      `SELECT coalesce(i.category, 'unknown') AS category,
              sum(CASE WHEN ${DELIVERED('o.')} THEN 1 ELSE 0 END) AS delivered,
              count(o.returned_at) AS returned,
              CAST(coalesce(sum(CASE WHEN o.returned_at IS NOT NULL THEN o.quantity * o.unit_price END), 0) AS DECIMAL(38, 2)) AS returned_revenue
       FROM ${T.orders} o
       LEFT JOIN ${T.inventory} i ON i.id = o.product_id
       GROUP BY coalesce(i.category, 'unknown')
       HAVING sum(CASE WHEN ${DELIVERED('o.')} THEN 1 ELSE 0 END) > 0
       ORDER BY category`,
    );
  }

  /**
   * Returned PROD orders per return reason (NULL: a return whose reason is unknown), with the
   * delivered orders of the whole shop on every row (the denominator of each reason's rate).
   */
  returnsByReason() {
    return this.all<'reason' | 'returned' | 'delivered'>(
      `SELECT coalesce(o.return_reason, 'unknown') AS reason, count(*) AS returned,
              (SELECT sum(CASE WHEN ${DELIVERED('d.')} THEN 1 ELSE 0 END) FROM ${T.orders} d) AS delivered
       FROM ${T.orders} o
       WHERE o.returned_at IS NOT NULL
       GROUP BY coalesce(o.return_reason, 'unknown')
       ORDER BY returned DESC, reason`,
    );
  }

  /**
   * Delivery time per supplier that shipped (orders.supplier_id, from order_shipped), over the
   * delivered orders that have both times: from the sale (sold_at, when the customer ordered)
   * to delivered_at — what the customer waits, and what inventory's supplier_shipping_days
   * describes — and, apart, the carrier's part from shipped_at. Median and 90th percentile
   * (interpolated, PERCENTILE_CONT) in seconds; the supplier's name from inventory.
   */
  deliveryTimeBySupplier() {
    const toDelivery = `datediff('second', o.sold_at, o.delivered_at)`;
    const transit = `datediff('second', o.shipped_at, o.delivered_at)`;
    return this.all<
      | 'supplier_id'
      | 'supplier_name'
      | 'supplier_country'
      | 'supplier_shipping_days'
      | 'delivered'
      | 'median_seconds'
      | 'p90_seconds'
      | 'median_transit_seconds'
      | 'p90_transit_seconds'
    >(
      `SELECT o.supplier_id AS supplier_id, s.supplier_name AS supplier_name,
              s.supplier_country AS supplier_country, s.supplier_shipping_days AS supplier_shipping_days,
              count(*) AS delivered,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${toDelivery}) AS median_seconds,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY ${toDelivery}) AS p90_seconds,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${transit}) AS median_transit_seconds,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY ${transit}) AS p90_transit_seconds
       FROM ${T.orders} o
       LEFT JOIN (
         SELECT supplier_id, max(supplier_name) AS supplier_name, max(supplier_country) AS supplier_country,
                max(supplier_shipping_days) AS supplier_shipping_days
         FROM ${T.inventory} WHERE supplier_id IS NOT NULL GROUP BY supplier_id
       ) s ON s.supplier_id = o.supplier_id
       WHERE o.supplier_id IS NOT NULL AND o.delivered_at IS NOT NULL AND o.shipped_at IS NOT NULL
       GROUP BY o.supplier_id, s.supplier_name, s.supplier_country, s.supplier_shipping_days
       ORDER BY median_seconds, supplier_id`,
    );
  }

  /**
   * Stock of PROD inventory (stock_quantity, which the task keeps following the events):
   * products, units in stock, products out of stock (0 or less) and low on stock (1 to
   * `lowStock` units).
   */
  stockLevels(lowStock: number) {
    return this.one<'products' | 'units' | 'out_of_stock' | 'low_stock'>(
      `SELECT count(*) AS products, coalesce(sum(stock_quantity), 0) AS units,
              coalesce(sum(CASE WHEN stock_quantity <= 0 THEN 1 ELSE 0 END), 0) AS out_of_stock,
              coalesce(sum(CASE WHEN stock_quantity > 0 AND stock_quantity <= $low THEN 1 ELSE 0 END), 0) AS low_stock
       FROM ${T.inventory}`,
      { low: Math.trunc(lowStock) },
    );
  }

  /**
   * Every product's PROD stock_quantity and the units its live orders (id LIKE `livePattern`)
   * reserve (not in RELEASED_STATUSES): validation's stock check adds them back to compare
   * with the manifest's stock, which never knew the live orders. By product id.
   */
  stockByProduct(livePattern: string) {
    const released = RELEASED_STATUSES.map((s) => `'${s}'`).join(', ');
    return this.all<'product_id' | 'stock_quantity' | 'live_reserved'>(
      `SELECT i.id AS product_id, i.stock_quantity AS stock_quantity,
              coalesce(l.units, 0) AS live_reserved
       FROM ${T.inventory} i
       LEFT JOIN (
         SELECT product_id, sum(quantity) AS units FROM ${T.orders}
         WHERE id LIKE $live AND (status IS NULL OR status NOT IN (${released}))
         GROUP BY product_id
       ) l ON l.product_id = i.id
       ORDER BY i.id`,
      { live: livePattern },
    );
  }

  /**
   * The products with at most `lowStock` units left, fewest first (out of stock first), with
   * the units PROD orders took of each (not cancelled): what to reorder.
   */
  lowStockProducts(lowStock: number, limit: number) {
    return this.all<
      'product_id' | 'product_name' | 'category' | 'supplier_name' | 'stock_quantity' | 'units_sold'
    >(
      `SELECT i.id AS product_id, i.product_name AS product_name, i.category AS category,
              i.supplier_name AS supplier_name, i.stock_quantity AS stock_quantity,
              coalesce(sold.units, 0) AS units_sold
       FROM ${T.inventory} i
       LEFT JOIN (
         SELECT product_id, sum(quantity) AS units FROM ${T.orders}
         WHERE cancelled_at IS NULL GROUP BY product_id
       ) sold ON sold.product_id = i.id
       WHERE i.stock_quantity <= $low
       ORDER BY i.stock_quantity, i.id
       LIMIT ${Math.trunc(limit)}`,
      { low: Math.trunc(lowStock) },
    );
  }

  /** Dead letters counted by reason and stage, most frequent first. */
  deadLetterReasons(limit: number) {
    return this.all<'reason' | 'stage' | 'n'>(
      `SELECT reason, stage, count(*) AS n FROM ${T.quarantine}
       GROUP BY reason, stage ORDER BY n DESC, reason, stage LIMIT ${Math.trunc(limit)}`,
    );
  }

  /** RAW rows per minute of arrival in [from, now]; minutes without rows absent. */
  ingestPerMinute(from: Date, now: Date) {
    return this.all<'minute_start' | 'n'>(
      `SELECT date_trunc('minute', ingested_at) AS minute_start, count(*) AS n
       FROM ${T.ordersEvents}
       WHERE ingested_at >= $from AND ingested_at <= $now
       GROUP BY date_trunc('minute', ingested_at)`,
      { from, now },
    );
  }

  /** Whether RAW holds an event of this order. */
  async rawHasOrder(orderId: string): Promise<boolean> {
    const row = await this.one<'n'>(
      `SELECT count(*) AS n FROM ${T.ordersEvents} WHERE order_id = $id`,
      { id: orderId },
    );
    return Number(row.n ?? 0) > 0;
  }

  /** RAW rows the task has not consumed yet (SYSTEM$STREAM_HAS_DATA's content). */
  async pendingRawRows(): Promise<number> {
    const row = await this.one<'n'>(
      `SELECT count(*) AS n FROM (${this.dialect.pendingRawRows}) pending`,
    );
    return Number(row.n ?? 0);
  }

  /**
   * reconciliation: replayed orders (ids not matching `livePattern`) in RAW, PROD and
   * quarantine, items and revenue to the cent; live ones apart.
   */
  reconciliationCounts(livePattern: string) {
    return this.one<
      | 'raw_replayed_orders'
      | 'raw_live_orders'
      | 'prod_replayed_orders'
      | 'prod_replayed_items'
      | 'prod_replayed_revenue'
      | 'prod_live_orders'
      | 'prod_live_revenue'
      | 'quarantined_replayed_orders'
    >(
      `SELECT
        (SELECT count(DISTINCT order_id) FROM ${T.ordersEvents}
          WHERE event_type = 'order_created' AND order_id NOT LIKE $live) AS raw_replayed_orders,
        (SELECT count(DISTINCT order_id) FROM ${T.ordersEvents}
          WHERE event_type = 'order_created' AND order_id LIKE $live) AS raw_live_orders,
        (SELECT count(*) FROM ${T.orders} WHERE id NOT LIKE $live) AS prod_replayed_orders,
        (SELECT sum(quantity) FROM ${T.orders} WHERE id NOT LIKE $live) AS prod_replayed_items,
        (SELECT CAST(sum(quantity * unit_price) AS DECIMAL(38, 2)) FROM ${T.orders} WHERE id NOT LIKE $live) AS prod_replayed_revenue,
        (SELECT count(*) FROM ${T.orders} WHERE id LIKE $live) AS prod_live_orders,
        (SELECT CAST(sum(quantity * unit_price) AS DECIMAL(38, 2)) FROM ${T.orders} WHERE id LIKE $live) AS prod_live_revenue,
        (SELECT count(DISTINCT q.order_id) FROM ${T.quarantine} q
          WHERE q.order_id IS NOT NULL AND q.order_id NOT LIKE $live
            AND NOT EXISTS (SELECT 1 FROM ${T.orders} o WHERE o.id = q.order_id)) AS quarantined_replayed_orders`,
      { live: livePattern },
    );
  }

  /**
   * raw_vs_prod_counts: RAW order ids against PROD and the task's quarantine. An id with a RAW
   * row the task has consumed must be in one of them (else it was lost); an id whose rows all
   * wait in the stream is backlog.
   */
  rawVsProdCounts() {
    return this.one<
      | 'raw_order_ids'
      | 'quarantined_order_ids'
      | 'prod_orders'
      | 'missing_from_prod'
      | 'waiting_in_backlog'
      | 'prod_without_raw'
      | 'backlog_rows'
    >(
      `WITH raw_ids AS (
        SELECT order_id, count(*) AS n FROM ${T.ordersEvents}
        WHERE event_type = 'order_created' GROUP BY order_id
      ),
      pending_ids AS (
        SELECT order_id, count(*) AS n FROM (${this.dialect.pendingRawRows}) p
        WHERE event_type = 'order_created' GROUP BY order_id
      ),
      task_quarantined AS (
        SELECT DISTINCT order_id FROM ${T.quarantine} WHERE stage = 'task' AND order_id IS NOT NULL
      ),
      unmerged AS (
        SELECT r.order_id, r.n - coalesce(p.n, 0) AS consumed_rows
        FROM raw_ids r LEFT JOIN pending_ids p ON p.order_id = r.order_id
        WHERE NOT EXISTS (SELECT 1 FROM ${T.orders} o WHERE o.id = r.order_id)
          AND NOT EXISTS (SELECT 1 FROM task_quarantined q WHERE q.order_id = r.order_id)
      )
      SELECT
        (SELECT count(*) FROM raw_ids) AS raw_order_ids,
        (SELECT count(*) FROM raw_ids r
          WHERE EXISTS (SELECT 1 FROM task_quarantined q WHERE q.order_id = r.order_id)
            AND NOT EXISTS (SELECT 1 FROM ${T.orders} o WHERE o.id = r.order_id)) AS quarantined_order_ids,
        (SELECT count(*) FROM ${T.orders}) AS prod_orders,
        (SELECT count(*) FROM unmerged WHERE consumed_rows > 0) AS missing_from_prod,
        (SELECT count(*) FROM unmerged WHERE consumed_rows = 0) AS waiting_in_backlog,
        (SELECT count(*) FROM ${T.orders} o
          WHERE NOT EXISTS (SELECT 1 FROM raw_ids r WHERE r.order_id = o.id)) AS prod_without_raw,
        (SELECT count(*) FROM (${this.dialect.pendingRawRows}) b) AS backlog_rows`,
    );
  }

  /** duplicates: PROD ids stored twice; RAW events seen again; bus records stored twice. */
  duplicateCounts() {
    const { column } = this.dialect;
    return this.one<
      | 'prod_duplicate_ids'
      | 'prod_extra_rows'
      | 'raw_rows'
      | 'raw_duplicate_event_ids'
      | 'raw_redundant_rows'
      | 'raw_duplicate_bus_records'
    >(
      `SELECT
        (SELECT count(*) FROM (SELECT id FROM ${T.orders} GROUP BY id HAVING count(*) > 1) d) AS prod_duplicate_ids,
        (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${T.orders} GROUP BY id HAVING count(*) > 1) d) AS prod_extra_rows,
        (SELECT count(*) FROM ${T.ordersEvents}) AS raw_rows,
        (SELECT count(*) FROM (SELECT event_id FROM ${T.ordersEvents} GROUP BY event_id HAVING count(*) > 1) d) AS raw_duplicate_event_ids,
        (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${T.ordersEvents} GROUP BY event_id HAVING count(*) > 1) d) AS raw_redundant_rows,
        (SELECT count(*) FROM (SELECT topic FROM ${T.ordersEvents} WHERE ${column('offset')} IS NOT NULL
          GROUP BY topic, ${column('partition')}, ${column('offset')} HAVING count(*) > 1) d) AS raw_duplicate_bus_records`,
    );
  }

  /**
   * data_quality: nulls per required column, implausible values, orphan references. The
   * limits are those every reader applies (domain/order-rules.ts).
   */
  qualityCounts() {
    return this.one<
      | 'orders'
      | `null_${(typeof REQUIRED_ORDER_COLUMNS)[number]}`
      | 'non_positive_quantity'
      | 'negative_price'
      | 'future_sold_at'
      | 'price_differs_from_catalogue'
      | 'unknown_customer'
      | 'unknown_product'
    >(
      // The joins are on primary keys, so each order appears once (unless PROD itself holds
      // an id twice, which the duplicates check reports).
      `SELECT
        count(*) AS orders,
        ${REQUIRED_ORDER_COLUMNS.map((c) => `count(*) - count(o.${c}) AS null_${c}`).join(',\n        ')},
        sum(CASE WHEN o.quantity <= 0 THEN 1 ELSE 0 END) AS non_positive_quantity,
        sum(CASE WHEN o.unit_price < 0 THEN 1 ELSE 0 END) AS negative_price,
        sum(CASE WHEN o.sold_at > $latest THEN 1 ELSE 0 END) AS future_sold_at,
        sum(CASE WHEN p.id IS NOT NULL AND o.unit_price <> p.price THEN 1 ELSE 0 END) AS price_differs_from_catalogue,
        sum(CASE WHEN o.customer_id IS NOT NULL AND c.id IS NULL THEN 1 ELSE 0 END) AS unknown_customer,
        sum(CASE WHEN o.product_id IS NOT NULL AND p.id IS NULL THEN 1 ELSE 0 END) AS unknown_product
      FROM ${T.orders} o
      LEFT JOIN ${T.customers} c ON c.id = o.customer_id
      LEFT JOIN ${T.inventory} p ON p.id = o.product_id`,
      { latest: new Date(latestAcceptedTimestamp()) },
    );
  }

  /** recent_activity: RAW size, last arrival, rows that arrived since `since`. */
  recentActivity(since: Date) {
    return this.one<'raw_rows' | 'last_ingested_at' | 'rows_within_threshold'>(
      `SELECT count(*) AS raw_rows, max(ingested_at) AS last_ingested_at,
              coalesce(sum(CASE WHEN ingested_at >= $since THEN 1 ELSE 0 END), 0) AS rows_within_threshold
       FROM ${T.ordersEvents}`,
      { since },
    );
  }

  /**
   * messy_data: what RAW holds of the replayed orders (ids not LIKE `livePattern`; bad records
   * included): its rows, the rows beyond the first of their event id, and the lifecycle steps
   * that arrived late, i.e. whose first record came after the first record of a later step of
   * the same order (by bus offset: one order's records share a partition, keyed by its id).
   */
  messyDataCounts(livePattern: string) {
    const { column } = this.dialect;
    const rank = `CASE event_type WHEN 'order_paid' THEN 1 WHEN 'order_shipped' THEN 2
      WHEN 'order_cancelled' THEN 2 WHEN 'order_delivered' THEN 3 WHEN 'order_returned' THEN 4 END`;
    const replayed = `(order_id IS NULL OR order_id NOT LIKE $live)`;
    return this.one<'raw_rows' | 'raw_redundant_rows' | 'raw_late_steps'>(
      `WITH firsts AS (
        SELECT order_id, ${rank} AS step_rank, min(${column('offset')}) AS first_offset
        FROM ${T.ordersEvents}
        WHERE event_type IN ('order_paid', 'order_shipped', 'order_cancelled', 'order_delivered', 'order_returned')
          AND order_id NOT LIKE $live
        GROUP BY order_id, event_type
      )
      SELECT
        (SELECT count(*) FROM ${T.ordersEvents} WHERE ${replayed}) AS raw_rows,
        (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${T.ordersEvents}
          WHERE ${replayed} GROUP BY event_id HAVING count(*) > 1) d) AS raw_redundant_rows,
        (SELECT count(*) FROM firsts e WHERE EXISTS (SELECT 1 FROM firsts f
          WHERE f.order_id = e.order_id AND f.step_rank > e.step_rank AND f.first_offset < e.first_offset)) AS raw_late_steps`,
      { live: livePattern },
    );
  }

  /** dead_letters: quarantined events by stage (ingest, task). */
  deadLettersByStage() {
    return this.all<'stage' | 'n'>(
      `SELECT stage, count(*) AS n FROM ${T.quarantine} GROUP BY stage ORDER BY stage`,
    );
  }

  /** dead_letters: the most frequent reasons. */
  deadLettersByReason(limit: number) {
    return this.all<'reason' | 'n'>(
      `SELECT reason, count(*) AS n FROM ${T.quarantine}
       GROUP BY reason ORDER BY count(*) DESC, reason LIMIT ${Math.trunc(limit)}`,
    );
  }
}
