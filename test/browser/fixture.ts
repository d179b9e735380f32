import { rawEventOf } from '../../src/pipeline/decoder.ts';
/**
 * A DuckDB warehouse in a temp folder with known data, for the dashboard tests: reference
 * data, events ingested through the real `ingest` (RAW + dead letters + offsets) and merged by
 * the real task. Shared by the API tests and the browser test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/config.ts';
import type { Customer, Order, Product } from '../../src/domain/entities.ts';
import { orderCreatedEvent } from '../../src/domain/event.ts';
import { PipelineError } from '../../src/errors.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.ts';
import type { DeadLetter, IngestResult, RawEvent, Warehouse } from '../../src/warehouse/types.ts';

const TOPIC = 'orders_topic';
const GROUP = 'dashboard-test';

async function* items<T>(list: readonly T[]): AsyncIterable<T> {
  yield* list;
}

export interface WarehouseFixture {
  dir: string;
  warehouse: DuckDbWarehouse;
  config: Config;
  /** Ingests orders (as order_created events) plus optional broken records, like the consumer does. */
  ingest(orders: readonly Order[], broken?: readonly string[]): Promise<IngestResult>;
  close(): Promise<void>;
}

export async function openFixture(
  options: { setup?: boolean; customers?: readonly Customer[]; products?: readonly Product[] } = {},
): Promise<WarehouseFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-dashboard-'));
  const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  if (options.setup !== false) {
    await warehouse.setup();
    await warehouse.loadReferenceData(
      items(options.customers ?? []),
      items(options.products ?? []),
    );
  }
  const { config } = loadConfig({
    env: {
      DUCKDB_PATH: join(dir, 'warehouse.duckdb'),
      REPORTS_DIR: join(dir, 'reports'),
      DASHBOARD_PORT: '0',
    },
    cwd: dir,
  });
  let offset = 0n;
  return {
    dir,
    warehouse,
    config,
    async ingest(orders, broken = []) {
      const accepted: RawEvent[] = orders.map((order) => {
        const event = orderCreatedEvent(order);
        return rawEventOf(event, { topic: TOPIC, partition: 0, offset: offset++ });
      });
      const rejected: DeadLetter[] = broken.map((raw) => ({
        coordinates: { topic: TOPIC, partition: 0, offset: offset++ },
        reason: 'invalid_json',
        detail: 'not JSON',
        rawValue: raw,
        eventId: null,
        orderId: null,
      }));
      return warehouse.ingest({ consumerGroup: GROUP, chunks: [{ accepted, rejected }] });
    },
    async close() {
      await warehouse.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The warehouse seen through a switch: while `failing` is set, every read fails the way a
 * lost connection does, and it works again as soon as the switch is off.
 */
export function switchableWarehouse(inner: Warehouse): {
  warehouse: Warehouse;
  fail(on: boolean): void;
  queries(): number;
} {
  let failing = false;
  let queries = 0;
  /** A read that counts as a query and fails during the outage. */
  const read =
    (fn: (...a: unknown[]) => unknown, self: object, counts: boolean) =>
    async (...args: unknown[]) => {
      if (counts) queries++;
      if (failing)
        throw new PipelineError(
          'WAREHOUSE_UNAVAILABLE',
          'simulated outage: the warehouse does not answer',
          { transient: true },
        );
      return fn.apply(self, args);
    };
  const namedReads = new Proxy(inner.reads, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return read(value as (...a: unknown[]) => unknown, target, true);
    },
  });
  const otherReads = new Set<PropertyKey>(['query', 'streamBacklog', 'taskHistory', 'taskSummary']);
  const warehouse = new Proxy(inner, {
    get(target, property) {
      if (property === 'reads') return namedReads;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!otherReads.has(property)) return value.bind(target);
      return read(value as (...a: unknown[]) => unknown, target, property === 'query');
    },
  });
  return { warehouse, fail: (on) => (failing = on), queries: () => queries };
}
