/**
 * Appending the agent's events to a session log the engine also writes to: read the current head, append
 * with that `expectedSeq`, and retry on SEQ_CONFLICT (another writer — the engine, a steer from the API —
 * appended in between).
 */
import type { NewSessionEvent, Result } from '@worktrain/contracts';
import { err, makeError, ok } from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from '@worktrain/session-store';

const MAX_CONFLICT_RETRIES = 20;

/** Appends `events` as one batch at the session's current head. Errors: the store's (after retries). */
export async function appendAtHead(
  store: SessionStore,
  sessionId: string,
  events: readonly NewSessionEvent[],
): Promise<Result<number, SessionStoreError>> {
  let lastError: SessionStoreError | undefined;
  for (let attempt = 0; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const summary = await store.getSummary(sessionId);
    if (summary.isErr()) return err(summary.error);
    const appended = await store.append({ sessionId, expectedSeq: summary.value.lastSeq, events });
    if (appended.isOk()) return ok(appended.value.lastSeq);
    if (appended.error.code !== 'SEQ_CONFLICT') return err(appended.error);
    lastError = appended.error;
  }
  return err(
    lastError ?? makeError('SEQ_CONFLICT', 'The session kept changing; the append was not applied.'),
  );
}
