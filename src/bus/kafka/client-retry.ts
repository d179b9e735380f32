/**
 * kafkajs retries its own requests (connects, admin requests, fetches) with its own backoff.
 * Its knobs are set from the pipeline's RetryPolicy, so the rules are the same: exponential
 * (×2) from the base, capped, ±25 % jitter, the same number of attempts.
 */
import type { RetryOptions } from 'kafkajs';
import { JITTER, type RetryPolicy } from '../../pipeline/retry.ts';

export function kafkajsRetry(policy: RetryPolicy): RetryOptions {
  const { attempts, baseDelayMs, maxDelayMs } = policy.limits;
  return {
    retries: attempts - 1,
    initialRetryTime: baseDelayMs,
    maxRetryTime: maxDelayMs,
    multiplier: 2,
    factor: JITTER,
  };
}
