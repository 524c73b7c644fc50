import { parseRetryAfter } from './retry.js';

/**
 * The one upstream-error classifier of WorkTrain's forge calls (trigger pollers and delivery targets): reads
 * what a forge client threw (Octokit `RequestError`, gitbeaker `GitbeakerRequestError` / `…RetryError` /
 * `…TimeoutError`, jira.js `HttpException` or a bare axios error) and sorts it into one of a few kinds each
 * package maps onto its own error codes. Only the status, the headers and the forge's own message are kept.
 */
export interface UpstreamFailure {
  /** HTTP status, or null for a network error, a timeout, or a client that gave up after its own retries. */
  readonly status: number | null;
  /** Response headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The forge's own message (`{message}`, `{error}`, `{errorMessages: [...]}`), else the thrown message. */
  readonly message: string;
  /** The parsed response body when the client kept it (for forge-specific error formatting). */
  readonly data: unknown;
}

/**
 * - `unavailable`: no status (network, timeout) or 5xx — retry later;
 * - `rate_limited`: 429, or a 403 that reports an exhausted rate limit (`x-ratelimit-remaining: 0`) or carries
 *   `retry-after` (GitHub's secondary rate limit, GitHub REST docs "Rate limits for the REST API");
 * - `auth`: 401 (missing, expired or revoked credentials);
 * - `forbidden`: any other 403 (credentials valid, permission missing);
 * - `not_found`: 404;
 * - `rejected`: any other status (the request itself was refused).
 */
export type UpstreamFailureKind =
  | 'unavailable'
  | 'rate_limited'
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rejected';

export interface UpstreamClassification {
  readonly kind: UpstreamFailureKind;
  readonly status: number | null;
  /**
   * How long the forge asked to wait, ms (for `unavailable` and `rate_limited`): `Retry-After` (delta-seconds
   * or HTTP-date), else the time until `x-ratelimit-reset` (epoch seconds) when the limit is exhausted.
   */
  readonly retryAfterMs?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads status, headers, message and body out of whatever a forge client threw. */
export function readUpstreamFailure(thrown: unknown): UpstreamFailure {
  const o = isRecord(thrown) ? thrown : {};
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  // Octokit RequestError: { status, response: { headers, data } }.
  if (typeof o.status === 'number' && isRecord(o.response) && isRecord(o.response.headers))
    return {
      status: o.status,
      headers: headerRecord(o.response.headers),
      message: forgeMessage(o.response.data) ?? message,
      data: o.response.data,
    };
  // gitbeaker: { cause: { description, response: Response } }.
  const cause = isRecord(o.cause) ? o.cause : undefined;
  if (cause && cause.response instanceof Response)
    return {
      status: cause.response.status,
      headers: Object.fromEntries(cause.response.headers.entries()),
      message: typeof cause.description === 'string' ? cause.description : message,
      data: cause.description,
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
      data: axiosResponse.data,
    };
  // A bare axios error with a response (jira.js passes those through when it cannot wrap them).
  if (axiosResponse && typeof axiosResponse.status === 'number')
    return {
      status: axiosResponse.status,
      headers: headerRecord(axiosResponse.headers),
      message: forgeMessage(axiosResponse.data) ?? message,
      data: axiosResponse.data,
    };
  // No response at all (network error, timeout, gitbeaker giving up after its own retries). Octokit reports
  // a network error as status 500 without a response: that is no answer from GitHub either.
  const description = typeof cause?.description === 'string' ? cause.description : undefined;
  return { status: null, headers: {}, message: description ?? message, data: undefined };
}

/** Sorts a failure into an {@link UpstreamFailureKind}; `nowMs` (epoch ms) turns a rate-limit reset into a wait. */
export function classifyUpstreamFailure(failure: UpstreamFailure, nowMs: number): UpstreamClassification {
  const { status, headers } = failure;
  if (status === null) return { kind: 'unavailable', status };
  const retryAfter = parseRetryAfter(headers['retry-after'], nowMs);
  const reset = Number(headers['x-ratelimit-reset']);
  const exhausted = headers['x-ratelimit-remaining'] === '0';
  const wait =
    retryAfter !== undefined && retryAfter > 0
      ? retryAfter
      : exhausted && Number.isFinite(reset) && reset > 0
        ? Math.max(0, reset * 1000 - nowMs)
        : undefined;
  const withWait = (kind: UpstreamFailureKind): UpstreamClassification =>
    wait === undefined ? { kind, status } : { kind, status, retryAfterMs: wait };
  if (status === 429 || (status === 403 && (exhausted || (retryAfter ?? 0) > 0)))
    return withWait('rate_limited');
  if (status >= 500) return withWait('unavailable');
  if (status === 401) return { kind: 'auth', status };
  if (status === 403) return { kind: 'forbidden', status };
  if (status === 404) return { kind: 'not_found', status };
  return { kind: 'rejected', status };
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
