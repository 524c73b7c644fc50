import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '@worktrain/contracts';
import { type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';
import type { WebhookRequest } from '../provider.js';

/** Header value by lower-case name (first value when repeated). */
export function header(request: WebhookRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()];
}

/** Constant-time comparison of two strings (false for different lengths, without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** Hex HMAC-SHA256 of `body` under `secret`. */
export function hmacHex(secret: string | Buffer, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Verifies `<prefix><hex hmac-sha256(secret, rawBody)>` in `headerName` (GitHub `X-Hub-Signature-256`,
 * Jira Cloud `X-Hub-Signature`, the generic provider). SIGNATURE_INVALID when missing or different.
 */
export function verifyHexHmac(
  request: WebhookRequest,
  secret: string,
  headerName: string,
  prefix: string,
): Result<void, TriggerError> {
  const got = header(request, headerName);
  if (got === undefined || got.length === 0)
    return err(triggerError('SIGNATURE_INVALID', `missing ${headerName} header`, { header: headerName }));
  const expected = prefix + hmacHex(secret, request.rawBody);
  return safeEqual(got.trim().toLowerCase(), expected)
    ? ok(undefined)
    : err(
        triggerError(
          'SIGNATURE_INVALID',
          `${headerName} does not match the payload signed with the trigger's secret`,
          { header: headerName },
        ),
      );
}

/** Parses the raw body as a JSON object. PAYLOAD_INVALID otherwise. */
export function jsonBody(request: WebhookRequest): Result<Record<string, unknown>, TriggerError> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(request.rawBody).toString('utf8'));
  } catch {
    return err(triggerError('PAYLOAD_INVALID', 'body is not JSON'));
  }
  return isRecord(value) ? ok(value) : err(triggerError('PAYLOAD_INVALID', 'body is not a JSON object'));
}

/** Reads a nested field leniently: `pick(o, 'issue', 'user', 'login')`; undefined when any step is missing. */
export function pick(value: unknown, ...keys: string[]): unknown {
  let cur = value;
  for (const k of keys) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Names out of a label list given as strings or objects with `name` / `title`. */
export function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((l) => {
    if (typeof l === 'string') return [l];
    const name = str(pick(l, 'name')) ?? str(pick(l, 'title'));
    return name === undefined ? [] : [name];
  });
}

/** Outcome of one HTTP call of a poller, classified for backoff and disabling. */
export type FetchOutcome =
  | { readonly kind: 'ok'; readonly status: number; readonly body: unknown; readonly headers: Headers }
  | { readonly kind: 'not_modified'; readonly headers: Headers };

/**
 * GETs/POSTs JSON with the poller's conventions: `If-None-Match` when an ETag is known; 304 → not_modified;
 * 401/403 (unless a 403 reports an exhausted rate limit) → UPSTREAM_AUTH; 429, 5xx, 403 rate limit and
 * network errors → UPSTREAM_UNAVAILABLE (with `details.retryAfterMs` when the server said); a body that
 * is not JSON → UPSTREAM_INVALID.
 */
export async function fetchJson(
  fetchFn: typeof fetch,
  url: string,
  init: {
    headers: Record<string, string>;
    etag?: string;
    signal: AbortSignal;
    method?: string;
    body?: string;
  },
): Promise<Result<FetchOutcome, TriggerError>> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.etag) headers['if-none-match'] = init.etag;
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: init.method ?? 'GET',
      headers,
      signal: init.signal,
      ...(init.body ? { body: init.body } : {}),
    });
  } catch (thrown) {
    return err(
      triggerError(
        'UPSTREAM_UNAVAILABLE',
        `network error calling ${redactUrl(url)}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      ),
    );
  }
  if (res.status === 304) return ok({ kind: 'not_modified', headers: res.headers });
  const retryAfter = Number(res.headers.get('retry-after'));
  const rateExhausted = res.headers.get('x-ratelimit-remaining') === '0';
  if (res.status === 429 || (res.status === 403 && rateExhausted) || res.status >= 500) {
    await res.body?.cancel();
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    const retryAfterMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : Number.isFinite(reset) && reset > 0
          ? Math.max(0, reset * 1000 - Date.now())
          : undefined;
    return err(
      triggerError('UPSTREAM_UNAVAILABLE', `${redactUrl(url)} answered ${res.status}`, {
        status: res.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      }),
    );
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    return err(
      triggerError(
        'UPSTREAM_AUTH',
        `${redactUrl(url)} answered ${res.status}: check the trigger's token and its permissions`,
        { status: res.status },
      ),
    );
  }
  if (res.status < 200 || res.status >= 300) {
    await res.body?.cancel();
    return err(
      triggerError('UPSTREAM_INVALID', `${redactUrl(url)} answered ${res.status}`, { status: res.status }),
    );
  }
  try {
    return ok({ kind: 'ok', status: res.status, body: await res.json(), headers: res.headers });
  } catch {
    return err(triggerError('UPSTREAM_INVALID', `${redactUrl(url)} answered a body that is not JSON`));
  }
}

/** URL without its query string (queries can carry user names; never tokens, but keep logs short). */
function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
