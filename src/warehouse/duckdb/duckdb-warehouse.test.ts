import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { warehouseContract } from '../../../test/contract/warehouse-contract.ts';
import { PipelineError } from '../../errors.ts';
import { DuckDbWarehouse } from './duckdb-warehouse.ts';

const dirs: string[] = [];
async function freshPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-duckdb-'));
  dirs.push(dir);
  return join(dir, 'warehouse.duckdb');
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

warehouseContract({ name: 'DuckDB', create: async () => DuckDbWarehouse.open(await freshPath()) });

describe('DuckDB specifics', () => {
  it('says which folder it cannot create when a part of DUCKDB_PATH is a file, never a raw EEXIST', async () => {
    // A file where a folder should be: unwritable even for root (chmod is not).
    const file = await freshPath();
    await writeFile(file, 'not a folder');
    const path = join(file, 'sub', 'warehouse.duckdb');
    const error = await DuckDbWarehouse.open(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({
      code: 'BAD_CONFIG',
      message: expect.stringContaining(`cannot create the folder of the DuckDB warehouse ${path}`),
      hint: expect.stringContaining('DUCKDB_PATH'),
    });
    expect((error as Error).message).toMatch(/is a file, not a folder/);
  });

  it('says plainly what to do when the tables do not exist yet', async () => {
    const w = await DuckDbWarehouse.open(await freshPath());
    try {
      await expect(w.runTask()).rejects.toMatchObject({
        code: 'NOT_SET_UP',
        hint: expect.stringContaining('dropship setup'),
      });
    } finally {
      await w.close();
    }
  });

  it('turns the lock held by another process into a clear error, never a raw lock message', async () => {
    const path = await freshPath();
    const w = await DuckDbWarehouse.open(path);
    await w.setup();
    await w.close();
    const { spawn } = await import('node:child_process');
    // Another process holds the file open.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(${JSON.stringify(path)}); await i.connect(); console.log('ready'); setInterval(() => {}, 1000);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const error = await DuckDbWarehouse.open(path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as PipelineError).code).toBe('WAREHOUSE_LOCKED');
      expect((error as PipelineError).message).toContain(`PID ${holder.pid}`);
      expect((error as PipelineError).message).not.toContain('Conflicting lock');
      expect((error as PipelineError).hint).toMatch(/stop that process/);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
