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
 * Delay before retry number `retry` (0-based) in ms: "full jitter" (a uniform draw in [d/2, d] where
 * d = base * 2^retry, capped), unless the server sent `retry-after` (seconds, or an HTTP date), which wins
 * when it is longer. Source of the jitter scheme: AWS Architecture Blog, "Exponential Backoff And Jitter".
 */
export function backoffDelayMs(
  retry: number,
  policy: RetryPolicy,
  retryAfter: string | null | undefined,
  random: () => number = Math.random,
  nowMs: number = Date.now(),
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const jittered = exp / 2 + random() * (exp / 2);
  const server = parseRetryAfterMs(retryAfter, nowMs);
  const chosen = server === undefined ? jittered : Math.max(server, jittered);
  return Math.min(policy.maxDelayMs, Math.max(0, Math.round(chosen)));
}

/** `retry-after` as ms: delta-seconds or an HTTP date; undefined when absent or unparsable. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Waits `ms`, resolving early (with false) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
