/**
 * data_quality: PROD orders must be complete and plausible: no nulls in required fields,
 * quantity > 0, price ≥ 0 and equal to the inventory catalogue price, no sale more than a day
 * ahead (the limits of domain/order-rules.ts, which the ingest applies), and every customer and
 * product known (no orphan references). Any problem is a FAIL, counted per problem.
 */
import { REQUIRED_ORDER_COLUMNS } from '../../warehouse/reads.ts';
import { count, formatCount, plural } from '../../domain/values.ts';
import { result, type Check } from './types.ts';

const NAME = 'data_quality';

const LABELS: Record<string, [string, string]> = {
  non_positive_quantity: ['order with quantity ≤ 0', 'orders with quantity ≤ 0'],
  negative_price: ['order with a negative price', 'orders with a negative price'],
  future_sold_at: [
    'order sold more than a day in the future',
    'orders sold more than a day in the future',
  ],
  price_differs_from_catalogue: [
    'order priced differently from the catalogue',
    'orders priced differently from the catalogue',
  ],
  unknown_customer: ['order with an unknown customer', 'orders with an unknown customer'],
  unknown_product: ['order with an unknown product', 'orders with an unknown product'],
};

export const dataQuality: Check = {
  name: NAME,
  description:
    'PROD orders: no nulls in required fields, quantity > 0, price ≥ 0 and equal to the catalogue, no sale in the future, no orphan customer or product',
  async run({ warehouse }) {
    const row: Record<string, unknown> = await warehouse.reads.qualityCounts();
    const nulls = Object.fromEntries(
      REQUIRED_ORDER_COLUMNS.map((c) => [c, count(row[`null_${c}`])]),
    );
    const problems = Object.fromEntries(Object.keys(LABELS).map((k) => [k, count(row[k])]));
    const m = { orders: count(row.orders), nulls, ...problems };

    const found: string[] = [];
    for (const [column, n] of Object.entries(nulls))
      if (n > 0) found.push(`${plural(n, 'null')} in ${column}`);
    for (const [key, n] of Object.entries(problems))
      if (n > 0) found.push(`${formatCount(n)} ${LABELS[key]![n === 1 ? 0 : 1]}`);
    if (found.length > 0) {
      return result(
        NAME,
        'FAIL',
        `${plural(m.orders, 'PROD order')} checked, problems found: ${found.join(', ')}`,
        m,
      );
    }
    return result(
      NAME,
      'PASS',
      `${plural(m.orders, 'PROD order')}: no nulls in required fields, quantities > 0, prices ≥ 0 and equal to the catalogue, every customer and product known`,
      m,
    );
  },
};
