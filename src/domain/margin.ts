/**
 * The shop's gross margin, defined once: revenue − supplier cost − shipping cost, in integer
 * cents (the supplier charges both per unit: domain/entities.ts ProductSupply). Only orders
 * whose product has known costs have a margin; the others are counted apart, never taken as
 * costing nothing. No validation library here: the generator's start-up stays light.
 */
import { centsToDecimal } from './entities.ts';
import type { MarginTotals } from './manifest.ts';

export function grossMarginCents(
  revenueCents: bigint,
  supplierCostCents: bigint,
  shippingCostCents: bigint,
): bigint {
  return revenueCents - supplierCostCents - shippingCostCents;
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
): MarginTotals {
  const margin = Number(
    grossMarginCents(BigInt(revenueCents), BigInt(supplierCostCents), BigInt(shippingCostCents)),
  );
  return {
    supplier_cost: centsToDecimal(supplierCostCents),
    supplier_cost_cents: supplierCostCents,
    shipping_cost: centsToDecimal(shippingCostCents),
    shipping_cost_cents: shippingCostCents,
    gross_margin: centsToDecimal(margin),
    gross_margin_cents: margin,
  };
}
