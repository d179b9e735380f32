-- Snowflake objects of the production pipeline, in the seed's names: mon_entrepot (warehouse),
-- ma_base (database), mon_schema (schema). `dropship setup` runs 01, 02 and 03 in order with
-- those three names replaced by SNOW_WAREHOUSE, SNOW_DATABASE and SNOW_SCHEMA; to run them by
-- hand (Snowsight, SnowSQL), replace the names the same way, with a role that may create
-- warehouses and databases (or create those two beforehand and skip the first statements).
CREATE WAREHOUSE IF NOT EXISTS mon_entrepot
  WAREHOUSE_SIZE = 'XSMALL'
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE;

CREATE DATABASE IF NOT EXISTS ma_base;
CREATE SCHEMA IF NOT EXISTS ma_base.mon_schema;

USE WAREHOUSE mon_entrepot;
USE SCHEMA ma_base.mon_schema;
