/**
 * The shop's entities, exactly as they appear in the CSV files and in PROD.
 * Money is carried as integer cents inside the pipeline (no float drift when summing
 * revenue) and written with two decimals at the edges (CSV, events, SQL DECIMAL(12,2)).
 */
export interface Customer {
  id: string;
  name: string;
  email: string;
  city: string;
  country: string;
}

export interface Product {
  id: string;
  product_name: string;
  category: string;
  price_cents: number;
  stock_quantity: number;
  /**
   * Who ships the product and what one unit costs the shop. Absent or null: unknown (an
   * inventory file written before costs existed); such a product's orders have no margin.
   */
  supply?: ProductSupply | null;
}

/** A dropshipping supplier: it holds the stock and ships each order to the customer. */
export interface Supplier {
  id: string;
  name: string;
  /** Where it ships from (a country name, as customers' countries are written). */
  country: string;
  /** Typical days from the order to the parcel's delivery. */
  shipping_days: number;
}

/**
 * What selling one unit of a product costs the shop: the supplier's price and the shipping
 * to the customer, both charged by the supplier per unit. The gross margin of an order is
 * quantity × (unit_price − supplier_cost − shipping_cost).
 */
export interface ProductSupply {
  supplier: Supplier;
  supplier_cost_cents: number;
  shipping_cost_cents: number;
}

export interface Order {
  id: string;
  product_id: string;
  customer_id: string;
  quantity: number;
  unit_price_cents: number;
  /** ISO-8601 UTC, millisecond precision: `2025-03-14T09:26:53.000Z`. */
  sold_at: string;
}

/** Entity id prefixes and zero-padding widths (DESIGN.md §4). */
export const IdFormat = {
  customer: { prefix: 'CUS-', width: 6 },
  product: { prefix: 'PRD-', width: 5 },
  order: { prefix: 'ORD-', width: 8 },
  supplier: { prefix: 'SUP-', width: 3 },
} as const;

export function entityId(kind: keyof typeof IdFormat, n: number): string {
  const { prefix, width } = IdFormat[kind];
  return prefix + String(n).padStart(width, '0');
}

export const ID_PATTERN = {
  customer: /^CUS-\d{6,}$/,
  product: /^PRD-\d{5,}$/,
  order: /^ORD-[0-9A-Z-]+$/,
  supplier: /^SUP-\d{3,}$/,
} as const;

/** `1234` → `"12.34"`. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const euros = Math.floor(abs / 100);
  const rest = abs % 100;
  return `${sign}${euros}.${rest < 10 ? '0' : ''}${rest}`;
}

/** `"12.34"` or `12.34` → `1234`; NaN when not a decimal with at most 2 places. */
export function decimalToCents(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return Number.NaN;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '0').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}
