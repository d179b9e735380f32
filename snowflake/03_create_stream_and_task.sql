-- The streams and the scheduled tasks: RAW → PROD, incremental and deduplicating.
-- `dropship setup` runs this script (idempotent: the streams are created only when missing, so
-- their offsets survive a second setup; the tasks are replaced and resumed).
USE SCHEMA ma_base.mon_schema;

-- Two streams on RAW, one per task: each holds exactly the RAW rows added since its task last
-- consumed it, and a task's statement moves its stream's offset in the same transaction.
CREATE STREAM IF NOT EXISTS orders_stream ON TABLE orders_events;
CREATE STREAM IF NOT EXISTS orders_quarantine_stream ON TABLE orders_events;

-- The MERGE. Runs only when the stream has data. The source is deduplicated by order id first
-- (the latest event wins; ties: the one stored last): a MERGE whose source holds two rows for
-- one key would insert both. If that latest event names an unknown customer or product, the
-- order is left to the quarantine task below (as on DuckDB). An identical replayed order
-- changes nothing.
CREATE OR REPLACE TASK merge_orders_task
  WAREHOUSE = mon_entrepot
  SCHEDULE = '1 MINUTE'
  TIMEZONE = 'UTC'
WHEN SYSTEM$STREAM_HAS_DATA('ORDERS_STREAM')
AS
MERGE INTO orders AS t
USING (
  SELECT d.order_id AS id, d.product_id, d.customer_id, d.quantity, d.unit_price, d.sold_at,
         d.ingested_at, d.event_id, d.created_at AS event_created_at
  FROM (
    SELECT * FROM orders_stream
    WHERE event_type = 'order_created'
    QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id
                               ORDER BY created_at DESC, ingested_at DESC, topic DESC, "PARTITION" DESC, "OFFSET" DESC) = 1
  ) d
  WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = d.customer_id)
    AND EXISTS (SELECT 1 FROM inventory p WHERE p.id = d.product_id)
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

-- The quarantine: orders whose customer or product is unknown, with the reason, never dropped.
-- A second task on its own stream, because a task runs one statement. The MERGE above takes
-- exactly the complement of these rows, provided customers and inventory do not change between
-- the two runs (`dropship setup` loads them before any order; `dropship task run` runs this
-- task first, then the MERGE). Deduplicated like the MERGE's source.
CREATE OR REPLACE TASK quarantine_orders_task
  WAREHOUSE = mon_entrepot
  SCHEDULE = '1 MINUTE'
  TIMEZONE = 'UTC'
WHEN SYSTEM$STREAM_HAS_DATA('ORDERS_QUARANTINE_STREAM')
AS
INSERT INTO orders_quarantine
  (quarantined_at, stage, reason, detail, event_id, order_id, raw_value, topic, "PARTITION", "OFFSET")
SELECT CURRENT_TIMESTAMP()::TIMESTAMP_NTZ, 'task',
       CASE WHEN NOT s.customer_known THEN 'unknown_customer' ELSE 'unknown_product' END,
       CASE WHEN NOT s.customer_known THEN 'customer ' || s.customer_id || ' is not in customers'
            ELSE 'product ' || s.product_id || ' is not in inventory' END,
       s.event_id, s.order_id, LEFT(TO_JSON(s.payload), 10000), s.topic, s."PARTITION", s."OFFSET"
FROM (
  SELECT q.*,
         EXISTS (SELECT 1 FROM customers c WHERE c.id = q.customer_id) AS customer_known,
         EXISTS (SELECT 1 FROM inventory p WHERE p.id = q.product_id) AS product_known
  FROM orders_quarantine_stream q
  WHERE q.event_type = 'order_created'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY q.order_id
                             ORDER BY q.created_at DESC, q.ingested_at DESC, q.topic DESC, q."PARTITION" DESC, q."OFFSET" DESC) = 1
) s
WHERE NOT (s.customer_known AND s.product_known);

ALTER TASK quarantine_orders_task RESUME;
ALTER TASK merge_orders_task RESUME;

-- History of the runs (SCHEDULED rows are upcoming runs, not failures):
-- SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'MERGE_ORDERS_TASK'));
