import { classifyUpstreamFailure, readUpstreamFailure } from '@worktrain/contracts';
import { type TriggerError, triggerError } from '../errors.js';

/**
 * The TriggerError for a failed call of `what` (e.g. `GitHub issues/list-for-repo`) at `nowMs`, by contracts'
 * one upstream classifier (`classifyUpstreamFailure`), so the scheduler can back off or disable:
 * - unavailable (network error, timeout, 5xx) and rate_limited (429, a 403 with an exhausted limit or
 *   `retry-after`) → UPSTREAM_UNAVAILABLE, with `details.retryAfterMs` when the server said how long to wait;
 * - auth (401) and forbidden (other 403s) → UPSTREAM_AUTH (the trigger is disabled until its config changes);
 * - not_found and any other status → UPSTREAM_INVALID.
 * Only the status, the forge's own message and the operation name are kept: never headers or tokens.
 */
export function upstreamError(thrown: unknown, what: string, nowMs: number): TriggerError {
  const f = readUpstreamFailure(thrown);
  const c = classifyUpstreamFailure(f, nowMs);
  switch (c.kind) {
    case 'unavailable':
    case 'rate_limited':
      // No HTTP status: a network error, a timeout, or gitbeaker giving up after its own 429/502 retries.
      if (c.status === null) return triggerError('UPSTREAM_UNAVAILABLE', `${what} failed: ${f.message}`);
      return triggerError('UPSTREAM_UNAVAILABLE', `${what} answered ${c.status}: ${f.message}`, {
        status: c.status,
        ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}),
      });
    case 'auth':
    case 'forbidden':
      return triggerError(
        'UPSTREAM_AUTH',
        `${what} answered ${c.status} (${f.message}): check the trigger's token and its permissions`,
        { status: c.status },
      );
    case 'not_found':
    case 'rejected':
      return triggerError('UPSTREAM_INVALID', `${what} answered ${c.status}: ${f.message}`, {
        status: c.status,
      });
  }
}

/** HTTP status of what a forge client threw, or null (network error, timeout). */
export function upstreamStatus(thrown: unknown): number | null {
  return readUpstreamFailure(thrown).status;
}

/**
 * Resolves like `promise`, or rejects as soon as `signal` aborts (clients without signal support, so a
 * scheduler stop never waits for a hanging request).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted: the scheduler is stopping'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted: the scheduler is stopping'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
