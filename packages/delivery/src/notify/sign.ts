import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header with the HMAC: `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export const SIGNATURE_HEADER = 'x-worktrain-signature-256';
/** Header with the signing time, seconds since the Unix epoch (also inside the signed text). */
export const TIMESTAMP_HEADER = 'x-worktrain-timestamp';
/** Header with the notification type (`session.completed`…). */
export const EVENT_HEADER = 'x-worktrain-event';
/** Header with the notification id; the same on every retry, so receivers can dedupe. */
export const DELIVERY_HEADER = 'x-worktrain-delivery';

/**
 * Signs a webhook body: HMAC-SHA256 with `secret` over `"<timestampSeconds>.<body>"` (the timestamp is
 * signed so a captured request cannot be replayed later with a new timestamp; same construction as Stripe's
 * and Standard Webhooks'). Returns the header value `sha256=<hex>`.
 */
export function signNotification(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `sha256=${mac}`;
}

/**
 * Checks a received notification (for receivers and tests): the signature matches (constant-time compare)
 * and the timestamp is within `toleranceSeconds` (default 300) of `nowSeconds`. Returns the reason on
 * failure: `missing`, `stale`, `mismatch`.
 */
export function verifyNotification(input: {
  readonly secret: string;
  readonly body: string;
  readonly signature: string | null | undefined;
  readonly timestamp: string | null | undefined;
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}): { readonly ok: true } | { readonly ok: false; readonly reason: 'missing' | 'stale' | 'mismatch' } {
  if (!input.signature || !input.timestamp || !/^\d{1,12}$/.test(input.timestamp))
    return { ok: false, reason: 'missing' };
  const ts = Number(input.timestamp);
  if (Math.abs(input.nowSeconds - ts) > (input.toleranceSeconds ?? 300))
    return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signNotification(input.secret, ts, input.body));
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
