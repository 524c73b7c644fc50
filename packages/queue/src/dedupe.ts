import { canonicalHash, type JsonValue } from '@worktrain/contracts';

/**
 * A dedupe key from its parts, e.g. `dedupeKeyOf('review', repo, prNumber, payload)`: the sha256 of their
 * RFC 8785 canonical JSON, so equal parts give equal keys whatever the key order of objects. Use it for the
 * backlog's "task id + agent + payload hash" style of deduplication.
 * @throws only for values JSON cannot represent (a programmer error; payloads are validated before).
 */
export function dedupeKeyOf(...parts: JsonValue[]): string {
  return canonicalHash(parts);
}
