import { type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';

/**
 * How the pollers classify a failed call of a forge client (Octokit `RequestError`, gitbeaker
 * `GitbeakerRequestError` / `GitbeakerRetryError` / `GitbeakerTimeoutError`, jira.js `HttpException` or a
 * bare axios error), so the scheduler can back off or disable:
 * - 429, 5xx, a 403 that reports an exhausted rate limit (`x-ratelimit-remaining: 0`) or carries
 *   `retry-after` (GitHub's secondary limit), timeouts and network errors → UPSTREAM_UNAVAILABLE, with
 *   `details.retryAfterMs` when the server said how long to wait;
 * - 401 and other 403s → UPSTREAM_AUTH (the trigger is disabled until its config changes);
 * - any other status → UPSTREAM_INVALID.
 * Only the status, the forge's own message and the operation name are kept: never headers or tokens.
 */
export interface UpstreamFailure {
  readonly status: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly message: string;
}

/** Reads status, headers and message out of whatever a forge client threw. */
export function upstreamFailure(thrown: unknown): UpstreamFailure {
  const o = isRecord(thrown) ? thrown : {};
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  // Octokit RequestError: { status, response: { headers, data } }.
  if (typeof o.status === 'number' && isRecord(o.response) && isRecord(o.response.headers))
    return {
      status: o.status,
      headers: headerRecord(o.response.headers),
      message: forgeMessage(o.response.data) ?? message,
    };
  // gitbeaker: { cause: { description, response: Response } }.
  const cause = isRecord(o.cause) ? o.cause : undefined;
  if (cause && cause.response instanceof Response)
    return {
      status: cause.response.status,
      headers: Object.fromEntries(cause.response.headers.entries()),
      message: typeof cause.description === 'string' ? cause.description : message,
    };
  // jira.js HttpException: { status, cause: AxiosError { response: { headers, data } } }.
  const axiosResponse = isRecord(cause?.response)
    ? cause.response
    : isRecord(o.response)
      ? o.response
      : undefined;
  if (typeof o.status === 'number' && o.status >= 100 && axiosResponse)
    return {
      status: o.status,
      headers: headerRecord(axiosResponse.headers),
      message: forgeMessage(axiosResponse.data) ?? message,
    };
  // A bare axios error with a response (jira.js passes those through when it cannot wrap them).
  if (axiosResponse && typeof axiosResponse.status === 'number')
    return {
      status: axiosResponse.status,
      headers: headerRecord(axiosResponse.headers),
      message: forgeMessage(axiosResponse.data) ?? message,
    };
  return { status: null, headers: {}, message };
}

/**
 * The TriggerError for a failed call of `what` (e.g. `GitHub issues/list-for-repo`) at `nowMs`; see
 * {@link UpstreamFailure} for the rules.
 */
export function upstreamError(thrown: unknown, what: string, nowMs: number): TriggerError {
  const f = upstreamFailure(thrown);
  const { status } = f;
  // No HTTP status: a network error, a timeout, or gitbeaker giving up after its own 429/502 retries.
  if (status === null) return triggerError('UPSTREAM_UNAVAILABLE', `${what} failed: ${f.message}`);
  const retryAfter = Number(f.headers['retry-after']);
  const reset = Number(f.headers['x-ratelimit-reset']);
  const exhausted = f.headers['x-ratelimit-remaining'] === '0';
  if (status === 429 || status >= 500 || (status === 403 && (exhausted || retryAfter > 0))) {
    const retryAfterMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : exhausted && Number.isFinite(reset) && reset > 0
          ? Math.max(0, reset * 1000 - nowMs)
          : undefined;
    return triggerError('UPSTREAM_UNAVAILABLE', `${what} answered ${status}: ${f.message}`, {
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (status === 401 || status === 403)
    return triggerError(
      'UPSTREAM_AUTH',
      `${what} answered ${status} (${f.message}): check the trigger's token and its permissions`,
      { status },
    );
  return triggerError('UPSTREAM_INVALID', `${what} answered ${status}: ${f.message}`, { status });
}

/** HTTP status of what a forge client threw, or null (network error, timeout). */
export function upstreamStatus(thrown: unknown): number | null {
  return upstreamFailure(thrown).status;
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

function headerRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value))
    if (typeof v === 'string' || typeof v === 'number') out[k.toLowerCase()] = String(v);
  return out;
}

/** GitHub `{message}`, GitLab `{message}` / `{error}`, Jira `{errorMessages: [...]}`. */
function forgeMessage(data: unknown): string | undefined {
  if (typeof data === 'string' && data.length > 0) return data.slice(0, 200);
  if (!isRecord(data)) return undefined;
  if (typeof data.message === 'string') return data.message;
  if (typeof data.error === 'string') return data.error;
  if (Array.isArray(data.errorMessages) && typeof data.errorMessages[0] === 'string')
    return data.errorMessages[0];
  return undefined;
}
