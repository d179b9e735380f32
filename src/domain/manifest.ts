/**
 * manifest.json: what was generated and the control totals the pipeline is reconciled against.
 * It is written last, so its presence means the seed files are complete.
 */
import { z } from 'zod';

/**
 * The supplier cost, shipping cost and gross margin of all the orders (DESIGN: money to the
 * cent, as text and as integer cents like revenue). Gross margin = revenue − supplier cost −
 * shipping cost; net margin after cancellations and returns (domain/margin.ts). null: some ordered product has no known cost (an inventory file from before
 * costs existed), so no margin is claimed; absent: a manifest written before costs existed.
 */
export const MarginTotalsSchema = z.object({
  supplier_cost: z.string(),
  supplier_cost_cents: z.number().int(),
  shipping_cost: z.string(),
  shipping_cost_cents: z.number().int(),
  gross_margin: z.string(),
  gross_margin_cents: z.number().int(),
  /**
   * Net of cancellations and returns (domain/margin.ts): the shipping cost of the returned
   * orders, and the net margin. Absent: a manifest without the lifecycle (or from before net
   * margins).
   */
  returned_shipping_cost: z.string().optional(),
  returned_shipping_cost_cents: z.number().int().optional(),
  net_margin: z.string().optional(),
  net_margin_cents: z.number().int().optional(),
});

export type MarginTotals = z.infer<typeof MarginTotalsSchema>;

/**
 * The lifecycle's control totals (domain/lifecycle.ts): events per type (order_created
 * included), orders per final status, and revenue net of cancelled and returned orders.
 * Absent: a manifest written before the lifecycle (its orders stay `created`).
 */
export const LifecycleTotalsSchema = z.object({
  events: z.record(z.string(), z.number().int()),
  final_status: z.record(z.string(), z.number().int()),
  returned_revenue: z.string(),
  returned_revenue_cents: z.number().int(),
  cancelled_revenue: z.string(),
  cancelled_revenue_cents: z.number().int(),
  net_revenue: z.string(),
  net_revenue_cents: z.number().int(),
});

export type LifecycleTotals = z.infer<typeof LifecycleTotalsSchema>;

/**
 * What the messy-data knobs (generator/messy-data.ts) put in the published stream, and what
 * the pipeline must then hold, exactly. Absent: no knob was set (a clean seed).
 */
export const MessyDataTotalsSchema = z.object({
  /** Bounds of the knobs, in rows of the file the row is moved in. */
  late_max_distance: z.number().int(),
  duplicate_max_distance: z.number().int(),
  /** Lifecycle steps published after a later step of their own order. */
  late_events: z.number().int(),
  /** Rows written twice: creations (orders.csv) and lifecycle steps (order_events.csv). */
  duplicate_events: z.object({ order_created: z.number().int(), lifecycle: z.number().int() }),
  /** Invalid records of bad_events.jsonl, by the reason of the dead letter each must become. */
  bad_events: z.number().int(),
  bad_events_by_reason: z.record(z.string(), z.number().int()),
  expected: z.object({
    /** Bus records a replay of the seed publishes (every row of the three event files). */
    published_records: z.number().int(),
    /** RAW rows: every record as received, except those the ingest refuses. */
    raw_rows: z.number().int(),
    prod_orders: z.number().int(),
    dead_letters: z.number().int(),
    dead_letters_by_reason: z.record(z.string(), z.number().int()),
    /** RAW rows beyond the first of their event id, which the task absorbs. */
    duplicates_absorbed: z.number().int(),
    late_events: z.number().int(),
  }),
});

export type MessyDataTotals = z.infer<typeof MessyDataTotalsSchema>;

/**
 * The stock's control totals (the stock rule: domain/stock.ts). An order reserves its quantity
 * of its product's stock from its creation until it is cancelled or returned; an order that
 * finds too little stock is cancelled as out of stock and reserves nothing. Initial stock is
 * inventory.csv's stock_quantity; final stock is what is left at the end of the period, per
 * product in stock.csv (SeedFiles.stock). `final_sha256` is the SHA-256 of the lines
 * `<product_id>,<final_stock>\n` of every product sorted by id (byte order), so a warehouse's
 * PROD stock can be reconciled per product from the manifest alone. Absent: a manifest
 * written before the stock followed the orders.
 */
export const StockTotalsSchema = z.object({
  initial_units: z.number().int(),
  final_units: z.number().int(),
  /** Units reserved at the end of the period (initial − final). */
  reserved_units: z.number().int(),
  /** Orders that found too little stock at their creation: cancelled as out of stock at checkout. */
  out_of_stock_orders: z.number().int(),
  /** Products with no stock left at the end of the period. */
  products_sold_out: z.number().int(),
  final_sha256: z.string(),
});

export type StockTotals = z.infer<typeof StockTotalsSchema>;

export const ManifestSchema = z.object({
  generator: z.literal('dropship-pipeline'),
  format_version: z.literal(1),
  arguments: z.object({
    customers: z.number().int(),
    products: z.number().int(),
    orders: z.number().int(),
    seed: z.number().int(),
    start: z.string(),
    end: z.string(),
    /** The messy-data knobs (generate --late-ratio …); absent: 0. */
    late_ratio: z.number().optional(),
    duplicate_ratio: z.number().optional(),
    bad_ratio: z.number().optional(),
  }),
  /** Written by the pipeline for CSVs it did not generate (their totals computed from them). */
  built_from_files: z.boolean().optional(),
  files: z.record(
    z.string(),
    z.object({ rows: z.number().int(), bytes: z.number().int(), sha256: z.string() }),
  ),
  totals: z.object({
    customers: z.number().int(),
    products: z.number().int(),
    orders: z.number().int(),
    items_sold: z.number().int(),
    revenue: z.string(),
    revenue_cents: z.number().int(),
    first_sold_at: z.string().nullable(),
    last_sold_at: z.string().nullable(),
    margin: MarginTotalsSchema.nullable().optional(),
    lifecycle: LifecycleTotalsSchema.optional(),
    stock: StockTotalsSchema.optional(),
    messy_data: MessyDataTotalsSchema.optional(),
  }),
});

export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * The records a replay of the seed publishes: one per order, then its lifecycle steps (and,
 * with messy data, the duplicates and the bad records).
 */
export function replayedEvents(manifest: Manifest): number {
  const messy = manifest.totals.messy_data;
  if (messy) return messy.expected.published_records;
  const events = manifest.totals.lifecycle?.events ?? {};
  let steps = 0;
  for (const [type, n] of Object.entries(events)) if (type !== 'order_created') steps += n;
  return manifest.totals.orders + steps;
}
