/**
 * The shop's clothing catalogue. Each category has its own price band (in cents), the way a
 * dropshipping clothing store prices T-shirts below jackets, and its own product nouns.
 * Prices end in .99 or .90 like real shop prices. Each category also has what a unit costs the
 * shop: the supplier's price as a share of the catalogue price (dropshipped fashion buys at
 * roughly a quarter to a half of its retail price, more for shoes and coats) and the shipping
 * per unit (a parcel's weight: socks ship for less than a wool coat).
 */
export interface Category {
  name: string;
  /** Share of the catalogue in this category. */
  weight: number;
  nouns: readonly string[];
  minCents: number;
  maxCents: number;
  /** The supplier's price as a share of the catalogue price, [min, max]. */
  costShare: readonly [number, number];
  /** Shipping one unit to the customer, in cents, [min, max]. */
  shippingCents: readonly [number, number];
}

export const CATEGORIES: readonly Category[] = [
  { name: 'T-Shirts', weight: 16, nouns: ['T-Shirt', 'Graphic Tee', 'V-Neck Tee', 'Long-Sleeve Tee', 'Crop Top'], minCents: 1299, maxCents: 3499, costShare: [0.25, 0.38], shippingCents: [250, 420] },
  { name: 'Hoodies & Sweatshirts', weight: 11, nouns: ['Hoodie', 'Zip Hoodie', 'Sweatshirt', 'Crewneck'], minCents: 2999, maxCents: 6999, costShare: [0.30, 0.42], shippingCents: [390, 650] },
  { name: 'Shirts', weight: 8, nouns: ['Oxford Shirt', 'Linen Shirt', 'Flannel Shirt', 'Denim Shirt', 'Blouse'], minCents: 2499, maxCents: 5999, costShare: [0.28, 0.40], shippingCents: [300, 480] },
  { name: 'Sweaters', weight: 7, nouns: ['Sweater', 'Cardigan', 'Turtleneck', 'Knit Jumper'], minCents: 3499, maxCents: 8999, costShare: [0.30, 0.45], shippingCents: [390, 620] },
  { name: 'Jeans', weight: 10, nouns: ['Slim Jeans', 'Straight Jeans', 'Mom Jeans', 'Wide-Leg Jeans', 'Skinny Jeans'], minCents: 3999, maxCents: 9999, costShare: [0.30, 0.42], shippingCents: [420, 690] },
  { name: 'Trousers & Shorts', weight: 7, nouns: ['Chinos', 'Cargo Pants', 'Joggers', 'Linen Trousers', 'Shorts'], minCents: 2499, maxCents: 6999, costShare: [0.28, 0.40], shippingCents: [350, 560] },
  { name: 'Dresses & Skirts', weight: 10, nouns: ['Maxi Dress', 'Midi Dress', 'Wrap Dress', 'Slip Dress', 'Pleated Skirt', 'Mini Skirt'], minCents: 2499, maxCents: 8999, costShare: [0.25, 0.40], shippingCents: [300, 520] },
  { name: 'Jackets & Coats', weight: 9, nouns: ['Denim Jacket', 'Puffer Jacket', 'Trench Coat', 'Bomber Jacket', 'Wool Coat', 'Rain Jacket'], minCents: 5999, maxCents: 18999, costShare: [0.35, 0.50], shippingCents: [590, 990] },
  { name: 'Sneakers & Shoes', weight: 9, nouns: ['Sneakers', 'Running Shoes', 'Canvas Shoes', 'Chelsea Boots', 'Loafers', 'Sandals'], minCents: 4999, maxCents: 14999, costShare: [0.38, 0.52], shippingCents: [650, 990] },
  { name: 'Accessories', weight: 13, nouns: ['Beanie', 'Cap', 'Scarf', 'Tote Bag', 'Belt', 'Socks (3-pack)', 'Sunglasses', 'Backpack'], minCents: 799, maxCents: 3999, costShare: [0.20, 0.35], shippingCents: [150, 320] },
];

export const STYLES = ['Essential', 'Oversized', 'Classic', 'Vintage', 'Relaxed', 'Slim-Fit', 'Urban', 'Organic', 'Premium', 'Everyday', 'Retro', 'Minimal', 'Heritage', 'Sport', 'Cosy'] as const;

export const COLOURS = ['Black', 'White', 'Navy', 'Grey', 'Beige', 'Olive', 'Burgundy', 'Sky Blue', 'Sand', 'Forest Green', 'Charcoal', 'Cream', 'Rust', 'Lavender', 'Indigo'] as const;
