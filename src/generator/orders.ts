/**
 * Orders with a realistic shape: spread over the period with daily and weekly cycles, a
 * seasonal curve (January sales, Black Friday, Christmas) and slow growth; a long tail of
 * product popularity (a few best-sellers) and loyal customers who order again.
 *
 * Streaming and exact: the period is cut into hours, each hour gets its share of the total
 * (cumulative rounding, so the sum is exactly `count`), and each hour's orders are drawn and
 * sorted on their own. Memory is O(hours + products + customers), never O(orders).
 */
import { entityId, type Order } from '../domain/entities.ts';
import { Random, WeightedPicker, zipfWeights } from './random.ts';
import { RandomStreams } from './reference-data.ts';

const HOUR_MS = 3_600_000;

/** Relative activity by UTC hour (the shop's customers are mostly on Central European Time). */
const HOURLY = [
  0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.35, 0.6, 0.8, 0.9, 1.0, 1.15, 1.3, 1.2, 1.0, 0.95, 1.0, 1.15,
  1.4, 1.65, 1.75, 1.5, 1.0, 0.55,
];
/** Relative activity by UTC weekday, Sunday first: Sunday evening is the online peak, Saturday is spent in shops. */
const WEEKDAY = [1.3, 1.0, 0.95, 1.0, 1.0, 0.9, 0.75];
/** Relative activity by month: winter sales in January, a summer dip, Black Friday and Christmas. */
const MONTHLY = [1.2, 0.85, 0.9, 0.95, 1.0, 1.0, 1.05, 0.85, 0.95, 1.0, 1.3, 1.45];

export interface OrderShape {
  customers: number;
  /** Catalogue prices in cents, index i = product PRD-(i+1). */
  productPrices: readonly number[];
  seed: number;
}

export interface OrderPeriod {
  /** First instant of the period (inclusive). */
  start: Date;
  /** End of the period (exclusive). */
  end: Date;
}

function hourWeight(hourStart: number, periodStart: number, periodEnd: number): number {
  const d = new Date(hourStart);
  let w =
    (HOURLY[d.getUTCHours()] ?? 1) *
    (WEEKDAY[d.getUTCDay()] ?? 1) *
    (MONTHLY[d.getUTCMonth()] ?? 1);
  // Black Friday weekend to Cyber Monday: Black Friday is the day after the 4th Thursday of
  // November (the Friday from the 23rd to the 29th); Cyber Monday may fall in December.
  if (
    (d.getUTCMonth() === 10 && d.getUTCDate() >= 23) ||
    (d.getUTCMonth() === 11 && d.getUTCDate() <= 2)
  ) {
    const year = d.getUTCFullYear();
    const blackFriday = Date.UTC(
      year,
      10,
      29 - ((new Date(Date.UTC(year, 10, 29)).getUTCDay() + 2) % 7),
    );
    if (hourStart >= blackFriday && hourStart < blackFriday + 4 * 86_400_000) w *= 2.5;
  }
  // Christmas orders stop once delivery before the 24th is no longer likely.
  if (d.getUTCMonth() === 11 && d.getUTCDate() >= 21) w *= 0.45;
  // The shop grows by ~30 % over the period.
  const progress = (hourStart - periodStart) / Math.max(1, periodEnd - periodStart);
  return w * (1 + 0.3 * progress);
}

/** Zipf exponents of product and customer popularity (a few best-sellers, loyal customers). */
const PRODUCT_POPULARITY = 1.05;
const CUSTOMER_POPULARITY = 0.55;

/** Popularity pickers shared by the historical and the live order sources. */
class Popularity {
  readonly products: WeightedPicker;
  readonly productIndex: Int32Array;
  readonly customers: WeightedPicker;
  readonly customerIndex: Int32Array;
  readonly productIds: IdCache;
  readonly customerIds: IdCache;

  constructor(shape: OrderShape, random: Random) {
    // Best-sellers are random products, not PRD-00001..: shuffle which product gets which rank.
    this.productIndex = shuffledRange(shape.productPrices.length, random);
    this.products = new WeightedPicker(zipfWeights(shape.productPrices.length, PRODUCT_POPULARITY));
    this.customerIndex = shuffledRange(shape.customers, random);
    this.customers = new WeightedPicker(zipfWeights(shape.customers, CUSTOMER_POPULARITY));
    this.productIds = new IdCache('product', shape.productPrices.length);
    this.customerIds = new IdCache('customer', shape.customers);
  }
}

function shuffledRange(n: number, random: Random): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** Mean units of an order, from drawQuantity's shares (1: 72 %, 2: 19 %, 3: 6 %, 4–6: 3 %). */
export const MEAN_QUANTITY = 0.72 + 2 * 0.19 + 3 * 0.06 + 5 * 0.03;

/**
 * The units of each product (by index) that `count` generated orders are expected to ask for:
 * its share of the popularity generateOrders draws (the same first draws of the same stream,
 * so the same best-sellers) × count × MEAN_QUANTITY. generate sizes the initial stock with it.
 */
export function expectedUnits(count: number, products: number, seed: number): Float64Array {
  const rank = shuffledRange(products, new Random(seed, RandomStreams.orders));
  const weights = zipfWeights(products, PRODUCT_POPULARITY);
  let total = 0;
  for (const w of weights) total += w;
  const units = new Float64Array(products);
  for (let r = 0; r < products; r++)
    units[rank[r]!] = (count * MEAN_QUANTITY * weights[r]!) / total;
  return units;
}

function drawQuantity(random: Random): number {
  const r = random.next();
  if (r < 0.72) return 1;
  if (r < 0.91) return 2;
  if (r < 0.97) return 3;
  return random.int(4, 6);
}

/**
 * Ids are formatted once per product/customer, not once per order, for the first `max` of
 * them (~50 bytes each: 2M ids are ~100 MB); the others are formatted when asked for.
 */
export class IdCache {
  private readonly ids: string[];
  constructor(
    private readonly kind: 'product' | 'customer',
    count: number,
    max = 2_000_000,
  ) {
    // Dense array filled up front: a sparse one would fall into slow dictionary mode.
    this.ids = Array.from({ length: Math.min(count, max) }, (_, i) => entityId(kind, i + 1));
  }
  get(index: number): string {
    return this.ids[index] ?? entityId(this.kind, index + 1);
  }
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * A generated order with what the generator knows of it beyond its row: its sale time in ms
 * and its product's index (generate's loop would otherwise parse the one and look up the
 * other for each order: Date.parse alone was ~0.4 s per million orders).
 */
export interface GeneratedOrder extends Order {
  sold_ms: number;
  /** Index of the product in OrderShape.productPrices (PRD-(index+1)). */
  product_index: number;
  /** Index of the customer (CUS-(index+1)). */
  customer_index: number;
}

function drawOrder(
  id: string,
  soldAt: string,
  soldMs: number,
  shape: OrderShape,
  pop: Popularity,
  random: Random,
): GeneratedOrder {
  const product = pop.productIndex[pop.products.pick(random)]!;
  const customer = pop.customerIndex[pop.customers.pick(random)]!;
  return {
    id,
    product_id: pop.productIds.get(product),
    customer_id: pop.customerIds.get(customer),
    quantity: drawQuantity(random),
    unit_price_cents: shape.productPrices[product]!,
    sold_at: soldAt,
    sold_ms: soldMs,
    product_index: product,
    customer_index: customer,
  };
}

export function* generateOrders(
  count: number,
  shape: OrderShape,
  period: OrderPeriod,
): Generator<GeneratedOrder> {
  if (count === 0) return;
  const random = new Random(shape.seed, RandomStreams.orders);
  const pop = new Popularity(shape, random);
  const startMs = period.start.getTime();
  const endMs = period.end.getTime();
  const hours = Math.max(1, Math.ceil((endMs - startMs) / HOUR_MS));
  const weights = new Float64Array(hours);
  let total = 0;
  for (let h = 0; h < hours; h++) {
    weights[h] = hourWeight(startMs + h * HOUR_MS, startMs, endMs);
    total += weights[h]!;
  }
  let cumulative = 0;
  let emitted = 0;
  let sequence = 0;
  const seconds: number[] = [];
  for (let h = 0; h < hours; h++) {
    cumulative += weights[h]!;
    const target = h === hours - 1 ? count : Math.round((count * cumulative) / total);
    const inHour = target - emitted;
    emitted = target;
    if (inHour <= 0) continue;
    const hourStart = startMs + h * HOUR_MS;
    const hourLength = Math.min(HOUR_MS, endMs - hourStart);
    seconds.length = 0;
    for (let k = 0; k < inHour; k++)
      seconds.push(Math.floor((random.next() * hourLength) / 1000) * 1000);
    seconds.sort((a, b) => a - b);
    // "2025-03-14T09:" once per hour; minutes and seconds from a lookup table (hot loop).
    const hourPrefix = new Date(hourStart).toISOString().slice(0, 14);
    for (const offset of seconds) {
      sequence += 1;
      const s = offset / 1000;
      const soldAt = `${hourPrefix}${TWO_DIGITS[Math.floor(s / 60)]}:${TWO_DIGITS[s % 60]}.000Z`;
      yield drawOrder(entityId('order', sequence), soldAt, hourStart + offset, shape, pop, random);
    }
  }
}

/**
 * New orders for `produce --mode stream`: same popularity as history, sold now, with ids
 * that cannot collide with generated history (`ORD-L<time>-<n>`).
 */
export class LiveOrders {
  private readonly random: Random;
  private readonly pop: Popularity;
  private readonly prefix: string;
  private sequence = 0;

  constructor(
    private readonly shape: OrderShape,
    now: Date = new Date(),
  ) {
    this.random = new Random(shape.seed ^ now.getTime(), RandomStreams.live);
    this.pop = new Popularity(shape, this.random);
    this.prefix = `ORD-L${now.getTime().toString(36).toUpperCase()}-`;
  }

  next(now: Date = new Date()): GeneratedOrder {
    this.sequence += 1;
    const soldMs = Math.floor(now.getTime() / 1000) * 1000;
    return drawOrder(
      this.prefix + String(this.sequence).padStart(6, '0'),
      new Date(soldMs).toISOString(),
      soldMs,
      this.shape,
      this.pop,
      this.random,
    );
  }
}
