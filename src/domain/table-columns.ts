/**
 * The columns of every table both warehouses hold, defined once: each adapter turns these into
 * its DDL (with its own type names, warehouse/<adapter>/ddl) and its writers take their column
 * order from here. snowflake/02_create_tables.sql is checked against this file by a test.
 *
 * Types are logical: `money` is an exact decimal with 2 places (DuckDB DECIMAL(12,2),
 * Snowflake NUMBER(12,2)); `timestamp` holds UTC without a zone (TIMESTAMP / TIMESTAMP_NTZ);
 * `json` is the event as received (JSON / VARIANT).
 *
 * Tables only one warehouse needs (DuckDB's emulation of the stream and of TASK_HISTORY) are
 * not here: they live with that adapter.
 */
import type { DeadLetter } from '../warehouse/types.ts';
import { Tables } from './tables.ts';

export type ColumnType = 'text' | 'json' | 'timestamp' | 'int32' | 'int64' | 'money';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Why the column exists, for the DDL's comments. */
  readonly doc?: string;
}

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly primaryKey?: readonly string[];
}

const col = <N extends string>(
  name: N,
  type: ColumnType,
  nullable: boolean,
  doc?: string,
): ColumnDef & { readonly name: N } => ({
  name,
  type,
  nullable,
  doc,
});

/** RAW: one row per bus record, as received, plus its order's fields typed at ingest. */
export const RawTable = {
  name: Tables.ordersEvents,
  columns: [
    col('event_id', 'text', false),
    col('event_type', 'text', false),
    col('order_id', 'text', false),
    col('payload', 'json', false, 'the event exactly as received'),
    col('created_at', 'timestamp', true, "the event's own timestamp"),
    col('ingested_at', 'timestamp', false),
    col('topic', 'text', true, 'bus coordinates of the record'),
    col('partition', 'int32', true),
    col('offset', 'int64', true),
    // Typed at ingest so the task reads columns instead of parsing JSON for every row.
    col('product_id', 'text', true),
    col('customer_id', 'text', true),
    col('quantity', 'int32', true),
    col('unit_price', 'money', true),
    col('sold_at', 'timestamp', true),
  ],
} as const satisfies TableDef;

/** Dead letters: events that could not become PROD rows, with the reason (never dropped). */
export const QuarantineTable = {
  name: Tables.quarantine,
  columns: [
    col('quarantined_at', 'timestamp', false),
    col('stage', 'text', false, 'ingest (unreadable event) or task (unknown reference)'),
    col('reason', 'text', false),
    col('detail', 'text', true),
    col('event_id', 'text', true),
    col('order_id', 'text', true),
    col('raw_value', 'text', true, 'the value as text, its first 10,000 characters'),
    col('topic', 'text', true),
    col('partition', 'int32', true),
    col('offset', 'int64', true),
  ],
} as const satisfies TableDef;

/**
 * The consumer group's next bus offset per partition, stored in the same transaction as RAW
 * rows. A warehouse may keep one row per partition (DuckDB: an upsert on its primary key) or
 * append one per transaction and read the highest (Snowflake: inserts never wait on the locks
 * of a killed consumer's transaction, as an update would).
 */
export const BusOffsetsTable = {
  name: Tables.busOffsets,
  columns: [
    col('consumer_group', 'text', false),
    col('topic', 'text', false),
    col('partition', 'int32', false),
    col('next_offset', 'int64', false),
    col('updated_at', 'timestamp', false),
  ],
} as const satisfies TableDef;

/** The key of a bus offsets row where a warehouse keeps one row per partition. */
export const BUS_OFFSETS_KEY = ['consumer_group', 'topic', 'partition'] as const;

export const CustomersTable = {
  name: Tables.customers,
  columns: [
    col('id', 'text', false),
    col('name', 'text', false),
    col('email', 'text', false),
    col('city', 'text', true),
    col('country', 'text', true),
  ],
  primaryKey: ['id'],
} as const satisfies TableDef;

/**
 * The inventory's supplier and per-unit costs, added after the first release: nullable,
 * because inventory files written before them carry no costs (margin then unknown), and
 * `dropship setup` adds them to tables created before them.
 */
export const InventorySupplyColumns = [
  col('supplier_id', 'text', true, 'the dropshipping supplier that ships this product'),
  col('supplier_name', 'text', true),
  col('supplier_country', 'text', true),
  col('supplier_shipping_days', 'int32', true, 'typical days from order to delivery'),
  col('supplier_cost', 'money', true, 'what one unit costs the shop'),
  col('shipping_cost', 'money', true, 'shipping one unit to the customer, paid by the shop'),
] as const satisfies readonly ColumnDef[];

/**
 * The stock a product started with (inventory.csv's stock_quantity), from which the task
 * derives stock_quantity (domain/stock.ts). Added after the lifecycle: nullable, because
 * `dropship setup` adds it to tables created before it (filled with their stock_quantity).
 */
export const InventoryInitialStock = col(
  'initial_stock',
  'int32',
  true,
  "the product's stock before any order; stock_quantity = initial_stock - units reserved",
);

export const InventoryTable = {
  name: Tables.inventory,
  columns: [
    col('id', 'text', false),
    col('product_name', 'text', false),
    col('category', 'text', false),
    col('price', 'money', false),
    col('stock_quantity', 'int32', false),
    ...InventorySupplyColumns,
    InventoryInitialStock,
  ],
  primaryKey: ['id'],
} as const satisfies TableDef;

/**
 * An order's lifecycle in PROD (domain/lifecycle.ts), added after the first release: nullable,
 * because orders merged before it have none (their status is created), and `dropship setup`
 * adds them to tables created before them. Each step's time is its event's timestamp; the
 * task sets each at most once (the earliest event of that type) and derives the status from
 * them.
 */
export const OrderLifecycleColumns = [
  col('status', 'text', true, 'created, paid, shipped, delivered, cancelled or returned'),
  col('paid_at', 'timestamp', true),
  col('shipped_at', 'timestamp', true),
  col('delivered_at', 'timestamp', true),
  col('cancelled_at', 'timestamp', true),
  col('returned_at', 'timestamp', true),
  col('supplier_id', 'text', true, 'the supplier that shipped it (order_shipped)'),
  col('tracking_id', 'text', true),
  col('cancel_reason', 'text', true),
  col('return_reason', 'text', true),
] as const satisfies readonly ColumnDef[];

/**
 * PROD orders. No primary key: DuckDB keeps ART indexes in memory (memory would grow with the
 * orders) and Snowflake does not enforce one; one row per id is the task's job (dedupe + MERGE)
 * and validation's `duplicates` check proves it.
 */
export const OrdersTable = {
  name: Tables.orders,
  columns: [
    col('id', 'text', false),
    col('product_id', 'text', false),
    col('customer_id', 'text', false),
    col('quantity', 'int32', false),
    col('unit_price', 'money', false),
    col('sold_at', 'timestamp', false),
    col('ingested_at', 'timestamp', false),
    col('event_id', 'text', false),
    col(
      'event_created_at',
      'timestamp',
      true,
      'decides which event wins when an order is sent again',
    ),
    col('merged_at', 'timestamp', false),
    ...OrderLifecycleColumns,
  ],
} as const satisfies TableDef;

/**
 * The manifest of the data set loaded into the warehouse, stored when `setup` or `run` loads a
 * seed folder: validation reconciles against the data the warehouse actually holds, not
 * whatever manifest.json SEED_DIR holds today. A row is appended only when the manifest
 * differs from the latest one (so a restart adds nothing); the latest row is the data set.
 */
export const SeedManifestTable = {
  name: Tables.seedManifest,
  columns: [
    col('load_id', 'text', false, 'new for each different data set loaded'),
    col('loaded_at', 'timestamp', false),
    col('seed_dir', 'text', false, 'the folder it was loaded from, absolute'),
    col(
      'manifest_sha256',
      'text',
      false,
      "of the manifest's files and totals: same data, same hash",
    ),
    col('manifest', 'text', false, 'manifest.json as loaded'),
  ],
} as const satisfies TableDef;

/** Every table both warehouses create, in creation order. */
export const SharedTables = [
  RawTable,
  QuarantineTable,
  BusOffsetsTable,
  CustomersTable,
  InventoryTable,
  OrdersTable,
  SeedManifestTable,
] as const;

type ColumnName<T extends TableDef> = T['columns'][number]['name'];
export type QuarantineColumn = ColumnName<typeof QuarantineTable>;
export type RawColumn = ColumnName<typeof RawTable>;
export type SeedManifestColumn = ColumnName<typeof SeedManifestTable>;

/** A value of a quarantine row; timestamps as ms since the epoch. */
export type QuarantineValue = string | number | bigint | null;

/**
 * A dead letter of the ingest as a quarantine row, by column name: every writer takes the
 * values in QuarantineTable's column order from here.
 */
export function quarantineRow(
  d: DeadLetter,
  quarantinedAtMs: number,
): Record<QuarantineColumn, QuarantineValue> {
  return {
    quarantined_at: quarantinedAtMs,
    stage: 'ingest',
    reason: d.reason,
    detail: d.detail,
    event_id: d.eventId,
    order_id: d.orderId,
    raw_value: d.rawValue,
    topic: d.coordinates?.topic ?? null,
    partition: d.coordinates?.partition ?? null,
    offset: d.coordinates?.offset ?? null,
  };
}

/** Column names of a table in its order. */
export function columnNames(table: TableDef): string[] {
  return table.columns.map((c) => c.name);
}
