/** The seed CSVs' columns are the PROD columns (DESIGN.md §4): one list cannot drift from the other. */
import { describe, expect, it } from 'vitest';
import { columnNames, CustomersTable, InventoryTable } from './table-columns.ts';
import { CsvColumns } from './tables.ts';

describe('CSV columns and PROD columns', () => {
  it('inventory.csv has the columns of PROD inventory, supplier and costs last, in order', () => {
    // PROD adds initial_stock after them: the task's own column (domain/stock.ts).
    expect([...CsvColumns.inventory, ...CsvColumns.inventorySupply, 'initial_stock']).toEqual(
      columnNames(InventoryTable),
    );
  });

  it('customers.csv has the columns of PROD customers', () => {
    expect([...CsvColumns.customers]).toEqual(columnNames(CustomersTable));
  });
});
