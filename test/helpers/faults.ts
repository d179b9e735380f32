/**
 * Faults injected from the test side: the adapters carry no test hooks. A warehouse whose PROD
 * orders table is renamed away fails its task inside the run's transaction (DuckDB: after the
 * quarantine insert; Snowflake: the MERGE), which proves a failed run moves nothing.
 */
import type { Warehouse } from '../../src/warehouse/types.ts';

/** The adapters' statement runner for tools and tests (not on the Warehouse interface). */
interface Executes {
  execute(sql: string): Promise<unknown>;
}

function executor(w: Warehouse): Executes {
  if (!('execute' in w) || typeof (w as Partial<Executes>).execute !== 'function')
    throw new Error(`${w.describe()} has no execute(): cannot inject a fault`);
  return w as unknown as Executes;
}

const AWAY = 'orders_unavailable';

/** Runs `body` while PROD's orders table is unavailable; puts it back afterwards. */
export async function withProdOrdersUnavailable<R>(
  w: Warehouse,
  body: () => Promise<R>,
): Promise<R> {
  const x = executor(w);
  await x.execute(`ALTER TABLE orders RENAME TO ${AWAY}`);
  try {
    return await body();
  } finally {
    await x.execute(`ALTER TABLE ${AWAY} RENAME TO orders`);
  }
}
