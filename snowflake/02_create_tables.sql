-- RAW, dead letters, bus offsets and PROD. Same columns as src/warehouse/duckdb/sql.ts.
USE SCHEMA ma_base.mon_schema;

-- RAW: one row per bus record, the event as received plus its Kafka coordinates.
CREATE TABLE IF NOT EXISTS orders_events (
  ingest_seq NUMBER AUTOINCREMENT,
  event_id STRING NOT NULL,
  event_type STRING NOT NULL,
  order_id STRING NOT NULL,
  payload VARIANT NOT NULL,
  created_at TIMESTAMP_NTZ,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  topic STRING,
  "partition" NUMBER,
  "offset" NUMBER
);

-- Dead letters: events that cannot become PROD rows, with the reason. Never dropped.
CREATE TABLE IF NOT EXISTS orders_quarantine (
  quarantined_at TIMESTAMP_NTZ NOT NULL,
  stage STRING NOT NULL,
  reason STRING NOT NULL,
  detail STRING,
  event_id STRING,
  order_id STRING,
  raw_value STRING,
  topic STRING,
  "partition" NUMBER,
  "offset" NUMBER,
  ingest_seq NUMBER
);

-- Bus offsets written in the same transaction as the RAW rows: a redelivery is recognised.
CREATE TABLE IF NOT EXISTS bus_offsets (
  consumer_group STRING NOT NULL,
  topic STRING NOT NULL,
  "partition" NUMBER NOT NULL,
  next_offset NUMBER NOT NULL,
  updated_at TIMESTAMP_NTZ NOT NULL,
  PRIMARY KEY (consumer_group, topic, "partition")
);

CREATE TABLE IF NOT EXISTS customers (
  id STRING PRIMARY KEY,
  name STRING NOT NULL,
  email STRING NOT NULL,
  city STRING,
  country STRING
);

CREATE TABLE IF NOT EXISTS inventory (
  id STRING PRIMARY KEY,
  product_name STRING NOT NULL,
  category STRING NOT NULL,
  price NUMBER(12, 2) NOT NULL,
  stock_quantity NUMBER NOT NULL
);

-- PROD: one row per order (Snowflake does not enforce keys: the task's dedupe does).
CREATE TABLE IF NOT EXISTS orders (
  id STRING NOT NULL,
  product_id STRING NOT NULL,
  customer_id STRING NOT NULL,
  quantity NUMBER NOT NULL,
  unit_price NUMBER(12, 2) NOT NULL,
  sold_at TIMESTAMP_NTZ NOT NULL,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  event_id STRING NOT NULL,
  event_created_at TIMESTAMP_NTZ,
  merged_at TIMESTAMP_NTZ NOT NULL
);
