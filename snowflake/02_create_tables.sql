-- RAW, dead letters, bus offsets and PROD, in the schema of 01.
-- These statements are the columns of src/domain/table-columns.ts in Snowflake's types (a test
-- compares them): change both together.
USE SCHEMA ma_base.mon_schema;

-- RAW: one row per bus record, the event as received (VARIANT), its bus coordinates, and
-- the order's fields typed at ingest so the task reads columns instead of parsing JSON.
CREATE TABLE IF NOT EXISTS orders_events (
  event_id VARCHAR NOT NULL,
  event_type VARCHAR NOT NULL,
  order_id VARCHAR NOT NULL,
  payload VARIANT NOT NULL,
  created_at TIMESTAMP_NTZ,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  topic VARCHAR,
  "PARTITION" INTEGER,
  "OFFSET" BIGINT,
  product_id VARCHAR,
  customer_id VARCHAR,
  quantity INTEGER,
  unit_price NUMBER(12, 2),
  sold_at TIMESTAMP_NTZ
);

-- Dead letters: events that cannot become PROD rows, with the reason. Never dropped.
CREATE TABLE IF NOT EXISTS orders_quarantine (
  quarantined_at TIMESTAMP_NTZ NOT NULL,
  stage VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  detail VARCHAR,
  event_id VARCHAR,
  order_id VARCHAR,
  raw_value VARCHAR,
  topic VARCHAR,
  "PARTITION" INTEGER,
  "OFFSET" BIGINT
);

-- The consumer group's next offset per partition, appended in the same transaction as the RAW
-- rows: a record delivered again after a crash is recognised and skipped.
CREATE TABLE IF NOT EXISTS bus_offsets (
  consumer_group VARCHAR NOT NULL,
  topic VARCHAR NOT NULL,
  "PARTITION" INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  updated_at TIMESTAMP_NTZ NOT NULL
);

-- PROD reference data, loaded by `dropship setup` from the generated CSVs (upsert by id).
-- inventory carries each product's dropshipping supplier and per-unit costs (NULL: unknown).
CREATE TABLE IF NOT EXISTS customers (
  id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  email VARCHAR NOT NULL,
  city VARCHAR,
  country VARCHAR,
  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS inventory (
  id VARCHAR NOT NULL,
  product_name VARCHAR NOT NULL,
  category VARCHAR NOT NULL,
  price NUMBER(12, 2) NOT NULL,
  stock_quantity INTEGER NOT NULL,
  supplier_id VARCHAR,
  supplier_name VARCHAR,
  supplier_country VARCHAR,
  supplier_shipping_days INTEGER,
  supplier_cost NUMBER(12, 2),
  shipping_cost NUMBER(12, 2),
  initial_stock INTEGER,
  PRIMARY KEY (id)
);

-- An inventory created before supplier costs gets their columns, empty (costs unknown until
-- the inventory is loaded again from a file that has them).
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS supplier_id VARCHAR;
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS supplier_name VARCHAR;
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS supplier_country VARCHAR;
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS supplier_shipping_days INTEGER;
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS supplier_cost NUMBER(12, 2);
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS shipping_cost NUMBER(12, 2);

-- An inventory created before the stock followed the orders gets initial_stock: its stock so
-- far (the task derives stock_quantity from it, src/domain/stock.ts).
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS initial_stock INTEGER;
UPDATE inventory SET initial_stock = stock_quantity WHERE initial_stock IS NULL;

-- PROD: one row per order. Snowflake does not enforce keys: the task's dedupe does, and
-- `dropship validate` (duplicates) proves it.
CREATE TABLE IF NOT EXISTS orders (
  id VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price NUMBER(12, 2) NOT NULL,
  sold_at TIMESTAMP_NTZ NOT NULL,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  event_id VARCHAR NOT NULL,
  event_created_at TIMESTAMP_NTZ,
  merged_at TIMESTAMP_NTZ NOT NULL,
  status VARCHAR,
  paid_at TIMESTAMP_NTZ,
  shipped_at TIMESTAMP_NTZ,
  delivered_at TIMESTAMP_NTZ,
  cancelled_at TIMESTAMP_NTZ,
  returned_at TIMESTAMP_NTZ,
  supplier_id VARCHAR,
  tracking_id VARCHAR,
  cancel_reason VARCHAR,
  return_reason VARCHAR
);
-- The lifecycle columns of an orders table created before them (NULL: status created).
ALTER TABLE orders ADD COLUMN IF NOT EXISTS status VARCHAR;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS paid_at TIMESTAMP_NTZ;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS shipped_at TIMESTAMP_NTZ;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS delivered_at TIMESTAMP_NTZ;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS cancelled_at TIMESTAMP_NTZ;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS returned_at TIMESTAMP_NTZ;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS supplier_id VARCHAR;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS tracking_id VARCHAR;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS cancel_reason VARCHAR;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS return_reason VARCHAR;

-- The manifest of the data set loaded (setup / run), appended when it differs from the latest:
-- `dropship validate` reconciles against the latest row, the data this schema actually holds.
CREATE TABLE IF NOT EXISTS seed_manifest (
  load_id VARCHAR NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  seed_dir VARCHAR NOT NULL,
  manifest_sha256 VARCHAR NOT NULL,
  manifest VARCHAR NOT NULL
);
