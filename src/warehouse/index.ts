/**
 * Warehouse adapters, chosen from one typed table. Imports are lazy: the Snowflake SDK
 * (≈120 MB) loads only when WAREHOUSE=snowflake.
 */
import type { WarehouseConfig } from '../config/config.ts';
import type { Warehouse } from './types.ts';

type Factories = {
  [K in WarehouseConfig['kind']]: (
    config: Extract<WarehouseConfig, { kind: K }>,
  ) => Promise<Warehouse>;
};

const adapters = {
  duckdb: async (config) =>
    (await import('./duckdb/duckdb-warehouse.ts')).DuckDbWarehouse.open(config.path),
  snowflake: async (config) =>
    (await import('./snowflake/snowflake-warehouse.ts')).openSnowflakeWarehouse(config),
} satisfies Factories;

export async function openWarehouse(config: WarehouseConfig): Promise<Warehouse> {
  const factory = adapters[config.kind] as (c: WarehouseConfig) => Promise<Warehouse>;
  return factory(config);
}

export type { Warehouse } from './types.ts';
