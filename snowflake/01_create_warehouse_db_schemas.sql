-- Snowflake objects of the production pipeline (the seed's names; adjust to your SNOW_* settings).
-- The embedded DuckDB warehouse creates its equivalents with `dropship setup`; these scripts are
-- for a Snowflake account. Run them in order with a role that may create warehouses and databases.
CREATE WAREHOUSE IF NOT EXISTS mon_entrepot
  WAREHOUSE_SIZE = 'XSMALL'
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE;

CREATE DATABASE IF NOT EXISTS ma_base;
CREATE SCHEMA IF NOT EXISTS ma_base.mon_schema;

USE WAREHOUSE mon_entrepot;
USE SCHEMA ma_base.mon_schema;
