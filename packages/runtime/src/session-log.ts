import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import { err, ok, type Result } from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from '@worktrain/session-store';

/**
 * Appends `events` at the head of a session's log, re-reading the head on SEQ_CONFLICT (the agent loop
 * and the engine write to the same log). Gives up after 10 conflicts.
 */
export async function appendAtHead(
  store: SessionStore,
  sessionId: string,
  events: readonly NewSessionEvent[],
): Promise<Result<readonly SessionEvent[], SessionStoreError>> {
  let last: SessionStoreError | null = null;
  for (let i = 0; i < 10; i++) {
    const summary = await store.getSummary(sessionId);
    if (summary.isErr()) return err(summary.error);
    const appended = await store.append({ sessionId, expectedSeq: summary.value.lastSeq, events });
    if (appended.isOk()) return ok(appended.value.events);
    last = appended.error;
    if (appended.error.code !== 'SEQ_CONFLICT') return err(appended.error);
  }
  return err(last ?? { code: 'SEQ_CONFLICT', message: 'append kept conflicting' });
}

/** Every event of a session (paged reads of 1000). */
export async function readAll(
  store: SessionStore,
  sessionId: string,
): Promise<Result<SessionEvent[], SessionStoreError>> {
  const out: SessionEvent[] = [];
  for (;;) {
    const page = await store.readEvents(sessionId, { afterSeq: out.length, limit: 1000 });
    if (page.isErr()) return err(page.error);
    out.push(...page.value);
    if (page.value.length < 1000) return ok(out);
  }
}
