import { hash } from 'node:crypto';
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

/**
 * {@link computeEventHash} for an event whose data's canonical JSON (`canonicalJson(event.data)`) is
 * already known: assembles the envelope's canonical form around it (keys in RFC 8785 order; strings and
 * numbers serialised as the canonicaliser does, with JSON.stringify) and hashes it in one call. Gives the
 * same hash as computeEventHash for every event the store builds (idempotencyKey null or a string).
 */
export function eventHashWithCanonicalData(event: UnhashedSessionEvent, canonicalData: string): string {
  const text = `{"at":${JSON.stringify(event.at)},"data":${canonicalData},"eventId":${JSON.stringify(event.eventId)},"idempotencyKey":${JSON.stringify(event.idempotencyKey)},"kind":${JSON.stringify(event.kind)},"prevHash":${JSON.stringify(event.prevHash)},"seq":${JSON.stringify(event.seq)},"sessionId":${JSON.stringify(event.sessionId)},"v":${JSON.stringify(event.v)}}`;
  return `sha256:${hash('sha256', text)}`;
}

/** {@link batchDigest} of events whose data's canonical JSON is already known (same result). */
export function batchDigestWithCanonicalData(
  events: readonly { readonly kind: string; readonly canonicalData: string }[],
): string {
  const items = events.map((e) => `{"data":${e.canonicalData},"kind":${JSON.stringify(e.kind)}}`);
  return `sha256:${hash('sha256', `[${items.join(',')}]`)}`;
}
