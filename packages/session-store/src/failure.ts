import { err, ok, type Result, type SessionEvent } from '@worktrain/contracts';
import type { SessionFailure, SessionStore, SessionStoreError, SessionSummary } from './port.js';
import { reduceSessionSummary, TASK_DEAD_LETTERED } from './summary.js';

/**
 * The latest failure recorded in `events` (a whole log or only its tail: it scans backwards and stops at
 * the first event that decides): a dead-letter trace, a `session_completed` with outcome failure, or an
 * abort (of a session that had failed); null when the session was continued after it, completed, or never
 * failed. Pure.
 */
export function latestFailure(events: readonly SessionEvent[]): SessionFailure | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    switch (e.kind) {
      case 'decision_trace': {
        if (e.data.decision !== TASK_DEAD_LETTERED) break;
        const data = e.data.data;
        const field = (key: string): string | null => {
          if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
          const v = data[key];
          return typeof v === 'string' ? v : null;
        };
        return { reason: e.data.reason, hint: field('next'), taskId: field('taskId'), seq: e.seq };
      }
      case 'session_completed':
        if (e.data.outcome !== 'failure') return null;
        return { reason: e.data.summary ?? 'the run failed', hint: null, taskId: null, seq: e.seq };
      case 'session_aborted':
        // An operator abandoned it after it failed (a running session's abort makes it `aborted` instead).
        return {
          reason: `aborted by ${e.data.actor}: ${e.data.reason}`,
          hint: null,
          taskId: null,
          seq: e.seq,
        };
      case 'session_continued':
        return null;
      default:
        break;
    }
  }
  return null;
}

/**
 * True when the session is `failed` because its task was dead-lettered while it was unfinished (the trace
 * made it failed), not because its run ended in failure (`session_completed`), and nobody aborted it since:
 * such a session can simply run again (`sessions continue`, or its task requeued). Folds the whole log with
 * the summary reducer.
 */
export function failedByDeadLetter(events: readonly SessionEvent[]): boolean {
  let summary: SessionSummary | null = null;
  let byDeadLetter = false;
  for (const event of events) {
    const before = summary?.status;
    summary = reduceSessionSummary(summary, event);
    if (summary.status === 'failed' && before !== 'failed')
      byDeadLetter = event.kind === 'decision_trace' && event.data.decision === TASK_DEAD_LETTERED;
    else if (event.kind === 'session_aborted') byDeadLetter = false;
  }
  return summary?.status === 'failed' && byDeadLetter;
}

/** Events read from the end of a log by {@link readSessionFailure} before it reads the whole log. */
const FAILURE_TAIL = 32;

/**
 * Why a session failed ({@link latestFailure}), read from its log: the last {@link FAILURE_TAIL} events
 * (where the dead letter is), the whole log only when they do not say. Null, without reading, unless the
 * summary's status is `failed`. Errors: the store's.
 */
export async function readSessionFailure(
  store: SessionStore,
  summary: SessionSummary,
): Promise<Result<SessionFailure | null, SessionStoreError>> {
  if (summary.status !== 'failed') return ok(null);
  const afterSeq = Math.max(0, summary.lastSeq - FAILURE_TAIL);
  const tail = await store.readEvents(summary.sessionId, { afterSeq });
  if (tail.isErr()) return err(tail.error);
  const found = latestFailure(tail.value);
  if (found !== null || afterSeq === 0) return ok(found);
  const all = await store.readEvents(summary.sessionId);
  return all.isErr() ? err(all.error) : ok(latestFailure(all.value));
}
