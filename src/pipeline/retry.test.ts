import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors.ts';
import { backoffDelay, withRetry } from './retry.ts';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, within ±25 % jitter', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const nominal = Math.min(5000, 500 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, 500, 5000);
        expect(d).toBeGreaterThanOrEqual(nominal * 0.75);
        expect(d).toBeLessThanOrEqual(nominal * 1.25);
      }
    }
  });
});

describe('withRetry', () => {
  it('retries a transient error and gives up at once on a terminal one', async () => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 3)
          throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'down', { transient: true });
        return 'ok';
      },
      { baseDelayMs: 1, maxDelayMs: 2 },
    );
    expect([value, calls]).toEqual(['ok', 3]);
    let terminalCalls = 0;
    await expect(
      withRetry(
        async () => {
          terminalCalls++;
          throw new PipelineError('BAD_CONFIG', 'wrong');
        },
        { baseDelayMs: 1 },
      ),
    ).rejects.toThrow('wrong');
    expect(terminalCalls).toBe(1);
  });
});
