/** `dropship doctor`'s checks in DuckDB: the tables and the emulated stream and task (task_state). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { DuckDbWarehouse } from './duckdb-warehouse.ts';
import type { WarehouseCheck } from '../types.ts';

async function fresh(): Promise<DuckDbWarehouse> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-doctor-'));
  const w = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  onTestFinished(async () => {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  });
  return w;
}

const byName = (checks: WarehouseCheck[]) => new Map(checks.map((c) => [c.name, c]));

it('names the emulated stream offset and backlog, and a suspended task as a problem with its fix', async () => {
  const w = await fresh();
  await w.setup();
  const checks = byName(await w.checkObjects());
  expect(checks.get('tables')).toMatchObject({
    ok: true,
    detail: expect.stringContaining('task_state'),
  });
  expect(checks.get('stream (emulated: task_state)')).toMatchObject({
    ok: true,
    detail: expect.stringContaining('0 RAW rows to merge'),
  });
  expect(checks.get('task merge_orders_task')?.ok).toBe(true);

  await w.execute("UPDATE task_state SET suspended = true WHERE task_name = 'merge_orders_task'");
  const suspended = byName(await w.checkObjects()).get('task merge_orders_task');
  expect(suspended).toMatchObject({ ok: false, detail: expect.stringContaining('suspended') });
  // the fix it prints works
  await w.execute(suspended!.fix!.replace(/ \(.*\)$/, ''));
  expect(byName(await w.checkObjects()).get('task merge_orders_task')?.ok).toBe(true);
});

it('a DuckDB-only table gone is named', async () => {
  const w = await fresh();
  await w.setup();
  await w.execute('DROP TABLE task_history');
  expect(byName(await w.checkObjects()).get('tables')).toMatchObject({
    ok: false,
    detail: 'missing: task_history',
    fix: expect.stringContaining('dropship setup'),
  });
});
