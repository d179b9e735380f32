/**
 * One refresh of the dashboard: a handful of the warehouse's named reads (small aggregates:
 * GROUP BY runs in the warehouse, only results come back), turned into the JSON the API
 * serves. Time windows are computed here and passed in, so a test can fix the clock.
 *
 * A snapshot is cached for about a second and shared by concurrent requests, so ten open
 * tabs cost the warehouse the same as one.
 */
import type { PipelineStats } from '../pipeline/stats.ts';
import type { TaskRun, Warehouse } from '../warehouse/types.ts';
import { ratePerMinute, type RatePoint, type RateRing } from './ingest-rate.ts';
import { latestValidation, type ValidationStatus } from './validation-report.ts';
import { grossMarginCents, marginRate, netMarginOf } from '../domain/margin.ts';
import { cents, count, euros, isoDay, isoTimestamp, text } from '../domain/values.ts';
import type { WarehouseReads } from '../warehouse/reads.ts';

const DAY_MS = 86_400_000;
/** Minutes of RAW history shown by the ingest-rate chart when no live counters exist. */
const RATE_WINDOW_MINUTES = 60;

export interface Kpis {
  total_orders: number;
  /** Sum of quantity × unit_price over PROD orders, in euros, rounded to the cent. */
  total_revenue: number;
  average_order_value: number;
  /** Orders the pipeline received (orders.ingested_at) in the 24 h before `generated_at`. */
  orders_last_24h: number;
  revenue_last_24h: number;
  /** Orders sold (orders.sold_at) in the 24 h before `generated_at`; 0 for replayed history. */
  orders_last_24h_by_sale_time: number;
  revenue_last_24h_by_sale_time: number;
  /** Customers in the customers table (the catalogue side, not buyers). */
  customers: number;
  /** Products in the inventory table (the catalogue side, not products sold). */
  products: number;
  /** Distinct customers with an order in PROD. */
  buyers: number;
  /** Distinct products with an order in PROD. */
  products_sold: number;
  first_sale_at: string | null;
  last_sale_at: string | null;
  last_ingested_at: string | null;
  /**
   * Revenue − supplier cost − shipping cost of the orders whose product has known costs
   * (inventory), in euros; null when no order has known costs (an inventory loaded from a file
   * without them). Orders without known cost are counted in `orders_without_cost`, not here.
   */
  gross_margin: number | null;
  /** gross_margin ÷ the revenue of the same orders (0.42 = 42 %), 4 decimals; null as above. */
  margin_rate: number | null;
  /** What the costed orders cost the shop: supplier price and shipping, in euros. */
  supplier_cost: number | null;
  shipping_cost: number | null;
  /** PROD orders whose product has no known supplier or shipping cost (left out of the margin). */
  orders_without_cost: number;
  /**
   * What the shop keeps after cancellations and returns (domain/margin.ts): the gross margin
   * of the costed orders neither cancelled nor returned, minus the returned ones' shipping, in
   * euros; null as gross_margin.
   */
  net_margin: number | null;
  /** net_margin ÷ the revenue of the same kept orders, 4 decimals; null as above or without it. */
  net_margin_rate: number | null;
}

/**
 * The order funnel (domain/lifecycle.ts): PROD orders that reached each step (created = all),
 * and the revenue the shop keeps, net of cancelled and returned orders.
 */
export interface Funnel {
  created: number;
  paid: number;
  shipped: number;
  delivered: number;
  cancelled: number;
  returned: number;
  /** returned ÷ delivered, 4 decimals; null before any delivery. */
  return_rate: number | null;
  /** Revenue of the orders neither cancelled nor returned, in euros. */
  net_revenue: number;
}

/**
 * Returns: returned ÷ delivered orders (delivered = reached delivery, returned ones included,
 * as in the funnel), by the product's category and by the reason the customer gave.
 */
export interface Returns {
  by_category: {
    category: string;
    delivered: number;
    returned: number;
    /** returned ÷ delivered, 4 decimals. */
    return_rate: number;
    /** Revenue of the returned orders, in euros. */
    returned_revenue: number;
  }[];
  /** Most frequent first. */
  by_reason: {
    reason: string;
    returned: number;
    /** This reason's returns ÷ all returns, 4 decimals. */
    share_of_returns: number;
    /** This reason's returns ÷ all delivered orders, 4 decimals (they add up to the return rate). */
    return_rate: number | null;
  }[];
}

/**
 * Delivery time of one supplier's delivered orders (the supplier that shipped them), in days
 * (2 decimals): from the sale (sold_at) to delivered_at — what the customer waits — and the
 * carrier's part, from shipped_at to delivered_at. Median and 90th percentile, interpolated.
 */
export interface SupplierDelivery {
  supplier_id: string;
  supplier_name: string | null;
  supplier_country: string | null;
  /** The supplier's typical days from order to delivery (inventory), to compare with. */
  typical_days: number | null;
  delivered: number;
  median_days: number;
  p90_days: number;
  median_transit_days: number;
  p90_transit_days: number;
}

/**
 * Units at or below which a product counts as low on stock (above 0: out of stock). A fixed
 * number for now: a dozen units is about a week of a best-seller's sales in the generated shop.
 */
export const LOW_STOCK_THRESHOLD = 10;
/** Low-stock products listed, fewest units first. */
const LOW_STOCK_LISTED = 10;

/** PROD inventory's stock_quantity, which follows the order events. */
export interface Stock {
  /** LOW_STOCK_THRESHOLD: at most this many units (and more than 0) is low. */
  low_stock_threshold: number;
  products: number;
  /** Units in stock over all products. */
  units: number;
  /** Products with no unit left (0 or less). */
  out_of_stock: number;
  /** Products with 1 to low_stock_threshold units. */
  low_stock: number;
  /** The out-of-stock and low-stock products, fewest units first (at most 10). */
  lowest: {
    product_id: string;
    product_name: string | null;
    category: string | null;
    supplier_name: string | null;
    stock_quantity: number;
    /** Units of this product in PROD orders not cancelled. */
    units_sold: number;
  }[];
}

/** Margin of the orders of one supplier (orders with known costs). */
export interface SupplierMargin {
  supplier_id: string;
  supplier_name: string | null;
  supplier_country: string | null;
  orders: number;
  units: number;
  revenue: number;
  supplier_cost: number;
  shipping_cost: number;
  gross_margin: number;
  /** gross_margin ÷ revenue, 4 decimals; null without revenue. */
  margin_rate: number | null;
}

export interface ProductRank {
  product_id: string;
  product_name: string | null;
  category: string | null;
  units: number;
  orders: number;
  revenue: number;
}

export interface RecentOrder {
  id: string;
  product_id: string;
  product_name: string | null;
  category: string | null;
  customer_id: string;
  customer_name: string | null;
  city: string | null;
  country: string | null;
  quantity: number;
  unit_price: number;
  amount: number;
  sold_at: string | null;
  ingested_at: string | null;
}

export interface CategorySales {
  category: string;
  orders: number;
  units: number;
  revenue: number;
}

export interface Timeseries {
  /** Orders and revenue per day of sale (UTC). */
  daily: { day: string; orders: number; revenue: number }[];
  ingest_rate: {
    /** `live`: this process's ingest counters, sampled every second; `warehouse`: RAW rows per minute. */
    source: 'live' | 'warehouse';
    unit: 'events/s';
    points: RatePoint[];
  };
}

export interface Health {
  warehouse: string;
  raw_rows: number;
  prod_orders: number;
  /** RAW rows not yet merged into PROD by the task (the stream's content). */
  backlog: number;
  /** Records on the bus not yet ingested; null when unknown (`monitor` without Kafka). */
  consumer_lag: number | null;
  ingest_rate: number | null;
  /** Bytes the warehouse engine holds in this process (DuckDB); null for Snowflake. */
  engine_memory_bytes: number | null;
  last_task_run: Pick<
    TaskRun,
    | 'runId'
    | 'state'
    | 'trigger'
    | 'scheduledTime'
    | 'completedTime'
    | 'rowsRead'
    | 'rowsInserted'
    | 'rowsUpdated'
    | 'rowsQuarantined'
    | 'errorMessage'
  > | null;
  /** Runs recorded in task_history, by state. */
  task_runs: Record<string, number>;
  dead_letters: { total: number; top_reasons: { reason: string; stage: string; count: number }[] };
  freshness: {
    last_ingested_at: string | null;
    age_seconds: number | null;
    threshold_seconds: number;
    stale: boolean;
  };
  validation: ValidationStatus | null;
}

export interface Snapshot {
  generated_at: string;
  kpis: Kpis;
  top_products: { by_volume: ProductRank[]; by_revenue: ProductRank[] };
  recent_orders: RecentOrder[];
  timeseries: Timeseries;
  categories: CategorySales[];
  /** Margin by supplier, largest revenue first. */
  suppliers: SupplierMargin[];
  funnel: Funnel;
  returns: Returns;
  /** Delivery time by supplier, fastest median first. */
  delivery: SupplierDelivery[];
  stock: Stock;
  health: Health;
}

export interface SnapshotSources {
  warehouse: Warehouse;
  reportsDir: string;
  freshnessThresholdMs: number;
  stats?: PipelineStats;
  rates?: RateRing;
  /** Consumer lag: the pipeline's last reading, or asked from the consumer. */
  lag?: () => Promise<number | null>;
}

function productRank(r: Record<string, unknown>): ProductRank {
  return {
    product_id: String(r.product_id),
    product_name: text(r.product_name),
    category: text(r.category),
    units: count(r.units),
    orders: count(r.order_count),
    revenue: euros(r.revenue),
  };
}

function funnelOf(
  row: Awaited<ReturnType<WarehouseReads['lifecycleCounts']>>,
  revenue: unknown,
): Funnel {
  const delivered = count(row.reached_delivered);
  const returned = count(row.reached_returned);
  const net = cents(revenue) - cents(row.returned_revenue) - cents(row.cancelled_revenue);
  return {
    created: count(row.orders),
    paid: count(row.reached_paid),
    shipped: count(row.reached_shipped),
    delivered,
    cancelled: count(row.reached_cancelled),
    returned,
    return_rate: share(returned, delivered),
    net_revenue: Number(net) / 100,
  };
}

/** A share to 4 decimals (0.2222); null without a denominator. */
function share(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/** Seconds (a percentile, maybe fractional) as days to 2 decimals. */
const days = (seconds: unknown) => Math.round((Number(seconds) / 86_400) * 100) / 100;

function returnsOf(
  byCategory: Awaited<ReturnType<WarehouseReads['returnsByCategory']>>,
  byReason: Awaited<ReturnType<WarehouseReads['returnsByReason']>>,
): Returns {
  const returns = byReason.reduce((n, r) => n + count(r.returned), 0);
  return {
    by_category: byCategory.map((r) => ({
      category: String(r.category),
      delivered: count(r.delivered),
      returned: count(r.returned),
      return_rate: share(count(r.returned), count(r.delivered)) ?? 0,
      returned_revenue: euros(r.returned_revenue),
    })),
    by_reason: byReason.map((r) => ({
      reason: String(r.reason),
      returned: count(r.returned),
      share_of_returns: share(count(r.returned), returns) ?? 0,
      return_rate: share(count(r.returned), count(r.delivered)),
    })),
  };
}

/** Money figures of a margin row, exact in cents until they become JSON euros. */
function marginFigures(row: { revenue: unknown; supplier_cost: unknown; shipping_cost: unknown }) {
  const revenue = cents(row.revenue);
  const supplier = cents(row.supplier_cost);
  const shipping = cents(row.shipping_cost);
  const margin = grossMarginCents(revenue, supplier, shipping);
  const rate = marginRate(margin, revenue);
  return {
    revenue: Number(revenue) / 100,
    supplier_cost: Number(supplier) / 100,
    shipping_cost: Number(shipping) / 100,
    gross_margin: Number(margin) / 100,
    margin_rate: rate === null ? null : Math.round(rate * 10_000) / 10_000,
  };
}

export async function loadSnapshot(sources: SnapshotSources, now = new Date()): Promise<Snapshot> {
  const { warehouse } = sources;
  const { reads } = warehouse;
  const since = new Date(now.getTime() - DAY_MS);

  const k = await reads.salesKpis(since, now);
  const c = await reads.tableCounts();
  const byVolume = (await reads.topProducts('units', 5)).map(productRank);
  const byRevenue = (await reads.topProducts('revenue', 5)).map(productRank);
  const recent = await reads.latestOrders(20);
  const daily = await reads.dailySales();
  const categories = await reads.categorySales();
  const margins = await reads.marginTotals();
  const bySupplier = await reads.marginBySupplier();
  const lifecycle = await reads.lifecycleCounts();
  const returnsByCategory = await reads.returnsByCategory();
  const returnsByReason = await reads.returnsByReason();
  const delivery = await reads.deliveryTimeBySupplier();
  const stock = await reads.stockLevels(LOW_STOCK_THRESHOLD);
  const lowest = await reads.lowStockProducts(LOW_STOCK_THRESHOLD, LOW_STOCK_LISTED);
  const reasons = await reads.deadLetterReasons(5);
  const summary = await warehouse.taskSummary();
  const [lastRun] = await warehouse.taskHistory(1);
  const backlog = await warehouse.streamBacklog();
  const engineMemory = await warehouse.engineMemoryBytes();

  let ratePoints: RatePoint[];
  if (sources.rates) {
    ratePoints = sources.rates.snapshot();
  } else {
    const windowStart = new Date(
      Math.floor(now.getTime() / 60_000) * 60_000 - (RATE_WINDOW_MINUTES - 1) * 60_000,
    );
    const perMinute = await reads.ingestPerMinute(windowStart, now);
    ratePoints = ratePerMinute(
      perMinute.map((r) => ({ minute: isoTimestamp(r.minute_start) ?? '', events: count(r.n) })),
      now,
      RATE_WINDOW_MINUTES,
    );
  }

  const lag = sources.lag ? await sources.lag().catch(() => null) : null;
  const loaded = await warehouse.loadedManifest();
  const validation = await latestValidation(sources.reportsDir, {
    description: warehouse.describe(),
    load_id: loaded?.loadId ?? null,
  });

  const totalOrders = count(k.total_orders);
  const withoutCost = count(margins.orders_without_cost);
  const costed = totalOrders - withoutCost > 0;
  const margin = marginFigures({
    revenue: margins.costed_revenue,
    supplier_cost: margins.supplier_cost,
    shipping_cost: margins.shipping_cost,
  });
  const net = netMarginOf(margins);
  const totalRevenue = euros(k.total_revenue);
  const lastIngestedAt = isoTimestamp(c.last_ingested_at);
  const ageSeconds =
    lastIngestedAt === null
      ? null
      : Math.max(0, Math.round((now.getTime() - Date.parse(lastIngestedAt)) / 1000));
  const thresholdSeconds = Math.round(sources.freshnessThresholdMs / 1000);

  return {
    generated_at: now.toISOString(),
    kpis: {
      total_orders: totalOrders,
      total_revenue: totalRevenue,
      average_order_value: totalOrders > 0 ? euros(totalRevenue / totalOrders) : 0,
      orders_last_24h: count(k.orders_ingested_24h),
      revenue_last_24h: euros(k.revenue_ingested_24h),
      orders_last_24h_by_sale_time: count(k.orders_sold_24h),
      revenue_last_24h_by_sale_time: euros(k.revenue_sold_24h),
      customers: count(c.customers),
      products: count(c.products),
      buyers: count(k.buyers),
      products_sold: count(k.products_sold),
      first_sale_at: isoTimestamp(k.first_sale_at),
      last_sale_at: isoTimestamp(k.last_sale_at),
      last_ingested_at: lastIngestedAt,
      gross_margin: costed ? margin.gross_margin : null,
      margin_rate: costed ? margin.margin_rate : null,
      supplier_cost: costed ? margin.supplier_cost : null,
      shipping_cost: costed ? margin.shipping_cost : null,
      orders_without_cost: withoutCost,
      net_margin: costed ? Number(net.netMarginCents) / 100 : null,
      net_margin_rate: costed && net.rate !== null ? Math.round(net.rate * 10_000) / 10_000 : null,
    },
    top_products: { by_volume: byVolume, by_revenue: byRevenue },
    recent_orders: recent.map((r) => ({
      id: String(r.id),
      product_id: String(r.product_id),
      product_name: text(r.product_name),
      category: text(r.category),
      customer_id: String(r.customer_id),
      customer_name: text(r.customer_name),
      city: text(r.city),
      country: text(r.country),
      quantity: count(r.quantity),
      unit_price: euros(r.unit_price),
      amount: euros(r.amount),
      sold_at: isoTimestamp(r.sold_at),
      ingested_at: isoTimestamp(r.ingested_at),
    })),
    timeseries: {
      daily: daily.map((r) => ({
        day: isoDay(r.sale_day),
        orders: count(r.order_count),
        revenue: euros(r.revenue),
      })),
      ingest_rate: {
        source: sources.rates ? 'live' : 'warehouse',
        unit: 'events/s',
        points: ratePoints,
      },
    },
    categories: categories.map((r) => ({
      category: String(r.category),
      orders: count(r.order_count),
      units: count(r.units),
      revenue: euros(r.revenue),
    })),
    funnel: funnelOf(lifecycle, k.total_revenue),
    suppliers: bySupplier.map((r) => ({
      supplier_id: String(r.supplier_id),
      supplier_name: text(r.supplier_name),
      supplier_country: text(r.supplier_country),
      orders: count(r.order_count),
      units: count(r.units),
      ...marginFigures(r),
    })),
    returns: returnsOf(returnsByCategory, returnsByReason),
    delivery: delivery.map((r) => ({
      supplier_id: String(r.supplier_id),
      supplier_name: text(r.supplier_name),
      supplier_country: text(r.supplier_country),
      typical_days:
        text(r.supplier_shipping_days) === null ? null : count(r.supplier_shipping_days),
      delivered: count(r.delivered),
      median_days: days(r.median_seconds),
      p90_days: days(r.p90_seconds),
      median_transit_days: days(r.median_transit_seconds),
      p90_transit_days: days(r.p90_transit_seconds),
    })),
    stock: {
      low_stock_threshold: LOW_STOCK_THRESHOLD,
      products: count(stock.products),
      units: count(stock.units),
      out_of_stock: count(stock.out_of_stock),
      low_stock: count(stock.low_stock),
      lowest: lowest.map((r) => ({
        product_id: String(r.product_id),
        product_name: text(r.product_name),
        category: text(r.category),
        supplier_name: text(r.supplier_name),
        stock_quantity: count(r.stock_quantity),
        units_sold: count(r.units_sold),
      })),
    },
    health: {
      warehouse: warehouse.describe(),
      raw_rows: count(c.raw_rows),
      prod_orders: totalOrders,
      backlog,
      consumer_lag: lag,
      engine_memory_bytes: engineMemory,
      ingest_rate: sources.stats
        ? Math.round(sources.stats.ingestRate(now.getTime()) * 100) / 100
        : null,
      last_task_run: lastRun
        ? {
            runId: lastRun.runId,
            state: lastRun.state,
            trigger: lastRun.trigger,
            scheduledTime: lastRun.scheduledTime,
            completedTime: lastRun.completedTime,
            rowsRead: lastRun.rowsRead,
            rowsInserted: lastRun.rowsInserted,
            rowsUpdated: lastRun.rowsUpdated,
            rowsQuarantined: lastRun.rowsQuarantined,
            errorMessage: lastRun.errorMessage,
          }
        : null,
      task_runs: summary.runs,
      dead_letters: {
        total: count(c.dead_letters),
        top_reasons: reasons.map((r) => ({
          reason: String(r.reason),
          stage: String(r.stage),
          count: count(r.n),
        })),
      },
      freshness: {
        last_ingested_at: lastIngestedAt,
        age_seconds: ageSeconds,
        threshold_seconds: thresholdSeconds,
        stale: ageSeconds !== null && ageSeconds > thresholdSeconds,
      },
      validation,
    },
  };
}

/**
 * Caches the last snapshot (or failure) for `ttlMs` after it completes; callers arriving while
 * a refresh runs share it, so a slow warehouse never gets overlapping refreshes.
 */
export class SnapshotCache {
  private last: { doneAt: number; result: Promise<Snapshot> } | undefined;
  private inFlight: Promise<Snapshot> | undefined;

  constructor(
    private readonly load: () => Promise<Snapshot>,
    private readonly ttlMs = 1_000,
  ) {}

  get(): Promise<Snapshot> {
    if (this.inFlight) return this.inFlight;
    if (this.last && Date.now() - this.last.doneAt < this.ttlMs) return this.last.result;
    const result = this.load();
    this.inFlight = result;
    const settle = () => {
      this.last = { doneAt: Date.now(), result };
      this.inFlight = undefined;
    };
    result.then(settle, settle);
    return result;
  }
}
