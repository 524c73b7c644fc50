import type { SessionEvent } from '@worktrain/contracts';
import { GENESIS_HASH, NewSessionEventSchema, SESSION_EVENT_VERSION } from '@worktrain/contracts';
import { computeEventHash } from './event-hash.js';
import type { VerifyResult } from './port.js';

/**
 * Re-computes a session's hash chain from its stored events (pure). Checks, for each event in order:
 * 1. `seq` is 1, 2, 3, … with no gap (`seq_gap`), and every event belongs to `sessionId` (`seq_gap`);
 * 2. `prevHash` is the previous event's `hash`, {@link GENESIS_HASH} for seq 1 (`prev_hash_mismatch`);
 * 3. `hash` equals the recomputed hash of the envelope (`hash_mismatch`, see `computeEventHash`);
 * 4. the envelope version is known and `{kind, data}` passes `NewSessionEventSchema` (`invalid_event`).
 * Reports the first failing seq. For an empty `events`, `ok: true` with `headHash` = GENESIS_HASH.
 */
export function verifyChain(sessionId: string, events: readonly SessionEvent[]): VerifyResult {
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const expectedSeq = i + 1;
    const fail = (
      reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'invalid_event',
    ): VerifyResult => ({
      ok: false,
      sessionId,
      events: events.length,
      brokenAtSeq: expectedSeq,
      reason,
    });
    if (event.seq !== expectedSeq || event.sessionId !== sessionId) return fail('seq_gap');
    if (event.prevHash !== prevHash) return fail('prev_hash_mismatch');
    if (computeEventHash(event) !== event.hash) return fail('hash_mismatch');
    if (event.v !== SESSION_EVENT_VERSION) return fail('invalid_event');
    if (!NewSessionEventSchema.safeParse({ kind: event.kind, data: event.data }).success)
      return fail('invalid_event');
    if ((event.kind === 'session_created') !== (expectedSeq === 1)) return fail('invalid_event');
    prevHash = event.hash;
  }
  return { ok: true, sessionId, events: events.length, headHash: prevHash };
}
