/**
 * Customers and products. Deterministic for a given seed, generated lazily (generators) so
 * even large counts stream through bounded memory.
 */
import { entityId, type Customer, type Product, type ProductSupply } from '../domain/entities.ts';
import { CATEGORIES, COLOURS, STYLES, type Category } from './clothing.ts';
import { COUNTRIES } from './europe.ts';
import { Random, WeightedPicker } from './random.ts';
import { suppliersOf } from './suppliers.ts';

/**
 * Separate PRNG streams per entity, so changing --orders never changes customers or products,
 * and products' suppliers and costs (their own stream) left the catalogue columns of a seed as
 * they were before costs existed.
 */
export const RandomStreams = {
  customers: 1,
  products: 2,
  orders: 3,
  live: 4,
  supply: 5,
  lifecycle: 6,
  /** The initial stock's share of the expected demand. */
  stock: 7,
  /** generator/messy-data.ts: the knobs' draws, apart, so that knobs at 0 change nothing. */
  messyData: 9,
} as const;

function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

export function* generateCustomers(count: number, seed: number): Generator<Customer> {
  const random = new Random(seed, RandomStreams.customers);
  const countryPicker = new WeightedPicker(COUNTRIES.map((c) => c.weight));
  const cityPickers = COUNTRIES.map((c) => new WeightedPicker(c.cities.map(([, w]) => w)));
  for (let i = 1; i <= count; i++) {
    const countryIndex = countryPicker.pick(random);
    const country = COUNTRIES[countryIndex]!;
    const first = random.pick(country.firstNames);
    const last = random.pick(country.lastNames);
    const city = country.cities[cityPickers[countryIndex]!.pick(random)]![0];
    const separator = random.pick(['.', '.', '_', '']);
    // The customer number keeps e-mails unique, the way shops see "camille.martin1987@…".
    const email = `${asciiSlug(first)}${separator}${asciiSlug(last)}${i}@${random.pick(country.mailDomains)}`;
    yield {
      id: entityId('customer', i),
      name: `${first} ${last}`,
      email,
      city,
      country: country.name,
    };
  }
}

/** A supplier of the category and its per-unit costs, always below the catalogue price. */
function drawSupply(category: Category, priceCents: number, random: Random): ProductSupply {
  const suppliers = suppliersOf(category.name);
  const supplier = suppliers[Math.floor(random.next() * suppliers.length)]!;
  const [minShare, maxShare] = category.costShare;
  const share = (minShare + random.next() * (maxShare - minShare)) * supplier.costFactor;
  const [minShipping, maxShipping] = category.shippingCents;
  const shipping = Math.round(
    (minShipping + random.next() * (maxShipping - minShipping)) * supplier.shippingFactor,
  );
  return {
    supplier: {
      id: supplier.id,
      name: supplier.name,
      country: supplier.country,
      shipping_days: supplier.shipping_days,
    },
    supplier_cost_cents: Math.round(priceCents * share),
    shipping_cost_cents: shipping,
  };
}

/**
 * The catalogue. `expectedUnits` (by product index: what the period's orders will ask for,
 * orders.ts expectedUnits) sizes each product's initial stock at 0.6–1.6 × its demand, so
 * that whatever the numbers of orders and products, ~1–2 % of orders find too little stock
 * (cancellations and returns give ~a quarter of it back). Without it (tests), 5–500 units, a
 * few products sold out. Either way the same draws are made, so names, prices and costs do
 * not depend on it.
 */
export function* generateProducts(
  count: number,
  seed: number,
  expectedUnits?: ArrayLike<number>,
): Generator<Product> {
  const random = new Random(seed, RandomStreams.products);
  const supplyRandom = new Random(seed, RandomStreams.supply);
  const stockRandom = new Random(seed, RandomStreams.stock);
  const categoryPicker = new WeightedPicker(CATEGORIES.map((c) => c.weight));
  for (let i = 1; i <= count; i++) {
    const category = CATEGORIES[categoryPicker.pick(random)]!;
    const noun = random.pick(category.nouns);
    const name = `${random.pick(STYLES)} ${noun} - ${random.pick(COLOURS)}`;
    // Price within the category band, rounded to a shop-like .99 or .90.
    const euros = Math.floor(
      (category.minCents + random.next() * (category.maxCents - category.minCents)) / 100,
    );
    const price = euros * 100 + (random.next() < 0.8 ? 99 : 90);
    // Dropshipping: the supplier's stock.
    const drawn = random.next() < 0.05 ? 0 : random.int(5, 500);
    const factor = 0.6 + stockRandom.next();
    const stock = expectedUnits ? Math.ceil((expectedUnits[i - 1] ?? 0) * factor) : drawn;
    yield {
      id: entityId('product', i),
      product_name: name,
      category: category.name,
      price_cents: price,
      stock_quantity: stock,
      supply: drawSupply(category, price, supplyRandom),
    };
  }
}
