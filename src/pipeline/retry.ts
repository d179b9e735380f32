/**
 * Retries transient faults (broker restart, warehouse hiccup) with exponential backoff and
 * jitter; terminal errors and exhausted attempts are rethrown unchanged.
 */
import { isTransient, PipelineError } from '../errors.ts';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Which errors are worth retrying; default: PipelineErrors marked transient. */
  retryable?: (error: unknown) => boolean;
}

/**
 * The wait before retry `attempt` (1-based): exponential from `baseMs`, capped at `maxMs`, with
 * ±25 % jitter so that clients retrying the same outage do not retry in step. The one backoff
 * of the pipeline: withRetry and the Kafka clients' own reconnects use it.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function withRetry<R>(
  operation: () => Promise<R>,
  options: RetryOptions = {},
): Promise<R> {
  const attempts = options.attempts ?? 8;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 10_000;
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !retryable(error) || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, base, max);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted)
        throw new PipelineError('INTERRUPTED', 'stopped while waiting to retry', { cause: error });
    }
  }
}
