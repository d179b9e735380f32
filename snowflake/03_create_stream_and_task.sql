-- The stream and the scheduled task: RAW → PROD, incremental and deduplicating.
USE SCHEMA ma_base.mon_schema;

-- Append-only stream: exactly the RAW rows added since the task last consumed it.
CREATE STREAM IF NOT EXISTS orders_events_stream ON TABLE orders_events APPEND_ONLY = TRUE;

-- Runs only when the stream has data; consuming the stream in the MERGE advances its offset
-- in the same transaction. The source is deduplicated by order id (latest event wins): a MERGE
-- whose source holds two rows for one key would insert both.
-- Not here yet: the quarantine of orders with an unknown customer or product (the DuckDB task
-- does it in the same transaction); in this script such rows are consumed without reaching PROD.
CREATE OR REPLACE TASK merge_orders_task
  WAREHOUSE = mon_entrepot
  SCHEDULE = '1 MINUTE'
WHEN SYSTEM$STREAM_HAS_DATA('ORDERS_EVENTS_STREAM')
AS
MERGE INTO orders AS t
USING (
  SELECT
    s.payload:order.id::STRING AS id,
    s.payload:order.product_id::STRING AS product_id,
    s.payload:order.customer_id::STRING AS customer_id,
    s.payload:order.quantity::NUMBER AS quantity,
    s.payload:order.unit_price::NUMBER(12, 2) AS unit_price,
    s.payload:order.sold_at::TIMESTAMP_NTZ AS sold_at,
    s.ingested_at, s.event_id, s.created_at AS event_created_at
  FROM orders_events_stream s
  JOIN customers c ON c.id = s.payload:order.customer_id::STRING
  JOIN inventory p ON p.id = s.payload:order.product_id::STRING
  WHERE s.event_type = 'order_created'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY s.order_id ORDER BY s.created_at DESC, s.ingest_seq DESC) = 1
) AS s
ON t.id = s.id
WHEN MATCHED AND s.event_created_at > t.event_created_at
  AND (s.quantity <> t.quantity OR s.unit_price <> t.unit_price OR s.product_id <> t.product_id
       OR s.customer_id <> t.customer_id OR s.sold_at <> t.sold_at) THEN UPDATE SET
  product_id = s.product_id, customer_id = s.customer_id, quantity = s.quantity,
  unit_price = s.unit_price, sold_at = s.sold_at, event_id = s.event_id,
  event_created_at = s.event_created_at, merged_at = CURRENT_TIMESTAMP()::TIMESTAMP_NTZ
WHEN NOT MATCHED THEN INSERT
  (id, product_id, customer_id, quantity, unit_price, sold_at, ingested_at, event_id, event_created_at, merged_at)
  VALUES (s.id, s.product_id, s.customer_id, s.quantity, s.unit_price, s.sold_at, s.ingested_at,
          s.event_id, s.event_created_at, CURRENT_TIMESTAMP()::TIMESTAMP_NTZ);

ALTER TASK merge_orders_task RESUME;

-- History of the runs (SCHEDULED rows are upcoming runs, not failures):
-- SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'MERGE_ORDERS_TASK'));
