/**
 * The pipeline's one retry policy: transient faults (broker restart, warehouse hiccup) are
 * retried with exponential backoff, jitter and caps; terminal errors are rethrown at once.
 * What is transient is decided by the typed errors of src/errors.ts (`isTransient`): each
 * caller translates its client's native error first (Kafka, DuckDB, Snowflake), so no caller
 * keeps a rule of its own about which errors are worth a retry.
 *
 * Callers differ only in their limits (how many attempts, how long), named in `RETRY` below:
 * the Kafka producer (also for the dead-letter topic), the consumer's offset commit and its
 * reconnect after losing the broker, and the ingest's warehouse write.
 */
import { isTransient, PipelineError } from '../errors.ts';

export interface RetryLimits {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the first retry; it doubles with each retry… */
  baseDelayMs: number;
  /** …up to this cap. */
  maxDelayMs: number;
  /** No retry starts once this long has passed since the first attempt (optional). */
  maxElapsedMs?: number;
}

/** ± this share of the delay, so clients retrying the same outage do not retry in step. */
export const JITTER = 0.25;

export interface RetryOptions {
  signal?: AbortSignal | undefined;
  /** Checked after each failure: true gives up (e.g. the client is being closed). */
  stop?: (() => boolean) | undefined;
  /** Told before each wait: the (translated) error, the attempt that failed, the wait. */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
  /** The client's native error as a PipelineError (the one that is decided on and thrown). */
  translate?: ((error: unknown) => unknown) | undefined;
}

/** Injected by tests: deterministic jitter, waits that do not wait, a clock. */
export interface RetryEnvironment {
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
}

export class RetryPolicy {
  readonly limits: Readonly<RetryLimits>;
  private readonly env: RetryEnvironment;

  constructor(limits: RetryLimits, env: Partial<RetryEnvironment> = {}) {
    this.limits = Object.freeze({ ...limits });
    this.env = { random: Math.random, sleep, now: Date.now, ...env };
  }

  /** The same limits with another environment (tests). */
  with(env: Partial<RetryEnvironment>): RetryPolicy {
    return new RetryPolicy(this.limits, { ...this.env, ...env });
  }

  /**
   * The wait before retry number `attempt` (1-based): base × 2^(attempt-1), capped at
   * maxDelayMs, then ±25 % jitter.
   */
  delayMs(attempt: number): number {
    return this.nominalDelayMs(attempt) * (1 - JITTER + this.env.random() * 2 * JITTER);
  }

  /** The wait before retry number `attempt` without jitter: base × 2^(attempt-1), capped. */
  nominalDelayMs(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.limits;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  }

  /** Whether attempt `attempt` (1-based), which failed with `error`, is worth another one. */
  shouldRetry(error: unknown, attempt: number, startedAt: number): boolean {
    const { attempts, maxElapsedMs } = this.limits;
    if (attempt >= attempts || !isTransient(error)) return false;
    return maxElapsedMs === undefined || this.env.now() - startedAt < maxElapsedMs;
  }

  /** Waits `ms` (or until the signal aborts). */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return this.env.sleep(ms, signal);
  }

  now(): number {
    return this.env.now();
  }

  /** Runs `operation` until it succeeds, fails for good, or the limits are reached. */
  async run<R>(operation: () => Promise<R>, options: RetryOptions = {}): Promise<R> {
    const startedAt = this.env.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (thrown) {
        const error = options.translate ? options.translate(thrown) : thrown;
        if (
          options.signal?.aborted ||
          options.stop?.() ||
          !this.shouldRetry(error, attempt, startedAt)
        )
          throw error;
        const delay = this.delayMs(attempt);
        options.onRetry?.(error, attempt, delay);
        await this.env.sleep(delay, options.signal);
        if (options.signal?.aborted)
          throw new PipelineError('INTERRUPTED', 'stopped while waiting to retry', {
            cause: error,
          });
      }
    }
  }
}

/** Each caller's limits; the rules (backoff, jitter, what is transient) are RetryPolicy's. */
export const RETRY = {
  /**
   * A Kafka send (orders and dead letters): waits out a broker restart, for 90 s at most.
   * A message could be written twice, which RAW and the MERGE tolerate (same event id).
   */
  producer: new RetryPolicy({
    attempts: 30,
    baseDelayMs: 500,
    maxDelayMs: 5000,
    maxElapsedMs: 90_000,
  }),
  /** Committing offsets: a few quick tries; a failure only means a redelivery RAW skips. */
  offsetCommit: new RetryPolicy({ attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 }),
  /**
   * The consumer's first start and its restarts (8) in a row: kafkajs's own restarts and the
   * replacement of a consumer that lost the broker share the budget.
   */
  consumer: new RetryPolicy({ attempts: 9, baseDelayMs: 500, maxDelayMs: 10_000 }),
  /**
   * Requests inside the Kafka client (kafkajs: connects, admin requests, fetches), ≈ 10 s in
   * all: a missing broker is reported, not waited for forever.
   */
  kafkaRequest: new RetryPolicy({ attempts: 6, baseDelayMs: 300, maxDelayMs: 5000 }),
  /** A health check (doctor, ping) answers in seconds. */
  kafkaPing: new RetryPolicy({ attempts: 2, baseDelayMs: 300, maxDelayMs: 1000 }),
  /** The ingest's write of a batch (RAW rows, dead letters, offsets) to the warehouse. */
  warehouse: new RetryPolicy({ attempts: 8, baseDelayMs: 200, maxDelayMs: 10_000 }),
  /**
   * A manual task run that failed while `run --once` drains RAW into PROD: tried again until
   * the drain's deadline or a signal (a warehouse outage recovers), at nominal delays (one
   * process, nothing to spread out).
   */
  taskDrain: new RetryPolicy({
    attempts: Number.POSITIVE_INFINITY,
    baseDelayMs: 250,
    maxDelayMs: 5000,
  }),
} as const satisfies Record<string, RetryPolicy>;

/**
 * For tests: the same policy, its waits recorded instead of waited and its jitter at the
 * middle (random 0.5: each wait is the nominal one), so delays can be asserted exactly.
 */
export function recordingWaits(policy: RetryPolicy): { policy: RetryPolicy; waits: number[] } {
  const waits: number[] = [];
  return {
    policy: policy.with({ random: () => 0.5, sleep: async (ms) => void waits.push(ms) }),
    waits,
  };
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
