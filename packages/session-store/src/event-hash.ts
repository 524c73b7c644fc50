import type { SessionEvent } from '@worktrain/contracts';
import { canonicalHash } from '@worktrain/contracts';

/** The fields of a stored event that its hash covers (everything but the hash itself). */
export type UnhashedSessionEvent = Omit<SessionEvent, 'hash'>;

/**
 * Hash of one stored event: `sha256:<hex>` of the RFC 8785 canonical JSON of
 * `{v, sessionId, seq, eventId, at, kind, data, idempotencyKey, prevHash}` (the envelope contract in
 * `@worktrain/contracts` `SessionEvent`). Chaining `prevHash` makes any edit of an earlier event visible.
 */
export function computeEventHash(event: UnhashedSessionEvent): string {
  return canonicalHash({
    v: event.v,
    sessionId: event.sessionId,
    seq: event.seq,
    eventId: event.eventId,
    at: event.at,
    kind: event.kind,
    data: event.data,
    idempotencyKey: event.idempotencyKey,
    prevHash: event.prevHash,
  });
}

/**
 * Digest of an append batch's content (`[{kind, data}, …]`, canonical JSON). Two appends with the same
 * idempotency key are the same request exactly when their digests are equal.
 */
export function batchDigest(events: readonly { readonly kind: string; readonly data: unknown }[]): string {
  return canonicalHash(events.map((e) => ({ kind: e.kind, data: e.data })));
}
