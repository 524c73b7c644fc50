import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import { GENESIS_HASH } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import type { SessionStatus } from './port.js';
import { reduceSessionSummary, summaryRowChanged, UPDATED_AT_GRANULARITY_MS } from './summary.js';

const createdEvent: NewSessionEvent = {
  kind: 'session_created',
  data: {
    workflowId: 'wf',
    workflowVersion: '1',
    workflowHash: 'sha256:w',
    title: 'T',
    workspacePath: null,
    parentSessionId: 'sess_parent',
    source: 'cli',
    context: {},
  },
};
const step = (
  nodeId: string,
  stepId: string | null,
  nodeKind: 'step' | 'gate' | 'checkpoint' | 'complete' = 'step',
): NewSessionEvent => ({
  kind: 'node_created',
  data: { nodeId, parentNodeId: null, nodeKind, stepId, state: null },
});
const blocked: NewSessionEvent = {
  kind: 'blocked_attempt',
  data: { nodeId: 'n1', stepId: 's1', attempt: 1, blockers: [], retryable: true, consecutive: 1 },
};
const advance: NewSessionEvent = {
  kind: 'advance_recorded',
  data: { fromNodeId: 'n1', toNodeId: 'n2', attempt: 1, fork: false },
};
const parked: NewSessionEvent = {
  kind: 'gate_parked',
  data: { nodeId: 'n1', stepId: 's1', gateKind: 'human_approval' },
};
const resolved: NewSessionEvent = {
  kind: 'gate_resolved',
  data: { nodeId: 'n1', stepId: 's1', verdict: 'approved', actor: 'alice' },
};
const done = (outcome: 'success' | 'failure' | 'cancelled'): NewSessionEvent => ({
  kind: 'session_completed',
  data: { outcome },
});
const abort: NewSessionEvent = { kind: 'session_aborted', data: { reason: 'stop', actor: 'cli' } };
const steer: NewSessionEvent = { kind: 'steer_injected', data: { message: 'hi', actor: 'me' } };

/** Wraps new events into stored ones (hashes are irrelevant to the reducer). */
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

function statuses(events: readonly NewSessionEvent[]): SessionStatus[] {
  const out: SessionStatus[] = [];
  let summary = null;
  for (const e of stored(events)) {
    summary = reduceSessionSummary(summary, e);
    out.push(summary.status);
  }
  return out;
}

describe('reduceSessionSummary', () => {
  it('builds the summary from session_created', () => {
    const s = reduceSessionSummary(null, stored([createdEvent])[0]!);
    expect(s).toMatchObject({
      sessionId: 'sess_x',
      workflowId: 'wf',
      title: 'T',
      goal: null,
      parentSessionId: 'sess_parent',
      source: 'cli',
      status: 'running',
      currentStepId: null,
      headNodeId: null,
      lastSeq: 1,
      createdAt: 1000,
      updatedAt: 1000,
    });
  });

  it('throws when the first event is not session_created', () => {
    expect(() => reduceSessionSummary(null, stored([steer])[0]!)).toThrow(/session_created/);
  });

  it('is blocked after a blocked attempt until the next advance', () => {
    expect(statuses([createdEvent, step('n1', 's1'), blocked, steer, advance])).toEqual([
      'running',
      'running',
      'blocked',
      'blocked',
      'running',
    ]);
  });

  it('is blocked after a blocked attempt until the next node', () => {
    expect(statuses([createdEvent, step('n1', 's1'), blocked, step('n2', 's2')]).at(-1)).toBe('running');
  });

  it('awaits approval from gate_parked until gate_resolved, even across node creation', () => {
    expect(statuses([createdEvent, step('n1', 's1', 'gate'), parked, step('n2', 's2'), resolved])).toEqual([
      'running',
      'running',
      'awaiting_approval',
      'awaiting_approval',
      'running',
    ]);
  });

  it('completes on a complete node and fails on session_completed with outcome failure', () => {
    expect(statuses([createdEvent, step('n1', 's1'), step('n2', null, 'complete'), done('failure')])).toEqual(
      ['running', 'running', 'completed', 'failed'],
    );
  });

  it('maps session_completed outcomes: success → completed, cancelled → aborted', () => {
    expect(statuses([createdEvent, done('success')]).at(-1)).toBe('completed');
    expect(statuses([createdEvent, done('cancelled')]).at(-1)).toBe('aborted');
  });

  it('keeps aborted and failed final', () => {
    expect(statuses([createdEvent, abort, step('n1', 's1'), blocked, parked, done('success')]).at(-1)).toBe(
      'aborted',
    );
    expect(statuses([createdEvent, done('failure'), abort, done('success')]).at(-1)).toBe('failed');
  });

  it('reopens a failed session on session_continued, but never a completed or aborted one', () => {
    const continued: NewSessionEvent = {
      kind: 'session_continued',
      data: { actor: 'cli:ada', previousStatus: 'failed', budget: 'turns', limits: { maxTurns: 10 } },
    };
    expect(statuses([createdEvent, step('n1', 's1'), done('failure'), continued])).toEqual([
      'running',
      'running',
      'failed',
      'running',
    ]);
    expect(statuses([createdEvent, done('success'), continued]).at(-1)).toBe('completed');
    expect(statuses([createdEvent, abort, continued]).at(-1)).toBe('aborted');
    expect(statuses([createdEvent, done('cancelled'), continued]).at(-1)).toBe('aborted');
  });

  it('fails a session whose task was dead-lettered, keeps its step, and reopens it on session_continued', () => {
    const deadLettered: NewSessionEvent = {
      kind: 'decision_trace',
      data: { nodeId: null, decision: 'task_dead_lettered', reason: 'No model', data: { taskId: 'task_1' } },
    };
    const otherTrace: NewSessionEvent = {
      kind: 'decision_trace',
      data: { nodeId: null, decision: 'task_attempt_failed', reason: 'No model' },
    };
    const continued: NewSessionEvent = {
      kind: 'session_continued',
      data: { actor: 'cli:ada', previousStatus: 'failed', taskId: 'task_1', limits: {} },
    };
    expect(statuses([createdEvent, step('n1', 's1'), otherTrace, deadLettered, continued])).toEqual([
      'running',
      'running',
      'running',
      'failed',
      'running',
    ]);
    let s = null;
    for (const e of stored([createdEvent, step('n1', 's1'), deadLettered])) s = reduceSessionSummary(s, e);
    expect(s).toMatchObject({ status: 'failed', currentStepId: 's1' });
    // A dead letter after the session ended changes nothing (a budget hit is already failed, a kill aborted).
    expect(statuses([createdEvent, done('success'), deadLettered]).at(-1)).toBe('completed');
    expect(statuses([createdEvent, abort, deadLettered]).at(-1)).toBe('aborted');
  });

  it('does not reopen a completed session on ordinary events', () => {
    expect(
      statuses([createdEvent, step('n9', null, 'complete'), blocked, step('n1', 's1'), parked]).at(-1),
    ).toBe('completed');
  });

  it('follows the latest step node as head, but not checkpoints', () => {
    let s = null;
    for (const e of stored([
      createdEvent,
      step('n1', 's1'),
      step('n2', 's2'),
      step('c1', null, 'checkpoint'),
    ])) {
      s = reduceSessionSummary(s, e);
    }
    // The checkpoint (at 1003) changes nothing but lastSeq, 1 ms after the last change: updatedAt stays.
    expect(s).toMatchObject({ headNodeId: 'n2', currentStepId: 's2', lastSeq: 4, updatedAt: 1002 });
  });

  it('moves updatedAt on a status or head change, otherwise only once 1 s has passed', () => {
    const at = [1000, 1400, 1999, 2000, 2500, 2600, 2700, 3599, 3700];
    const kinds = [createdEvent, steer, steer, steer, steer, step('n1', 's1'), steer, steer, blocked];
    const seen: number[] = [];
    let s = null;
    for (const [i, e] of stored(kinds).entries()) {
      s = reduceSessionSummary(s, { ...e, at: at[i]! } as SessionEvent);
      seen.push(s.updatedAt);
      expect(s.lastSeq).toBe(i + 1);
    }
    expect(UPDATED_AT_GRANULARITY_MS).toBe(1000);
    expect(seen).toEqual([1000, 1000, 1000, 2000, 2000, 2600, 2600, 2600, 3700]);
  });

  it('says whether a stored column of the summary row changed (lastSeq alone is not one)', () => {
    const [c, t1, t2] = stored([createdEvent, steer, step('n1', 's1')]);
    const first = reduceSessionSummary(null, c!);
    const traced = reduceSessionSummary(first, t1!);
    expect(traced.lastSeq).toBe(2);
    expect(summaryRowChanged(first, traced)).toBe(false);
    expect(summaryRowChanged(traced, reduceSessionSummary(traced, t2!))).toBe(true);
    expect(summaryRowChanged(traced, { ...traced, updatedAt: traced.updatedAt + 1000 })).toBe(true);
    expect(summaryRowChanged(traced, { ...traced, status: 'blocked' })).toBe(true);
  });

  it('clears the current step when the session ends', () => {
    let s = null;
    for (const e of stored([createdEvent, step('n1', 's1'), abort])) s = reduceSessionSummary(s, e);
    expect(s).toMatchObject({ headNodeId: 'n1', currentStepId: null, status: 'aborted' });
  });
});
