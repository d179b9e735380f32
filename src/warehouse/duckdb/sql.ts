/**
 * DuckDB dialect of the warehouse objects. Timestamps are TIMESTAMP holding UTC (Snowflake:
 * TIMESTAMP_NTZ); money is DECIMAL(12,2). RAW keeps the event as JSON plus the columns the
 * pipeline filters on (order id, bus coordinates, ingest sequence).
 */
import {
  BUS_OFFSETS_KEY,
  BusOffsetsTable,
  CustomersTable,
  InventoryInitialStock,
  InventorySupplyColumns,
  InventoryTable,
  OrderLifecycleColumns,
  OrdersTable,
  QuarantineTable,
  RawTable,
  SeedManifestTable,
} from '../../domain/table-columns.ts';
import { TASK_NAME, Tables as T } from '../../domain/tables.ts';
import { createTableSql, type DdlDialect } from '../ddl.ts';
import { lifecycleStatements, stockStatement } from '../lifecycle-sql.ts';

/** RAW columns added after the first release (older files get them by ALTER, in this order). */
const TYPED_AT_INGEST: readonly string[] = [
  'product_id',
  'customer_id',
  'quantity',
  'unit_price',
  'sold_at',
];

/** DuckDB's names for the logical column types. */
export const duckDbDialect: DdlDialect = {
  types: {
    text: 'VARCHAR',
    json: 'JSON',
    timestamp: 'TIMESTAMP',
    int32: 'INTEGER',
    int64: 'BIGINT',
    money: 'DECIMAL(12, 2)',
  },
  column: (name) => (name === 'partition' || name === 'offset' ? `"${name}"` : name),
};

/**
 * RAW's position, first in RAW and last in the quarantine: the emulated stream reads ranges of
 * it. It only grows, so DuckDB's per-row-group min/max lets a range scan skip old data without
 * an index (an ART index here would cost more on every append than it saves).
 */
const INGEST_SEQ = 'ingest_seq BIGINT';

export const DDL = [
  createTableSql(RawTable, duckDbDialect, {
    leading: [`${INGEST_SEQ} NOT NULL`],
    // FSST is what DuckDB picks for this JSON text anyway; naming it spares every checkpoint
    // trying the other string compressions (~10 % of the ingest's commit time, same file size).
    columnOptions: { payload: 'USING COMPRESSION fsst' },
  }),
  // Upgrade of a RAW table created before the typed columns: add them and fill them from the payload.
  ...RawTable.columns
    .filter((c) => TYPED_AT_INGEST.includes(c.name))
    .map(
      (c) =>
        `ALTER TABLE ${T.ordersEvents} ADD COLUMN IF NOT EXISTS ${c.name} ${duckDbDialect.types[c.type]}`,
    ),
  `UPDATE ${T.ordersEvents} SET
     product_id = json_extract_string(payload, '$.order.product_id'),
     customer_id = json_extract_string(payload, '$.order.customer_id'),
     quantity = CAST(json_extract(payload, '$.order.quantity') AS INTEGER),
     unit_price = CAST(json_extract_string(payload, '$.order.unit_price') AS DECIMAL(12, 2)),
     sold_at = CAST(json_extract_string(payload, '$.order.sold_at') AS TIMESTAMP)
   WHERE product_id IS NULL AND event_type = 'order_created'`,
  createTableSql(QuarantineTable, duckDbDialect, {
    trailing: [`${INGEST_SEQ} -- the RAW row of a dead letter of the task`],
  }),
  // One row per partition, upserted (the writer is this process alone).
  createTableSql(BusOffsetsTable, duckDbDialect, { primaryKey: BUS_OFFSETS_KEY }),
  createTableSql(CustomersTable, duckDbDialect),
  createTableSql(InventoryTable, duckDbDialect),
  // Upgrade of an inventory created before supplier costs: the columns, empty (costs unknown).
  ...InventorySupplyColumns.map(
    (c) =>
      `ALTER TABLE ${T.inventory} ADD COLUMN IF NOT EXISTS ${c.name} ${duckDbDialect.types[c.type]}`,
  ),
  // Upgrade of an inventory created before the stock followed the orders: its stock so far.
  `ALTER TABLE ${T.inventory} ADD COLUMN IF NOT EXISTS ${InventoryInitialStock.name} ${duckDbDialect.types[InventoryInitialStock.type]}`,
  `UPDATE ${T.inventory} SET initial_stock = stock_quantity WHERE initial_stock IS NULL`,
  createTableSql(OrdersTable, duckDbDialect),
  // Upgrade of orders created before the lifecycle: the columns, empty (status created).
  ...OrderLifecycleColumns.map(
    (c) =>
      `ALTER TABLE ${T.orders} ADD COLUMN IF NOT EXISTS ${c.name} ${duckDbDialect.types[c.type]}`,
  ),
  createTableSql(SeedManifestTable, duckDbDialect),
  `CREATE TABLE IF NOT EXISTS ${T.taskState} (
    task_name VARCHAR PRIMARY KEY,
    stream_offset BIGINT NOT NULL,     -- last RAW ingest_seq merged
    suspended BOOLEAN NOT NULL DEFAULT false,
    updated_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS ${T.taskHistory} (
    run_id BIGINT PRIMARY KEY,
    task_name VARCHAR NOT NULL,
    trigger VARCHAR NOT NULL,
    scheduled_time TIMESTAMP NOT NULL,
    query_start_time TIMESTAMP,
    completed_time TIMESTAMP,
    state VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_inserted BIGINT NOT NULL DEFAULT 0,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    rows_quarantined BIGINT NOT NULL DEFAULT 0,
    offset_from BIGINT NOT NULL DEFAULT 0,
    offset_to BIGINT NOT NULL DEFAULT 0,
    error_message VARCHAR
  )`,
  `INSERT INTO ${T.taskState} (task_name, stream_offset, updated_at)
     SELECT '${TASK_NAME}', 0, now()::TIMESTAMP WHERE NOT EXISTS (SELECT 1 FROM ${T.taskState} WHERE task_name = '${TASK_NAME}')`,
];

/**
 * The task's source: RAW rows of the stream range (typed columns written at ingest),
 * deduplicated by order id (latest event wins; ties → latest ingested), each marked with
 * whether its customer and product are known. Deduplicating here matters: a MERGE whose
 * source holds two rows for one key inserts both in Snowflake. The references are looked up
 * once, here, for both the quarantine and the MERGE; the payload is left in RAW (a quarantined
 * row fetches its own): copying it for every row was a third of the task's time.
 */
export const TASK_SOURCE = `
  CREATE OR REPLACE TEMP TABLE task_source AS
  SELECT s.*, c.id IS NOT NULL AS customer_known, p.id IS NOT NULL AS product_known
  FROM (
    SELECT
      order_id AS id, product_id, customer_id, quantity, unit_price, sold_at, ingested_at, event_id,
      created_at AS event_created_at, ingest_seq, topic, "partition", "offset"
    FROM ${T.ordersEvents}
    WHERE ingest_seq > $from AND ingest_seq <= $to AND event_type = 'order_created'
    QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY created_at DESC, ingest_seq DESC) = 1
  ) s
  LEFT JOIN ${T.customers} c ON c.id = s.customer_id
  LEFT JOIN ${T.inventory} p ON p.id = s.product_id`;

/** Orders whose customer or product is unknown go to quarantine, not PROD. */
export const TASK_QUARANTINE = `
  INSERT INTO ${T.quarantine}
  SELECT $now, 'task',
    CASE WHEN NOT s.customer_known THEN 'unknown_customer' ELSE 'unknown_product' END,
    CASE WHEN NOT s.customer_known THEN 'customer ' || s.customer_id || ' is not in customers'
         ELSE 'product ' || s.product_id || ' is not in inventory' END,
    s.event_id, s.id,
    (SELECT CAST(r.payload AS VARCHAR) FROM ${T.ordersEvents} r WHERE r.ingest_seq = s.ingest_seq),
    s.topic, s."partition", s."offset", s.ingest_seq
  FROM task_source s
  WHERE NOT (s.customer_known AND s.product_known)`;

/**
 * The incremental MERGE. An identical replayed order changes nothing (not even counted: the
 * run's updated rows are the changed ones).
 */
export const TASK_MERGE = `
  MERGE INTO ${T.orders} AS t
  USING (SELECT * FROM task_source WHERE customer_known AND product_known) AS s
  ON t.id = s.id
  WHEN MATCHED AND s.event_created_at > t.event_created_at
    AND (s.quantity <> t.quantity OR s.unit_price <> t.unit_price OR s.product_id <> t.product_id
         OR s.customer_id <> t.customer_id OR s.sold_at <> t.sold_at) THEN UPDATE SET
    product_id = s.product_id, customer_id = s.customer_id, quantity = s.quantity,
    unit_price = s.unit_price, sold_at = s.sold_at, event_id = s.event_id,
    event_created_at = s.event_created_at, merged_at = $now
  WHEN NOT MATCHED THEN INSERT
    (id, product_id, customer_id, quantity, unit_price, sold_at, ingested_at, event_id, event_created_at, merged_at, status)
    VALUES (s.id, s.product_id, s.customer_id, s.quantity, s.unit_price, s.sold_at, s.ingested_at,
            s.event_id, s.event_created_at, $now, 'created')`;

/** The lifecycle step of the task (../lifecycle-sql.ts), on the stream range's RAW rows. */
export const TASK_LIFECYCLE = lifecycleStatements({
  payloadText: (field) => `json_extract_string(e.payload, '$.${field}')`,
  newRaw: () =>
    `(SELECT * FROM ${T.ordersEvents} WHERE ingest_seq > $from AND ingest_seq <= $to) e`,
  storedOrder: 'e.ingest_seq',
  sourceExtra: ', e.ingest_seq AS ingest_key',
  rawValue: `(SELECT CAST(r.payload AS VARCHAR) FROM ${T.ordersEvents} r WHERE r.ingest_seq = s.ingest_key)`,
  quarantineExtra: { columns: ', ingest_seq', values: ', s.ingest_key' },
  now: '$now',
  column: (name) => `"${name}"`,
});

/** The stock step of the task (../lifecycle-sql.ts), for the products of the stream range's orders. */
export const TASK_STOCK = stockStatement(
  `(SELECT order_id FROM ${T.ordersEvents} WHERE ingest_seq > $from AND ingest_seq <= $to) e`,
);
