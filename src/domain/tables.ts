/**
 * Table and file definitions: one source for the generator (CSV headers), the warehouse
 * DDL (column types per dialect live with each adapter, keyed by these names) and the checks.
 */
export const CsvColumns = {
  customers: ['id', 'name', 'email', 'city', 'country'],
  inventory: ['id', 'product_name', 'category', 'price', 'stock_quantity'],
  orderEvents: ['order_id', 'event_type', 'at', 'supplier_id', 'tracking_id', 'reason'],
  /**
   * inventory.csv's supplier and cost columns, after the columns above. Optional when reading:
   * a file written before costs existed has none of them (its products' costs are unknown).
   */
  inventorySupply: [
    'supplier_id',
    'supplier_name',
    'supplier_country',
    'supplier_shipping_days',
    'supplier_cost',
    'shipping_cost',
  ],
  orders: ['id', 'product_id', 'customer_id', 'quantity', 'unit_price', 'sold_at'],
  /** stock.csv: each product's stock at the start and at the end of the period (domain/stock.ts). */
  stock: ['product_id', 'initial_stock', 'final_stock'],
} as const;

export const SeedFiles = {
  customers: 'customers.csv',
  inventory: 'inventory.csv',
  orders: 'orders.csv',
  /** The lifecycle steps after each creation (lifecycle.ts); absent in seeds written before them. */
  orderEvents: 'order_events.csv',
  /** Invalid records to publish as they are (generate --bad-ratio; generator/messy-data.ts). */
  badEvents: 'bad_events.jsonl',
  /**
   * The stock left at the end of the period per product (a control file, like the manifest):
   * the live stream starts from it, validation names the products that differ. Absent in
   * seeds written before the stock followed the orders.
   */
  stock: 'stock.csv',
  manifest: 'manifest.json',
} as const;

/** Warehouse table names (the seed's names for RAW and PROD). */
export const Tables = {
  /** RAW: one row per bus record, as received. */
  ordersEvents: 'orders_events',
  /** Dead letters: events that could not become PROD rows, with the reason. */
  quarantine: 'orders_quarantine',
  /** Bus offsets stored with the RAW rows, in the same transaction. */
  busOffsets: 'bus_offsets',
  /** PROD. */
  orders: 'orders',
  customers: 'customers',
  inventory: 'inventory',
  /** The manifest of each data set loaded (customers, inventory; the orders replayed from it). */
  seedManifest: 'seed_manifest',
  /** The emulated stream: how far the task has consumed RAW. */
  taskState: 'task_state',
  /** Every task run, like Snowflake's TASK_HISTORY. */
  taskHistory: 'task_history',
} as const;

export const TASK_NAME = 'merge_orders_task';
