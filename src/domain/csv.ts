/**
 * CSV rows of the seed files (DESIGN.md §4): header row, RFC 4180 quoting, ISO-8601 UTC
 * timestamps, prices with 2 decimals. Writing is hand-rolled because it is the generator's hot
 * loop and our values are known; reading goes through Papa Parse (see pipeline/seed-files.ts).
 */
import { AsciiSink } from './ascii-sink.ts';
import { centsToDecimal, type Customer, type Order, type Product } from './entities.ts';
import type { LifecycleEventType, LifecycleStep } from './lifecycle.ts';

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

const COMMA = 44;
const NEWLINE = 10;

/**
 * An orders.csv row, written into `out` (the generator's hot loop; ascii-sink.ts says why).
 * Our ids, numbers and timestamps are ASCII and need no quoting.
 */
export function writeOrderRow(out: AsciiSink, o: Order): void {
  writeOrderHead(out, o.id, o.product_id, o.customer_id, o.quantity, o.unit_price_cents);
  out.text(o.sold_at);
  out.byte(NEWLINE);
}

/**
 * The same row from its values, with the sale time in ms (whole seconds: `.000Z`), for
 * generate's row writer thread (pipeline/order-rows.ts), which holds no Order objects.
 */
export function writeOrderRowAt(
  out: AsciiSink,
  id: string,
  productId: string,
  customerId: string,
  quantity: number,
  unitPriceCents: number,
  soldMs: number,
): void {
  writeOrderHead(out, id, productId, customerId, quantity, unitPriceCents);
  out.iso(soldMs);
  out.byte(NEWLINE);
}

/** An orders.csv row up to its last column (sold_at), in CsvColumns.orders order. */
function writeOrderHead(
  out: AsciiSink,
  id: string,
  productId: string,
  customerId: string,
  quantity: number,
  unitPriceCents: number,
): void {
  out.text(id);
  out.byte(COMMA);
  out.text(productId);
  out.byte(COMMA);
  out.text(customerId);
  out.byte(COMMA);
  out.int(quantity);
  out.byte(COMMA);
  out.cents(unitPriceCents);
  out.byte(COMMA);
}

/**
 * An order_events.csv row (CsvColumns.orderEvents), written into `out`: its time to the
 * second, the supplier and tracking id of a shipment, or the reason of a cancellation or
 * return ('' when none).
 */
export function writeStepRow(
  out: AsciiSink,
  orderId: string,
  type: LifecycleEventType,
  atMs: number,
  supplierId: string,
  trackingId: string,
  reason: string,
): void {
  out.text(orderId);
  out.byte(COMMA);
  out.text(type);
  out.byte(COMMA);
  out.iso(atMs - (atMs % 1000)); // steps are written to the second, like the sales
  out.byte(COMMA);
  out.text(supplierId);
  out.byte(COMMA);
  out.text(trackingId);
  out.byte(COMMA);
  out.text(reason);
  out.byte(NEWLINE);
}

/** Room for one row of any kind above (our ids are bounded: GENERATE_LIMITS). */
const scratch = new AsciiSink(new Uint8Array(4096));

export function orderCsv(o: Order): string {
  scratch.pos = 0;
  writeOrderRow(scratch, o);
  return scratch.textSince();
}

/** An order_events.csv row (CsvColumns.orderEvents); our ids and reasons need no quoting. */
export function lifecycleCsv(s: LifecycleStep): string {
  scratch.pos = 0;
  writeStepRow(
    scratch,
    s.order_id,
    s.event_type,
    Date.parse(s.at),
    s.supplier_id ?? '',
    s.tracking_id ?? '',
    s.reason ?? '',
  );
  return scratch.textSince();
}
