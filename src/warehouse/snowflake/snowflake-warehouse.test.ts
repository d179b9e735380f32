/**
 * The warehouse contract on Snowflake, through the real snowflake-sdk against the local
 * emulator (infra/snowflake-emulator/, `npm run snowflake:local`): each test gets a database of
 * its own, created by `setup` from snowflake/01–03 with the SNOW_* names substituted.
 */
import { describe } from 'vitest';
import { warehouseContract } from '../../../test/contract/warehouse-contract.ts';
import {
  emulatorWarehouse,
  snowflakeEmulator,
  uniqueIdentifier,
} from '../../../test/helpers/snowflake-emulator.ts';
import { SnowflakeWarehouse } from './snowflake-warehouse.ts';

const emulator = await snowflakeEmulator();

describe.skipIf(!emulator.available)(`Snowflake (emulator ${emulator.accessUrl})`, () => {
  warehouseContract({
    name: 'Snowflake',
    create: () =>
      SnowflakeWarehouse.open(emulatorWarehouse(emulator.accessUrl, uniqueIdentifier('contract'))),
  });
});
