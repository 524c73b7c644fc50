/**
 * Appending the agent's events to a session log the engine also writes to: read the current head, append
 * with that `expectedSeq`, and retry on SEQ_CONFLICT (another writer — the engine, a steer from the API —
 * appended in between).
 */
import type { NewSessionEvent, Result } from '@worktrain/contracts';
import { err, makeError, ok } from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from '@worktrain/session-store';

const MAX_CONFLICT_RETRIES = 20;

/**
 * Deterministic idempotency keys of the agent's own events, scoped by the store to one session. The same
 * model turn (its index over the whole session, counting earlier runs) and the same tool call (its
 * `tool_use` id within that turn) always get the same key, so an append replayed after a crash (e.g. a
 * resumed run re-announcing the turn that was in flight) is a no-op instead of a second event.
 */
export const agentEventKeys = {
  turnStarted: (sessionId: string, turn: number): string => `agent:${sessionId}:turn:${turn}:started`,
  turnCompleted: (sessionId: string, turn: number): string => `agent:${sessionId}:turn:${turn}:completed`,
  toolStarted: (sessionId: string, turn: number, toolUseId: string): string =>
    `agent:${sessionId}:turn:${turn}:tool:${toolUseId}:started`,
  toolCompleted: (sessionId: string, turn: number, toolUseId: string): string =>
    `agent:${sessionId}:turn:${turn}:tool:${toolUseId}:completed`,
} as const;

/**
 * Appends `events` as one batch at the session's current head; returns the seq of its last event.
 * With `idempotencyKey`, a batch already stored under that key is not written again: the store's replay
 * answer and IDEMPOTENCY_KEY_CONFLICT (the replay measured, e.g., another duration) both count as
 * "already recorded" and return the original batch's last seq (or the head for a conflict).
 * Errors: the store's (after SEQ_CONFLICT retries).
 */
export async function appendAtHead(
  store: SessionStore,
  sessionId: string,
  events: readonly NewSessionEvent[],
  idempotencyKey?: string,
): Promise<Result<number, SessionStoreError>> {
  let lastError: SessionStoreError | undefined;
  for (let attempt = 0; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const summary = await store.getSummary(sessionId);
    if (summary.isErr()) return err(summary.error);
    const appended = await store.append({
      sessionId,
      expectedSeq: summary.value.lastSeq,
      events,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    if (appended.isOk()) return ok(appended.value.lastSeq);
    if (appended.error.code === 'IDEMPOTENCY_KEY_CONFLICT') return ok(summary.value.lastSeq);
    if (appended.error.code !== 'SEQ_CONFLICT') return err(appended.error);
    lastError = appended.error;
  }
  return err(
    lastError ?? makeError('SEQ_CONFLICT', 'The session kept changing; the append was not applied.'),
  );
}
