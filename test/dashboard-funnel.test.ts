/**
 * The lifecycle cards of the dashboard (GET /api/funnel, /api/returns, /api/delivery,
 * /api/stock) on a real DuckDB warehouse: creations through the fixture's ingest, lifecycle
 * steps as the ingest stores them, merged by the task. (The warehouse reads behind them are
 * checked on both warehouses by the contract, test/contract/warehouse-contract.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDashboard } from '../src/dashboard/server.ts';
import { LOW_STOCK_THRESHOLD } from '../src/dashboard/snapshot.ts';
import type { Customer, Product } from '../src/domain/entities.ts';
import type { RunningDashboard } from '../src/pipeline/run.ts';
import { openFixture, type WarehouseFixture } from './browser/fixture.ts';
import { order, rawSteps } from './contract/warehouse-contract.ts';

const customers: Customer[] = ['CUS-000001', 'CUS-000002'].map((id) => ({
  id,
  name: 'A Customer',
  email: `${id}@example.fr`,
  city: 'Lyon',
  country: 'France',
}));
const products: Product[] = [
  {
    id: 'PRD-00001',
    product_name: 'Tee',
    category: 'T-Shirts',
    price_cents: 1999,
    stock_quantity: 9,
  },
  {
    id: 'PRD-00002',
    product_name: 'Jeans',
    category: 'Jeans',
    price_cents: 5990,
    stock_quantity: 9,
  },
];

let fixture: WarehouseFixture;
let dashboard: RunningDashboard;

beforeAll(async () => {
  fixture = await openFixture({ customers, products });
  // Orders 1–5: 1 returned (19.99 × 2), 2 delivered, 3 cancelled unpaid (19.99 × 1), 4 created,
  // 5 returned (19.99 × 3) with its payment, shipping and delivery still on their way (late).
  await fixture.ingest([order(1), order(2), order(3), order(4), order(5)]);
  const id = (n: number) => order(n).id;
  const day = (d: number) => new Date(Date.UTC(2025, 0, d)).toISOString();
  const shipped = (n: number) => ({
    order_id: id(n),
    event_type: 'order_shipped' as const,
    at: day(3),
    supplier_id: 'SUP-001',
    tracking_id: `TRK-001-${n}`,
  });
  await fixture.warehouse.ingest({
    consumerGroup: 'funnel',
    chunks: [
      {
        accepted: rawSteps(
          [
            ...[1, 2].flatMap((n) => [
              { order_id: id(n), event_type: 'order_paid' as const, at: day(2) },
              shipped(n),
              { order_id: id(n), event_type: 'order_delivered' as const, at: day(5) },
            ]),
            { order_id: id(1), event_type: 'order_returned', at: day(8), reason: 'quality' },
            { order_id: id(3), event_type: 'order_cancelled', at: day(3), reason: 'unpaid' },
            { order_id: id(5), event_type: 'order_returned', at: day(9), reason: 'size' },
          ],
          'lifecycle_topic',
        ),
        rejected: [],
      },
    ],
  });
  expect((await fixture.warehouse.runTask()).state).toBe('SUCCEEDED');
  // Stock as PROD holds it (the task makes it follow the events): set here to known levels.
  await fixture.warehouse.query(
    "UPDATE inventory SET stock_quantity = CASE id WHEN 'PRD-00001' THEN 0 ELSE 7 END",
  );
  // Costs, set here (the catalogue has none): Tee 6.00 + 2.50 shipping, Jeans 18.00 + 4.50.
  await fixture.warehouse.query(
    "UPDATE inventory SET supplier_cost = CASE id WHEN 'PRD-00001' THEN 6.00 ELSE 18.00 END, shipping_cost = CASE id WHEN 'PRD-00001' THEN 2.50 ELSE 4.50 END",
  );
  dashboard = await startDashboard({ config: fixture.config, warehouse: fixture.warehouse });
});

afterAll(async () => {
  await dashboard?.close();
  await fixture?.close();
});

const api = async (path: string) => {
  const response = await fetch(new URL(path, dashboard.url));
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
};

it('GET /api/funnel: orders per step reached, return rate, revenue net of cancellations and returns', async () => {
  // Revenue: 2 × 19.99 + 3 × 59.90 + 1 × 19.99 + 2 × 59.90 + 3 × 19.99 = 419.44; less orders 1
  // (39.98) and 5 (59.97) returned and 3 (19.99) cancelled = 299.50. Order 5, returned, has
  // reached payment, shipping and delivery although those events are not in yet.
  expect(await api('/api/funnel')).toMatchObject({
    created: 5,
    paid: 3,
    shipped: 3,
    delivered: 3,
    cancelled: 1,
    returned: 2,
    return_rate: 0.6667,
    net_revenue: 299.5,
  });
});

it('GET /api/returns: return rate by category and by reason, of delivered orders', async () => {
  const returns = await api('/api/returns');
  expect(returns.by_category).toEqual([
    // Order 2 delivered, not returned; 4 never shipped.
    { category: 'Jeans', delivered: 1, returned: 0, return_rate: 0, returned_revenue: 0 },
    // Orders 1 and 5 delivered and returned; 3 cancelled.
    { category: 'T-Shirts', delivered: 2, returned: 2, return_rate: 1, returned_revenue: 99.95 },
  ]);
  expect(returns.by_reason).toEqual([
    { reason: 'quality', returned: 1, share_of_returns: 0.5, return_rate: 0.3333 },
    { reason: 'size', returned: 1, share_of_returns: 0.5, return_rate: 0.3333 },
  ]);
});

it('GET /api/delivery: days from sale to delivery and in transit, by the supplier that shipped', async () => {
  // Orders 1 and 2, sold on 1 January at 00:00:01 and :02, shipped on the 3rd, delivered on the
  // 5th: 4 days less a second or two (4.00 to 2 decimals), 2 days in transit. Order 5 has no
  // delivery time. The catalogue has no supplier details (name, typical days unknown).
  expect((await api('/api/delivery')).suppliers).toEqual([
    {
      supplier_id: 'SUP-001',
      supplier_name: null,
      supplier_country: null,
      typical_days: null,
      delivered: 2,
      median_days: 4,
      p90_days: 4,
      median_transit_days: 2,
      p90_transit_days: 2,
    },
  ]);
});

it(`GET /api/stock: stock-outs and products with at most ${LOW_STOCK_THRESHOLD} units`, async () => {
  expect(await api('/api/stock')).toMatchObject({
    low_stock_threshold: LOW_STOCK_THRESHOLD,
    products: 2,
    units: 7,
    out_of_stock: 1,
    low_stock: 1,
    lowest: [
      // Units in orders not cancelled: 1 (2) and 5 (3); 3 was cancelled.
      { product_id: 'PRD-00001', product_name: 'Tee', stock_quantity: 0, units_sold: 5 },
      // 2 (3) and 4 (2).
      { product_id: 'PRD-00002', product_name: 'Jeans', stock_quantity: 7, units_sold: 5 },
    ],
  });
});

it('GET /api/kpis: net margin, after cancellations and returns, to the cent', async () => {
  // Costs from beforeAll. Gross: 419.44 − (6 × 6.00 + 5 × 18.00) − (6 × 2.50 + 5 × 4.50) = 255.94. Kept: orders 2
  // and 4, 5 Jeans: 299.50 − 90.00 − 22.50 = 187.00; less the shipping of the 5 Tees returned
  // (orders 1 and 5, 5 × 2.50): 174.50, 58.26 % of the kept revenue. Order 3, cancelled, costs
  // nothing.
  expect(await api('/api/kpis')).toMatchObject({
    gross_margin: 255.94,
    net_margin: 174.5,
    net_margin_rate: 0.5826,
  });
});
