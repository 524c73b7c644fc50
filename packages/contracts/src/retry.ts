/**
 * The one backoff formula, `Retry-After` parser and abortable sleep of WorkTrain (queue retries, trigger
 * polls, model retries, forge and notification calls). Pure except `sleep`; randomness and time are passed in.
 */

/**
 * How a delay is spread around the exponential value `exp` (AWS Architecture Blog, Marc Brooker,
 * "Exponential Backoff And Jitter", 2015):
 * - `full`: uniform in [0, exp] — least contention when many clients retry together;
 * - `equal`: exp/2 + uniform in [0, exp/2] — never shorter than half the exponential value;
 * - `none`: exactly exp (deterministic schedules such as a poll interval that doubles per failure).
 */
export type BackoffJitter = 'full' | 'equal' | 'none';

/** Parameters of {@link computeBackoff}. */
export interface BackoffPolicy {
  /** Delay of the first retry (retry 0) before jitter, ms; doubles per retry. */
  readonly baseMs: number;
  /** Upper bound of any delay, ms (applied before jitter and again to a server's `Retry-After`). */
  readonly capMs: number;
  /** Jitter scheme; default `full`. */
  readonly jitter?: BackoffJitter;
}

/** Randomness and the server's wish for one {@link computeBackoff} call. */
export interface BackoffInputs {
  /** Uniform draw in [0, 1); default `Math.random`. */
  readonly random?: () => number;
  /** How long the server asked to wait (`Retry-After`, see {@link parseRetryAfter}), ms; wins when longer. */
  readonly retryAfterMs?: number | undefined;
}

/**
 * Delay before retry number `retry` (0-based: the first retry is 0), in whole ms, within [0, capMs]:
 * `exp = min(capMs, baseMs · 2^retry)`, spread by the policy's {@link BackoffJitter}; when the server sent a
 * `Retry-After` it wins if longer, still capped at `capMs`. Negative or fractional `retry` counts as
 * `max(0, floor(retry))`. Source of the jitter schemes: AWS Architecture Blog, "Exponential Backoff And Jitter".
 */
export function computeBackoff(retry: number, policy: BackoffPolicy, inputs: BackoffInputs = {}): number {
  const cap = Math.max(0, policy.capMs);
  const n = Number.isFinite(retry) ? Math.max(0, Math.floor(retry)) : 0;
  const base = Math.max(0, policy.baseMs);
  // 2^n overflows to Infinity past n = 1023; a zero base must then stay 0, not NaN.
  const exp = base === 0 ? 0 : Math.min(cap, base * 2 ** n);
  const r = clampUnit((inputs.random ?? Math.random)());
  const jitter = policy.jitter ?? 'full';
  const spread = jitter === 'full' ? r * exp : jitter === 'equal' ? exp / 2 + (r * exp) / 2 : exp;
  const server = inputs.retryAfterMs;
  const chosen = server === undefined || !(server > spread) ? spread : server;
  return Math.min(cap, Math.max(0, Math.round(chosen)));
}

function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

const DELTA_SECONDS = /^\d+$/;
// The three HTTP-date forms of RFC 9110 §5.6.7 (matched case-insensitively, as lenient recipients do).
const IMF_FIXDATE = /^[a-z]{3}, \d{2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i;
const RFC850_DATE = /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i;
const ASCTIME_DATE = /^[a-z]{3} [a-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/i;

/**
 * A `Retry-After` header value as a wait in ms from `nowMs` (RFC 9110 §10.2.3): either delay-seconds
 * (`120`, a non-negative decimal integer) or an HTTP-date in one of the three forms of RFC 9110 §5.6.7
 * (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, asctime
 * `Sun Nov  6 08:49:37 1994`, which is UTC). A date in the past gives 0. Absent, empty or anything else
 * (`-1`, `1.5`, `soon`, an ISO timestamp) gives undefined. `nowMs` is ms since the Unix epoch.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (DELTA_SECONDS.test(value)) return Number(value) * 1000;
  let at: number;
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value)) at = Date.parse(value);
  // asctime has no zone; Date.parse would read it as local time.
  else if (ASCTIME_DATE.test(value)) at = Date.parse(`${value} GMT`);
  else return undefined;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Waits `ms` milliseconds (negative counts as 0). Resolves `true` when the time elapsed and `false` as soon as
 * `signal` aborts (at once if it already has); never rejects. The abort listener is removed either way, so a
 * polling loop may call it any number of times with one signal.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
