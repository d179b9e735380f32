/**
 * Snowflake adapter: not built yet (no open issue covers it). Selecting it fails with a
 * clear message instead of half-working. The SQL objects it will manage are in snowflake/.
 */
import type { WarehouseConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';
import type { Warehouse } from '../types.ts';

export async function openSnowflakeWarehouse(
  _config: Extract<WarehouseConfig, { kind: 'snowflake' }>,
): Promise<Warehouse> {
  throw new PipelineError(
    'BAD_CONFIG',
    'WAREHOUSE=snowflake is not supported by this version yet',
    {
      hint: 'use WAREHOUSE=duckdb (the default); the Snowflake objects are described in snowflake/*.sql',
    },
  );
}
