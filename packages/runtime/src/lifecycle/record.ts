/** Small helpers the lifecycle's stages share: appending to a session's log or failing the task. */
import type { NewSessionEvent } from '@worktrain/contracts';
import { TaskFailure } from '@worktrain/queue';
import type { SessionStore } from '@worktrain/session-store';
import { appendAtHead } from '../session-log.js';

/**
 * Appends `events` at the head of the session's log. Throws {@link TaskFailure} `execution` (retried by
 * the queue) when the store refuses them.
 */
export async function recordEvents(
  store: SessionStore,
  sessionId: string,
  events: readonly NewSessionEvent[],
): Promise<void> {
  const r = await appendAtHead(store, sessionId, events);
  if (r.isErr()) throw new TaskFailure('execution', `Cannot record session events: ${r.error.message}`);
}

/** The strings of an unknown `details` field (approval ids and the like); anything else → []. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
