import { computeBackoff, parseRetryAfter } from '@worktrain/contracts';

/** Retry policy for transient model errors: jittered exponential backoff that honours `retry-after`. */

export interface RetryPolicy {
  /** Retries after the first attempt (default 4, so at most 5 attempts). */
  readonly maxRetries: number;
  /** First backoff in ms (default 500); doubles each retry. */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff in ms (default 30 000), also caps `retry-after`. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before retry number `retry` (0-based) in ms: "equal jitter" (a uniform draw in [d/2, d] where
 * d = base * 2^retry, capped), unless the server sent `retry-after` (delta-seconds or an HTTP date), which wins
 * when it is longer, still capped. The schedule is contracts' {@link computeBackoff} (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"); the header is read by {@link parseRetryAfter} (RFC 9110 §10.2.3).
 */
export function backoffDelayMs(
  retry: number,
  policy: RetryPolicy,
  retryAfter: string | null | undefined,
  random: () => number = Math.random,
  nowMs: number = Date.now(),
): number {
  return computeBackoff(
    retry,
    { baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs, jitter: 'equal' },
    { random, retryAfterMs: parseRetryAfter(retryAfter, nowMs) },
  );
}
