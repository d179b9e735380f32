/**
 * The shop's margins, defined once, in integer cents (the supplier charges both costs per
 * unit: domain/entities.ts ProductSupply). Only orders whose product has known costs have a
 * margin; the others are counted apart, never taken as costing nothing. No validation library
 * here: the generator's start-up stays light.
 *
 * - Gross margin: revenue − supplier cost − shipping cost, of every order.
 * - Net margin, what the shop keeps after cancellations and returns: the gross margin of the
 *   orders neither cancelled nor returned, minus the shipping cost of the returned ones. A
 *   cancelled order (always before shipping) costs nothing; a returned one is refunded and its
 *   units go back to the supplier's stock (domain/stock.ts), so only the shipping is lost.
 */
import { centsToDecimal } from './entities.ts';
import type { MarginTotals } from './manifest.ts';
import { cents } from './values.ts';

export function grossMarginCents(
  revenueCents: bigint,
  supplierCostCents: bigint,
  shippingCostCents: bigint,
): bigint {
  return revenueCents - supplierCostCents - shippingCostCents;
}

/** The net margin (above) from the kept orders' revenue and costs and the returned orders' shipping. */
export function netMarginCents(
  keptRevenueCents: bigint,
  keptSupplierCostCents: bigint,
  keptShippingCostCents: bigint,
  returnedShippingCostCents: bigint,
): bigint {
  return (
    grossMarginCents(keptRevenueCents, keptSupplierCostCents, keptShippingCostCents) -
    returnedShippingCostCents
  );
}

/**
 * The net margin (in cents) and the kept revenue it is a share of, from a warehouse's margin
 * totals (WarehouseReads.marginTotals: decimal amounts), for the dashboard and validation.
 */
export function netMarginOf(
  row: Record<
    'kept_revenue' | 'kept_supplier_cost' | 'kept_shipping_cost' | 'returned_shipping_cost',
    unknown
  >,
): { netMarginCents: bigint; keptRevenueCents: bigint; rate: number | null } {
  const keptRevenueCents = cents(row.kept_revenue);
  const net = netMarginCents(
    keptRevenueCents,
    cents(row.kept_supplier_cost),
    cents(row.kept_shipping_cost),
    cents(row.returned_shipping_cost),
  );
  return { netMarginCents: net, keptRevenueCents, rate: marginRate(net, keptRevenueCents) };
}

/** What the net margin is made of, in cents: the kept orders' revenue and costs, the returns' shipping. */
export interface NetMarginTerms {
  keptRevenueCents: number;
  keptSupplierCostCents: number;
  keptShippingCostCents: number;
  returnedShippingCostCents: number;
}

/** Margin as a share of revenue (0.42 = 42 %); null without revenue. */
export function marginRate(marginCents: bigint, revenueCents: bigint): number | null {
  return revenueCents === 0n ? null : Number(marginCents) / Number(revenueCents);
}

/** The manifest's margin totals (domain/manifest.ts) from integer cents. */
export function marginTotals(
  revenueCents: number,
  supplierCostCents: number,
  shippingCostCents: number,
  net?: NetMarginTerms,
): MarginTotals {
  const margin = Number(
    grossMarginCents(BigInt(revenueCents), BigInt(supplierCostCents), BigInt(shippingCostCents)),
  );
  const totals: MarginTotals = {
    supplier_cost: centsToDecimal(supplierCostCents),
    supplier_cost_cents: supplierCostCents,
    shipping_cost: centsToDecimal(shippingCostCents),
    shipping_cost_cents: shippingCostCents,
    gross_margin: centsToDecimal(margin),
    gross_margin_cents: margin,
  };
  if (!net) return totals;
  const netMargin = Number(
    netMarginCents(
      BigInt(net.keptRevenueCents),
      BigInt(net.keptSupplierCostCents),
      BigInt(net.keptShippingCostCents),
      BigInt(net.returnedShippingCostCents),
    ),
  );
  return {
    ...totals,
    returned_shipping_cost: centsToDecimal(net.returnedShippingCostCents),
    returned_shipping_cost_cents: net.returnedShippingCostCents,
    net_margin: centsToDecimal(netMargin),
    net_margin_cents: netMargin,
  };
}
