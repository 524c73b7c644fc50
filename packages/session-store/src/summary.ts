import type { SessionEvent } from '@worktrain/contracts';
import type { SessionStatus, SessionSummary } from './port.js';

const TERMINAL: ReadonlySet<SessionStatus> = new Set(['completed', 'failed', 'aborted']);

/**
 * The `decision_trace` decision the daemon records when a session's task is dead-lettered (no attempt
 * left, or a failure no retry fixes): the session is `failed` from then on, until it is carried on
 * (`session_continued`). Its `reason` says why; `data.next` how to carry on; `data.taskId` the dead task.
 */
export const TASK_DEAD_LETTERED = 'task_dead_lettered';

/** True for statuses no ordinary event can leave (completed, failed, aborted). */
export function isTerminalStatus(status: SessionStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * The summary reducer shared by every backend and by {@link projectSession}: folds one event into the
 * session's summary row. Pure; `summary` is null before the first event, which must be `session_created`.
 *
 * Status rules:
 * - `session_created` → running.
 * - `blocked_attempt` → blocked, until the next `advance_recorded` or `node_created` (→ running).
 * - `gate_parked` → awaiting_approval, until `gate_resolved` (→ running) or a `complete` node.
 * - `node_created` with nodeKind `complete` → completed (currentStepId null).
 * - `session_completed` → completed / failed / aborted for outcome success / failure / cancelled; it may
 *   turn a completed run into failed (e.g. delivery failed) but never overrides failed or aborted.
 * - `session_aborted` → aborted, unless the session already ended.
 * - `decision_trace` with decision {@link TASK_DEAD_LETTERED} (the daemon dead-lettered the session's task,
 *   so nothing runs it any more) → failed, unless the session already ended; the current step stays.
 * - `session_continued` (a failed session carried on: after a budget hit, or after its task was
 *   dead-lettered) → running, from failed only.
 * - No other event changes a terminal status (completed, failed, aborted).
 *
 * Head: `headNodeId`/`currentStepId` follow the latest `node_created` of kind step, gate or complete.
 * Checkpoint nodes are side records and do not move the head. Every event sets lastSeq.
 *
 * updatedAt (1 s granularity, {@link UPDATED_AT_GRANULARITY_MS}): an event that changes status, head node
 * or current step sets it to the event's `at`; any other event sets it only when its `at` is at least
 * 1 000 ms after the current updatedAt. So updatedAt is never more than 1 s behind the latest event, and
 * listing by recency orders sessions at 1 s granularity. Reason: most events (traces, outputs, LLM
 * turns) then leave the summary row untouched, and the SQLite store writes no summary page for them.
 *
 * @throws {Error} when the first event is not `session_created` (the stores guarantee it; a programmer error).
 */
export function reduceSessionSummary(summary: SessionSummary | null, event: SessionEvent): SessionSummary {
  if (summary === null) return reduceEvent(null, event);
  const next = reduceEvent(summary, event);
  if (
    next.status === summary.status &&
    next.headNodeId === summary.headNodeId &&
    next.currentStepId === summary.currentStepId &&
    event.at - summary.updatedAt < UPDATED_AT_GRANULARITY_MS
  ) {
    // `next` is a fresh object (reduceEvent copies a non-null summary): set the field instead of copying again.
    (next as { updatedAt: number }).updatedAt = summary.updatedAt;
    return next;
  }
  return next;
}

/**
 * How far `SessionSummary.updatedAt` may lag behind the session's latest event (ms): see
 * {@link reduceSessionSummary}.
 */
export const UPDATED_AT_GRANULARITY_MS = 1000;

/**
 * True when `next` (the reducer's output for one more event) differs from `previous` in a column of the
 * summary row that is stored (everything but lastSeq, which the SQLite store reads from the log). An
 * append whose summary did not change this way writes no summary row.
 */
export function summaryRowChanged(previous: SessionSummary, next: SessionSummary): boolean {
  return (
    next.status !== previous.status ||
    next.headNodeId !== previous.headNodeId ||
    next.currentStepId !== previous.currentStepId ||
    next.updatedAt !== previous.updatedAt
  );
}

function reduceEvent(summary: SessionSummary | null, event: SessionEvent): SessionSummary {
  if (summary === null) {
    if (event.kind !== 'session_created') {
      throw new Error(
        `reduceSessionSummary: the first event of ${event.sessionId} is ${event.kind}, not session_created`,
      );
    }
    const d = event.data;
    return {
      sessionId: event.sessionId,
      workflowId: d.workflowId,
      workflowHash: d.workflowHash,
      title: d.title ?? null,
      goal: d.goal ?? null,
      workspacePath: d.workspacePath,
      parentSessionId: d.parentSessionId,
      source: d.source,
      status: 'running',
      currentStepId: null,
      headNodeId: null,
      lastSeq: event.seq,
      createdAt: event.at,
      updatedAt: event.at,
    };
  }
  const base: SessionSummary = { ...summary, lastSeq: event.seq, updatedAt: event.at };
  const ended = isTerminalStatus(summary.status);
  switch (event.kind) {
    case 'node_created': {
      const { nodeKind, nodeId, stepId } = event.data;
      if (nodeKind === 'checkpoint') return base;
      if (nodeKind === 'complete') {
        return {
          ...base,
          headNodeId: nodeId,
          currentStepId: null,
          status: ended ? summary.status : 'completed',
        };
      }
      const status = ended || summary.status === 'awaiting_approval' ? summary.status : 'running';
      return { ...base, headNodeId: nodeId, currentStepId: stepId, status };
    }
    case 'advance_recorded':
      return summary.status === 'blocked' ? { ...base, status: 'running' } : base;
    case 'blocked_attempt':
      return ended ? base : { ...base, status: 'blocked' };
    case 'gate_parked':
      return ended ? base : { ...base, status: 'awaiting_approval' };
    case 'gate_resolved':
      return summary.status === 'awaiting_approval' ? { ...base, status: 'running' } : base;
    case 'session_completed': {
      if (summary.status === 'failed' || summary.status === 'aborted') return base;
      const byOutcome = { success: 'completed', failure: 'failed', cancelled: 'aborted' } as const;
      return { ...base, status: byOutcome[event.data.outcome], currentStepId: null };
    }
    case 'session_aborted':
      return ended ? base : { ...base, status: 'aborted', currentStepId: null };
    case 'session_continued':
      return summary.status === 'failed' ? { ...base, status: 'running' } : base;
    case 'decision_trace':
      return event.data.decision === TASK_DEAD_LETTERED && !ended ? { ...base, status: 'failed' } : base;
    default:
      return base;
  }
}
