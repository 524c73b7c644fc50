import { computeBackoff, parseRetryAfter, sleep as sleepFor } from '@worktrain/contracts';
import type { RetryOptions } from './types.js';

/** Injected for tests and embedders; default the global `fetch` and contracts' `sleep`. */
export interface Transport {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1; default Math.random (jitter). */
  readonly random?: () => number;
}

/** One attempt's request, built fresh per attempt (a webhook re-signs with a new timestamp). */
export interface AttemptRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface PostOutcome {
  readonly ok: boolean;
  readonly attempts: number;
  readonly status: number | null;
  readonly error?: string;
}

/**
 * Whether a response is worth another try: network errors and timeouts (status null), 408, 425, 429 and
 * 5xx. Other 4xx mean the request itself is wrong (bad URL, revoked hook, invalid payload): retrying cannot
 * help.
 */
export function isRetryableStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs to `url` until a 2xx, a non-retryable status, or `maxAttempts` (default 5). Backoff between
 * attempts: contracts' `computeBackoff` with equal jitter, `min(maxDelayMs, baseDelayMs · 2^(n-1))` ×
 * uniform[0.5, 1]; a longer `Retry-After` (429/503; delta-seconds or HTTP-date) is honoured up to the cap. Each attempt times out after `timeoutMs`. Never throws; error texts never
 * contain the URL (it may be the secret, as for Slack).
 */
export async function postWithRetries(
  url: string,
  build: () => AttemptRequest,
  options: RetryOptions,
  transport: Transport = {},
): Promise<PostOutcome> {
  const doFetch = transport.fetch ?? fetch;
  const sleep = transport.sleep ?? ((ms: number) => sleepFor(ms).then(() => undefined));
  const random = transport.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let status: number | null = null;
  let error = '';
  for (let attempt = 1; ; attempt++) {
    let retryAfter: number | undefined;
    const req = build();
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...req.headers },
        body: req.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      const text = (await res.text().catch(() => '')).slice(0, 200);
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt, status };
      error = `HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').trim()}` : ''}`;
      retryAfter = parseRetryAfter(res.headers.get('retry-after'), Date.now());
    } catch (thrown) {
      status = null;
      const name = thrown instanceof Error ? thrown.name : '';
      error =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no response within ${timeoutMs} ms`
          : `request failed: ${describeCause(thrown)}`;
    }
    if (attempt >= maxAttempts || !isRetryableStatus(status))
      return { ok: false, attempts: attempt, status, error };
    await sleep(
      computeBackoff(
        attempt - 1,
        { baseMs: base, capMs: cap, jitter: 'equal' },
        { random, retryAfterMs: retryAfter },
      ),
    );
  }
}

/** The cause of a fetch failure (ECONNREFUSED…), never the URL. */
function describeCause(thrown: unknown): string {
  if (thrown instanceof Error) {
    const cause = (thrown as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
    if (cause instanceof Error) return cause.message.replace(/https?:\/\/\S+/g, '<url>');
    return thrown.message.replace(/https?:\/\/\S+/g, '<url>');
  }
  return 'unknown error';
}
