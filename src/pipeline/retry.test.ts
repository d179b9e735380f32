/**
 * The one retry policy: backoff (exponential, capped, ±25 % jitter from an injected random),
 * attempts and elapsed-time caps, and transient vs terminal from the typed errors.
 */
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors.ts';
import { RetryPolicy } from './retry.ts';

const transient = () => new PipelineError('WAREHOUSE_UNAVAILABLE', 'down', { transient: true });
const terminal = () => new PipelineError('BAD_CONFIG', 'wrong password');

/** A policy whose waits are recorded instead of waited, with a fixed random and clock. */
function recorded(limits: ConstructorParameters<typeof RetryPolicy>[0], random = 0.5) {
  const waits: number[] = [];
  let clock = 0;
  const policy = new RetryPolicy(limits, {
    random: () => random,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  });
  return { policy, waits };
}

/** An operation that fails with `errors` in turn, then returns 'ok'. */
function failing(...errors: Error[]) {
  let calls = 0;
  return {
    operation: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('RetryPolicy.delayMs', () => {
  const limits = { attempts: 20, baseDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    // random, attempt → delay: nominal 100·2^(n-1) capped at 1000, times 0.75 + random/2
    [0.5, 1, 100],
    [0.5, 2, 200],
    [0.5, 3, 400],
    [0.5, 4, 800],
    [0.5, 5, 1000],
    [0.5, 12, 1000],
    [0, 1, 75],
    [0, 5, 750],
    [1, 3, 500],
    [1, 9, 1250],
  ])('random %d, retry %d → %d ms', (random, attempt, expected) => {
    const policy = new RetryPolicy(limits, { random: () => random });
    expect(policy.delayMs(attempt)).toBeCloseTo(expected, 9);
  });
});

describe('RetryPolicy.run', () => {
  it('retries a transient error with growing delays, then returns the result', async () => {
    const { policy, waits } = recorded({ attempts: 8, baseDelayMs: 100, maxDelayMs: 250 });
    const op = failing(transient(), transient(), transient());
    const retried: number[] = [];
    const result = await policy.run(op.operation, {
      onRetry: (_e, attempt) => retried.push(attempt),
    });
    expect([result, op.calls()]).toEqual(['ok', 4]);
    expect(waits).toEqual([100, 200, 250]);
    expect(retried).toEqual([1, 2, 3]);
  });

  it('rethrows a terminal error at once, and an error that is not a PipelineError', async () => {
    const { policy, waits } = recorded({ attempts: 8, baseDelayMs: 100, maxDelayMs: 1000 });
    const op = failing(terminal());
    await expect(policy.run(op.operation)).rejects.toThrow('wrong password');
    const plain = failing(new Error('ENOSPC'));
    await expect(policy.run(plain.operation)).rejects.toThrow('ENOSPC');
    expect([op.calls(), plain.calls(), waits]).toEqual([1, 1, []]);
  });

  it('decides on the translated error and throws it', async () => {
    const { policy } = recorded({ attempts: 8, baseDelayMs: 1, maxDelayMs: 1 });
    const native = Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const op = failing(native, native);
    const translate = (e: unknown) =>
      new PipelineError('BUS_UNAVAILABLE', `translated: ${(e as Error).message}`, {
        transient: (e as { code?: string }).code === 'ECONNREFUSED',
      });
    expect(await policy.run(op.operation, { translate })).toBe('ok');
    const refused = failing(new Error('refused'));
    await expect(policy.run(refused.operation, { translate })).rejects.toThrow(
      'translated: refused',
    );
    expect(refused.calls()).toBe(1);
  });

  it('stops after `attempts` and after `maxElapsedMs`', async () => {
    const byCount = recorded({ attempts: 3, baseDelayMs: 10, maxDelayMs: 10 });
    const op = failing(transient(), transient(), transient(), transient());
    await expect(byCount.policy.run(op.operation)).rejects.toThrow('down');
    expect(op.calls()).toBe(3);
    // 100 + 200 + 400 = 700 ms waited after three failures: the fourth failure is past 600.
    const byTime = recorded({
      attempts: 50,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      maxElapsedMs: 600,
    });
    const slow = failing(...Array.from({ length: 10 }, transient));
    await expect(byTime.policy.run(slow.operation)).rejects.toThrow('down');
    expect([slow.calls(), byTime.waits]).toEqual([4, [100, 200, 400]]);
  });

  it('gives up when stopped or aborted while waiting', async () => {
    const { policy } = recorded({ attempts: 8, baseDelayMs: 1, maxDelayMs: 1 });
    const op = failing(transient(), transient());
    await expect(policy.run(op.operation, { stop: () => true })).rejects.toThrow('down');
    expect(op.calls()).toBe(1);
    const controller = new AbortController();
    const aborting = policy.with({
      sleep: async () => {
        controller.abort();
      },
    });
    const op2 = failing(transient(), transient());
    await expect(aborting.run(op2.operation, { signal: controller.signal })).rejects.toMatchObject({
      code: 'INTERRUPTED',
    });
    expect(op2.calls()).toBe(1);
  });

  it('waits for real by default (a few ms)', async () => {
    const policy = new RetryPolicy({ attempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    const op = failing(transient());
    expect(await policy.run(op.operation)).toBe('ok');
  });
});
