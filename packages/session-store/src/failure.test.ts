import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import { GENESIS_HASH } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { failedByDeadLetter, latestFailure, readSessionFailure } from './failure.js';
import { createMemorySessionStore } from './memory/memory-store.js';
import { projectSession } from './projection.js';

const created: NewSessionEvent = {
  kind: 'session_created',
  data: {
    workflowId: 'wf',
    workflowVersion: '1',
    workflowHash: 'sha256:w',
    title: 'T',
    workspacePath: null,
    parentSessionId: null,
    source: 'daemon',
    context: {},
  },
};
const trace = (decision: string, reason: string): NewSessionEvent => ({
  kind: 'decision_trace',
  data: {
    nodeId: null,
    decision,
    reason,
    data: { taskId: 'task_1', next: 'dead letter: fix the cause, then `worktrain sessions continue sess_x`' },
  },
});
const deadLettered = trace('task_dead_lettered', 'Cannot prepare the worktree: no origin');
const budgetEnd: NewSessionEvent = {
  kind: 'session_completed',
  data: { outcome: 'failure', summary: 'budget exceeded: turns' },
};
const continued: NewSessionEvent = {
  kind: 'session_continued',
  data: { actor: 'cli:ada', previousStatus: 'failed', taskId: 'task_1', limits: {} },
};

function stored(events: readonly NewSessionEvent[]): SessionEvent[] {
  return events.map(
    (e, i) =>
      ({
        ...e,
        v: 1,
        sessionId: 'sess_x',
        seq: i + 1,
        eventId: `evt_${i}`,
        at: 1000 + i,
        idempotencyKey: null,
        prevHash: GENESIS_HASH,
        hash: 'h',
      }) as SessionEvent,
  );
}

describe('latestFailure', () => {
  it("gives a dead letter's reason, how to carry on and the task", () => {
    expect(latestFailure(stored([created, trace('task_attempt_failed', 'x'), deadLettered]))).toEqual({
      reason: 'Cannot prepare the worktree: no origin',
      hint: 'dead letter: fix the cause, then `worktrain sessions continue sess_x`',
      taskId: 'task_1',
      seq: 3,
    });
  });

  it('gives a failed run its summary, and nothing once the session was continued', () => {
    expect(latestFailure(stored([created, budgetEnd]))).toMatchObject({ reason: 'budget exceeded: turns' });
    expect(latestFailure(stored([created, deadLettered, continued]))).toBeNull();
    expect(latestFailure(stored([created]))).toBeNull();
  });
});

describe('failedByDeadLetter', () => {
  it('is true only when the dead letter is what made the session failed', () => {
    expect(failedByDeadLetter(stored([created, deadLettered]))).toBe(true);
    // A run that failed by itself (a budget) and then had its task dead-lettered failed by the run.
    expect(failedByDeadLetter(stored([created, budgetEnd, deadLettered]))).toBe(false);
    expect(failedByDeadLetter(stored([created, deadLettered, continued]))).toBe(false);
    expect(failedByDeadLetter(stored([created, deadLettered, continued, deadLettered]))).toBe(true);
    const abort: NewSessionEvent = {
      kind: 'session_aborted',
      data: { reason: 'not wanted', actor: 'cli:ada', code: 'KILLED' },
    };
    expect(failedByDeadLetter(stored([created, deadLettered, abort]))).toBe(false);
    expect(latestFailure(stored([created, deadLettered, abort]))).toMatchObject({
      reason: 'aborted by cli:ada: not wanted',
      hint: null,
    });
  });
});

describe('projectSession', () => {
  it('shows a session whose task was dead-lettered as failed, with the reason and the hint', () => {
    const p = projectSession(stored([created, deadLettered]));
    expect(p.summary.status).toBe('failed');
    expect(p.failure).toMatchObject({ reason: 'Cannot prepare the worktree: no origin', taskId: 'task_1' });
    expect(projectSession(stored([created])).failure).toBeNull();
  });
});

describe('readSessionFailure', () => {
  it("reads a failed session's failure from its log, also when it is further back than the tail", async () => {
    const store = createMemorySessionStore();
    const noise = Array.from({ length: 40 }, () => trace('worktree_ready', 'worktree created'));
    await store.append({ sessionId: 'sess_x', expectedSeq: 0, events: [created, budgetEnd, ...noise] });
    const summary = (await store.getSummary('sess_x'))._unsafeUnwrap();
    expect(summary.status).toBe('failed');
    const failure = (await readSessionFailure(store, summary))._unsafeUnwrap();
    expect(failure).toMatchObject({ reason: 'budget exceeded: turns', seq: 2 });
    await store.append({ sessionId: 'sess_y', expectedSeq: 0, events: [created] });
    const running = (await store.getSummary('sess_y'))._unsafeUnwrap();
    expect((await readSessionFailure(store, running))._unsafeUnwrap()).toBeNull();
  });
});
