import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PipelineError } from '../errors.ts';
import {
  checkPeriod,
  checkSeedSize,
  estimateSeedBytes,
  generateSeedFiles,
  GENERATE_LIMITS,
} from './generate.ts';

const counts = { customers: 2000, products: 300, orders: 20_000 };

it('estimates the written size from above, within 10 %', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-estimate-'));
  try {
    await generateSeedFiles({
      ...counts,
      seed: 7,
      start: new Date('2025-01-01T00:00:00Z'),
      end: new Date('2025-03-31T00:00:00Z'),
      outputDir: dir,
    });
    let actual = 0;
    for (const f of [
      'customers.csv',
      'inventory.csv',
      'orders.csv',
      'order_events.csv',
      'manifest.json',
    ])
      actual += (await stat(join(dir, f))).size;
    const estimate = estimateSeedBytes(counts);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate).toBeLessThanOrEqual(actual * 1.1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('refuses more than the documented maximum, naming it', () => {
  expect(() =>
    checkSeedSize({ ...counts, orders: GENERATE_LIMITS.orders + 1 }, '/data', Infinity),
  ).toThrow(/--orders 100,000,001 is above the maximum of 100,000,000/);
  expect(() =>
    checkSeedSize({ ...counts, orders: GENERATE_LIMITS.orders }, '/data', Infinity),
  ).not.toThrow();
});

it('refuses what does not fit in the free space, with both figures', () => {
  const needed = estimateSeedBytes(counts);
  let error: unknown;
  try {
    checkSeedSize(counts, '/small', needed - 1);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PipelineError);
  expect((error as PipelineError).code).toBe('BAD_ARGUMENT');
  expect((error as PipelineError).message).toMatch(/about 5\.\d MB, but \/small has 5\.\d MB free/);
  expect(() => checkSeedSize(counts, '/small', needed)).not.toThrow();
});

it('refuses a period ending in the future, whose orders the ingest would dead-letter', () => {
  const now = Date.parse('2026-06-10T12:00:00Z');
  expect(() => checkPeriod(new Date('2026-06-10T00:00:00Z'), now)).not.toThrow();
  expect(() => checkPeriod(new Date('2026-06-12T00:00:00Z'), now)).toThrow(
    /--end 2026-06-12 is in the future: orders sold after 2026-06-11T12:00:00.000Z would be refused/,
  );
});
