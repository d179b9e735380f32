/**
 * The order funnel of the dashboard (GET /api/funnel) on a real DuckDB warehouse: creations
 * through the fixture's ingest, lifecycle steps as the ingest stores them, merged by the task.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDashboard } from '../src/dashboard/server.ts';
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
  // Orders 1–4: 1 returned (19.99 × 2), 2 delivered, 3 cancelled unpaid (19.99 × 1), 4 created.
  await fixture.ingest([order(1), order(2), order(3), order(4)]);
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
          ],
          'lifecycle_topic',
        ),
        rejected: [],
      },
    ],
  });
  expect((await fixture.warehouse.runTask()).state).toBe('SUCCEEDED');
  dashboard = await startDashboard({ config: fixture.config, warehouse: fixture.warehouse });
});

afterAll(async () => {
  await dashboard?.close();
  await fixture?.close();
});

it('GET /api/funnel: orders per step reached, return rate, revenue net of cancellations and returns', async () => {
  const response = await fetch(new URL('/api/funnel', dashboard.url));
  expect(response.status).toBe(200);
  const funnel = (await response.json()) as Record<string, unknown>;
  // Revenue: 2 × 19.99 + 3 × 59.90 + 1 × 19.99 + 2 × 59.90 = 359.47; less order 1 (39.98) and
  // order 3 (19.99) = 299.50.
  expect(funnel).toMatchObject({
    created: 4,
    paid: 2,
    shipped: 2,
    delivered: 2,
    cancelled: 1,
    returned: 1,
    return_rate: 0.5,
    net_revenue: 299.5,
  });
});
