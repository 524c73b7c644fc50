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
