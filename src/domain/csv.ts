/**
 * CSV rows of the seed files (DESIGN.md §4): header row, RFC 4180 quoting, ISO-8601 UTC
 * timestamps, prices with 2 decimals. Writing is hand-rolled because it is the generator's hot
 * loop and our values are known; reading goes through Papa Parse (see pipeline/seed-files.ts).
 */
import { centsToDecimal, type Customer, type Order, type Product } from './entities.ts';
import type { LifecycleStep } from './lifecycle.ts';

const NEEDS_QUOTES = /[",\n\r]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function customerCsv(c: Customer): string {
  return `${c.id},${csvField(c.name)},${csvField(c.email)},${csvField(c.city)},${csvField(c.country)}\n`;
}

/** An inventory.csv row: the catalogue columns, then the supplier and costs (empty when unknown). */
export function productCsv(p: Product): string {
  const s = p.supply;
  const supply = s
    ? `${s.supplier.id},${csvField(s.supplier.name)},${csvField(s.supplier.country)},${s.supplier.shipping_days},${centsToDecimal(s.supplier_cost_cents)},${centsToDecimal(s.shipping_cost_cents)}`
    : ',,,,,';
  return `${p.id},${csvField(p.product_name)},${csvField(p.category)},${centsToDecimal(p.price_cents)},${p.stock_quantity},${supply}\n`;
}

export function orderCsv(o: Order): string {
  return `${o.id},${o.product_id},${o.customer_id},${o.quantity},${centsToDecimal(o.unit_price_cents)},${o.sold_at}\n`;
}

/** An order_events.csv row (CsvColumns.orderEvents); our ids and reasons need no quoting. */
export function lifecycleCsv(s: LifecycleStep): string {
  return `${s.order_id},${s.event_type},${s.at},${s.supplier_id ?? ''},${s.tracking_id ?? ''},${s.reason ?? ''}\n`;
}
