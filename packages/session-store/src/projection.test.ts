import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import { GENESIS_HASH } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { projectSession } from './projection.js';
import { reduceSessionSummary } from './summary.js';

function stored(events: readonly NewSessionEvent[]): SessionEvent[] {
  return events.map(
    (e, i) =>
      ({
        ...e,
        v: 1,
        sessionId: 'sess_p',
        seq: i + 1,
        eventId: `evt_${i}`,
        at: 50 * i,
        idempotencyKey: null,
        prevHash: GENESIS_HASH,
        hash: 'h',
      }) as SessionEvent,
  );
}

const log = stored([
  {
    kind: 'session_created',
    data: {
      workflowId: 'wf',
      workflowVersion: '1',
      workflowHash: 'sha256:w',
      workspacePath: '/r',
      parentSessionId: null,
      source: 'daemon',
      context: { a: 1, b: 2 },
    },
  },
  {
    kind: 'node_created',
    data: { nodeId: 'n1', parentNodeId: null, nodeKind: 'step', stepId: 's1', state: {} },
  },
  { kind: 'llm_turn_started', data: { turn: 0, model: 'm', provider: 'scripted', scripted: true } },
  {
    kind: 'llm_turn_completed',
    data: {
      turn: 0,
      model: 'm',
      stopReason: 'tool_use',
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.5,
      durationMs: 3,
    },
  },
  { kind: 'tool_call_started', data: { toolCallId: 'c1', name: 'bash', input: { cmd: 'ls' } } },
  { kind: 'llm_turn_started', data: { turn: 1, model: 'm', provider: 'scripted', scripted: true } },
  {
    kind: 'llm_turn_completed',
    data: { turn: 1, model: 'm', stopReason: 'end_turn', inputTokens: 50, outputTokens: 5, durationMs: 3 },
  },
  {
    kind: 'output_appended',
    data: {
      nodeId: 'n1',
      stepId: 's1',
      notesMarkdown: 'did it',
      artifacts: [{ kind: 'wr.contracts.verdict', v: 'ok' }, 7],
    },
  },
  { kind: 'output_appended', data: { nodeId: 'n1', stepId: 's1', artifacts: [] } },
  { kind: 'context_set', data: { nodeId: 'n1', values: { b: 3, c: 4 }, removed: ['a'] } },
  {
    kind: 'blocked_attempt',
    data: { nodeId: 'n1', stepId: 's1', attempt: 1, blockers: [], retryable: true, consecutive: 1 },
  },
  { kind: 'advance_recorded', data: { fromNodeId: 'n1', toNodeId: 'n2', attempt: 1, fork: false } },
  {
    kind: 'node_created',
    data: { nodeId: 'n2', parentNodeId: 'n1', nodeKind: 'complete', stepId: null, state: {} },
  },
  { kind: 'steer_injected', data: { message: 'late', actor: 'x' } },
]);

describe('projectSession', () => {
  const p = projectSession(log);

  it('projects the run DAG, outputs and artifacts with their seqs', () => {
    expect(p.nodes).toEqual([
      { nodeId: 'n1', parentNodeId: null, nodeKind: 'step', stepId: 's1', seq: 2 },
      { nodeId: 'n2', parentNodeId: 'n1', nodeKind: 'complete', stepId: null, seq: 13 },
    ]);
    expect(p.outputs).toEqual([
      { nodeId: 'n1', stepId: 's1', notesMarkdown: 'did it', seq: 8 },
      { nodeId: 'n1', stepId: 's1', seq: 9 },
    ]);
    expect(p.artifacts).toEqual([
      { nodeId: 'n1', stepId: 's1', artifact: { kind: 'wr.contracts.verdict', v: 'ok' }, seq: 8 },
      { nodeId: 'n1', stepId: 's1', artifact: 7, seq: 8 },
    ]);
  });

  it('merges context_set values over the initial context and removes keys', () => {
    expect(p.context).toEqual({ b: 3, c: 4 });
  });

  it('counts metrics', () => {
    expect(p.metrics).toEqual({
      events: 14,
      advances: 1,
      blockedAttempts: 1,
      llmTurns: 2,
      toolCalls: 1,
      inputTokens: 150,
      outputTokens: 25,
      costUsd: 0.5,
    });
  });

  it('gives the same summary as folding every event through the reducer', () => {
    let folded = null;
    for (const e of log) folded = reduceSessionSummary(folded, e);
    expect(p.summary).toEqual(folded);
    // The last change is the complete node at 600 ms; the steer 50 ms later moves only lastSeq.
    expect(p.summary).toMatchObject({ status: 'completed', headNodeId: 'n2', lastSeq: 14, updatedAt: 600 });
  });

  it('tracks updatedAt through events it does not fold like the reducer does (1 s rule)', () => {
    const steer: NewSessionEvent = { kind: 'steer_injected', data: { message: 'm', actor: 'a' } };
    const at = [0, 400, 999, 1000, 1500, 1600, 2000, 2599, 2600];
    const events = stored([log[0]!, steer, steer, steer, steer, log[1]!, steer, steer, steer]).map(
      (e, i) => ({ ...e, at: at[i]! }) as SessionEvent,
    );
    for (let n = 1; n <= events.length; n++) {
      let folded = null;
      for (const e of events.slice(0, n)) folded = reduceSessionSummary(folded, e);
      expect(projectSession(events.slice(0, n)).summary).toEqual(folded);
    }
    expect(projectSession(events).summary.updatedAt).toBe(2600);
  });

  it('rejects an empty log and one that does not start with session_created', () => {
    expect(() => projectSession([])).toThrow();
    expect(() => projectSession(log.slice(1))).toThrow(/session_created/);
  });
});

describe('projectSession: sandbox', () => {
  const created = log.slice(0, 1).map(({ kind, data }) => ({ kind, data }) as NewSessionEvent);
  const trace = (decision: string, reason: string): NewSessionEvent => ({
    kind: 'decision_trace',
    data: { nodeId: null, decision, reason },
  });

  it('is null until an agent run records how its commands were confined', () => {
    expect(projectSession(stored(created)).sandbox).toBeNull();
  });

  it('reports the latest run: an enforced run after one with the sandbox off', () => {
    const p = projectSession(
      stored([
        ...created,
        trace('sandbox_off', 'unconfined!'),
        trace('sandbox_enforced', 'bubblewrap 0.8.0'),
      ]),
    );
    expect(p.sandbox).toEqual({ enforced: true, reason: 'bubblewrap 0.8.0', seq: 3 });
    expect(projectSession(stored([...created, trace('sandbox_off', 'unconfined!')])).sandbox).toMatchObject({
      enforced: false,
      reason: 'unconfined!',
    });
  });
});
