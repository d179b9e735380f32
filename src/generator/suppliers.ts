/**
 * The shop's dropshipping suppliers: they hold the stock and ship each order to the customer.
 * Each serves some categories. The far ones (China) are cheap and slow, the near ones
 * (Turkey, Portugal, Poland, a Dutch fulfilment centre) cost more per unit and deliver within
 * days: the trade-off a dropshipper makes product by product. A fixed list, like the
 * catalogue: which supplier a product gets, and its costs, are drawn from the seed.
 */
import { entityId, type Supplier } from '../domain/entities.ts';

export interface SupplierProfile extends Supplier {
  /** Categories it supplies (names of clothing.ts CATEGORIES). */
  categories: readonly string[];
  /** Multiplies the category's supplier cost share (near suppliers charge more). */
  costFactor: number;
  /** Multiplies the category's shipping cost per unit. */
  shippingFactor: number;
}

const supplier = (
  n: number,
  name: string,
  country: string,
  shipping_days: number,
  costFactor: number,
  shippingFactor: number,
  categories: readonly string[],
): SupplierProfile => ({
  id: entityId('supplier', n),
  name,
  country,
  shipping_days,
  costFactor,
  shippingFactor,
  categories,
});

export const SUPPLIERS: readonly SupplierProfile[] = [
  supplier(1, 'Guangzhou Apparel Co.', 'China', 12, 0.85, 1.0, [
    'T-Shirts',
    'Hoodies & Sweatshirts',
    'Dresses & Skirts',
    'Trousers & Shorts',
  ]),
  supplier(2, 'Yiwu Style Trading', 'China', 14, 0.8, 0.9, ['Accessories', 'Sneakers & Shoes']),
  supplier(3, 'Istanbul Denim Tekstil', 'Turkey', 6, 1.0, 0.85, [
    'Jeans',
    'Trousers & Shorts',
    'Shirts',
    'Jackets & Coats',
  ]),
  supplier(4, 'Porto Malhas Lda', 'Portugal', 4, 1.1, 0.75, ['Sweaters', 'T-Shirts', 'Shirts']),
  supplier(5, 'Łódź Outerwear', 'Poland', 3, 1.05, 0.7, [
    'Jackets & Coats',
    'Hoodies & Sweatshirts',
    'Sweaters',
  ]),
  supplier(6, 'Rotterdam Fulfilment B.V.', 'Netherlands', 2, 1.15, 0.65, [
    'Sneakers & Shoes',
    'Accessories',
    'Dresses & Skirts',
  ]),
];

/** The suppliers of each category, in SUPPLIERS order. */
export function suppliersOf(category: string): readonly SupplierProfile[] {
  return SUPPLIERS.filter((s) => s.categories.includes(category));
}
