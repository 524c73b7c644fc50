import type { JsonObject, NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionLog } from './session-log.js';
import {
  advancesFrom,
  batchOf,
  checkpointOf,
  contextAt,
  currentAttempt,
  eventsAfter,
  headNodeId,
  latestArtifacts,
  latestNotes,
  openGate,
  type SessionView,
  viewOf,
} from './session-view.js';

/**
 * The oracle: the engine's former full-scan view (one pass over every event per call), kept here as the
 * definition the indexed, incrementally updated log must agree with.
 */
function oracle(events: readonly SessionEvent[], nodeId: string) {
  const nodes = new Map<string, { parentNodeId: string | null; nodeKind: string }>();
  const order: string[] = [];
  let created: Extract<SessionEvent, { kind: 'session_created' }> | undefined;
  let ended: 'completed' | 'aborted' | null = null;
  for (const e of events) {
    if (e.kind === 'session_created') created = e;
    else if (e.kind === 'session_completed') ended = ended ?? 'completed';
    else if (e.kind === 'session_aborted') ended = 'aborted';
    else if (e.kind === 'session_continued' && ended === 'completed') ended = null;
    else if (e.kind === 'node_created') {
      nodes.set(e.data.nodeId, { parentNodeId: e.data.parentNodeId, nodeKind: e.data.nodeKind });
      order.push(e.data.nodeId);
    }
  }
  const chain = new Set<string>();
  for (let c: string | null = nodeId; c !== null && !chain.has(c); c = nodes.get(c)?.parentNodeId ?? null)
    chain.add(c);
  let context: JsonObject = { ...(created?.data.context ?? {}) };
  let gate: SessionEvent | undefined;
  let artifacts: unknown[] = [];
  let notes: string | undefined;
  for (const e of events) {
    if (e.kind === 'context_set' && (e.data.nodeId === null || chain.has(e.data.nodeId))) {
      context = { ...context, ...e.data.values };
      for (const key of e.data.removed ?? []) delete context[key];
    }
    if (e.kind === 'gate_parked' && e.data.nodeId === nodeId) gate = e;
    if (e.kind === 'gate_resolved' && e.data.nodeId === nodeId) gate = undefined;
    if (e.kind === 'output_appended' && e.data.nodeId === nodeId) artifacts = e.data.artifacts;
    if (e.kind === 'output_appended' && e.data.notesMarkdown !== undefined) notes = e.data.notesMarkdown;
  }
  return {
    created: created?.seq,
    ended,
    node: nodes.get(nodeId),
    context,
    attempt: events.filter((e) => e.kind === 'blocked_attempt' && e.data.nodeId === nodeId).length,
    advances: events.filter((e) => e.kind === 'advance_recorded' && e.data.fromNodeId === nodeId).length,
    gate: gate?.seq,
    artifacts,
    checkpoint: events.find((e) => e.kind === 'checkpoint_created' && e.data.nodeId === nodeId)?.seq,
    batch: events.filter((e) => e.idempotencyKey === 'k1').map((e) => e.seq),
    head: [...order].reverse().find((id) => nodes.get(id)?.nodeKind !== 'checkpoint'),
    notes,
  };
}

function observe(view: SessionView, nodeId: string): ReturnType<typeof oracle> {
  const node = view.nodes.get(nodeId);
  return {
    created: view.created?.seq,
    ended: view.ended,
    node: node === undefined ? undefined : { parentNodeId: node.parentNodeId, nodeKind: node.nodeKind },
    context: contextAt(view, nodeId),
    attempt: currentAttempt(view, nodeId),
    advances: advancesFrom(view, nodeId).length,
    gate: openGate(view, nodeId)?.seq,
    artifacts: [...latestArtifacts(view, nodeId)],
    checkpoint: checkpointOf(view, nodeId)?.seq,
    batch: batchOf(view, 'k1').map((e) => e.seq),
    head: headNodeId(view),
    notes: latestNotes(view),
  };
}

/** One step of a random session: which batch to write, on which existing node. */
type Op = { readonly kind: number; readonly pick: number; readonly key: string; readonly n: number };

const KEYS = ['a', 'b', 'c'];

/** Turns ops into append batches shaped like the engine's (and some foreign writers'). */
function batchesOf(ops: readonly Op[], duplicateNode: boolean): NewSessionEvent[][] {
  const nodes = ['n0'];
  const parent = new Map<string, string | null>([['n0', null]]);
  const batches: NewSessionEvent[][] = [
    [
      {
        kind: 'session_created',
        data: {
          workflowId: 'w',
          workflowVersion: '1',
          workflowHash: 'sha256:x',
          workspacePath: null,
          parentSessionId: null,
          source: 'test',
          context: { a: 0, z: 'initial' },
        },
      },
      node('n0', null),
    ],
  ];
  function node(nodeId: string, parentNodeId: string | null, nodeKind: 'step' | 'checkpoint' = 'step') {
    return {
      kind: 'node_created' as const,
      data: { nodeId, parentNodeId, nodeKind, stepId: 's', state: null },
    };
  }
  const ctx = (nodeId: string | null, op: Op): NewSessionEvent => ({
    kind: 'context_set',
    data: {
      nodeId,
      values: { [op.key]: op.n },
      ...(op.n % 3 === 0 ? { removed: [KEYS[op.n % KEYS.length] ?? 'a'] } : {}),
    },
  });
  for (const op of ops) {
    // Mostly the newest node (a linear run), sometimes an older one (forks, late context on an ancestor).
    const x = op.pick % 4 === 0 ? (nodes[op.pick % nodes.length] ?? 'n0') : (nodes.at(-1) ?? 'n0');
    const fresh = `n${nodes.length}`;
    switch (op.kind) {
      case 0:
      case 1:
      case 2: {
        const hasChild = [...parent.values()].includes(x);
        batches.push([
          {
            kind: 'output_appended',
            data: { nodeId: x, stepId: 's', notesMarkdown: `n${op.n}`, artifacts: [op.n] },
          },
          ...(op.kind === 0 ? [] : [ctx(fresh, op)]),
          ...(hasChild ? [{ kind: 'fork_created' as const, data: { fromNodeId: x, newNodeId: fresh } }] : []),
          { kind: 'advance_recorded', data: { fromNodeId: x, toNodeId: fresh, attempt: 0, fork: hasChild } },
          { kind: 'decision_trace', data: { nodeId: fresh, decision: 'd', reason: 'r' } },
          node(fresh, x),
        ]);
        nodes.push(fresh);
        parent.set(fresh, x);
        break;
      }
      case 3:
        batches.push([
          ctx(x, op),
          { kind: 'gate_parked', data: { nodeId: x, stepId: 's', gateKind: 'confirmation' } },
        ]);
        break;
      case 4:
        batches.push([
          { kind: 'gate_resolved', data: { nodeId: x, stepId: 's', verdict: 'rejected', actor: 'u' } },
        ]);
        break;
      case 5:
        batches.push([
          {
            kind: 'blocked_attempt',
            data: { nodeId: x, stepId: 's', attempt: 0, blockers: [], retryable: true, consecutive: 1 },
          },
        ]);
        break;
      case 6:
        batches.push([
          { kind: 'checkpoint_created', data: { nodeId: x, checkpointNodeId: fresh } },
          node(fresh, x, 'checkpoint'),
        ]);
        nodes.push(fresh);
        parent.set(fresh, x);
        break;
      case 7:
        batches.push([ctx(op.n % 2 === 0 ? null : `ghost${op.n}`, op)]);
        break;
      case 8:
        batches.push([ctx(x, op)]);
        break;
      case 9:
        batches.push([
          { kind: 'llm_turn_started', data: { turn: op.n, model: 'm', provider: 'p', scripted: true } },
        ]);
        break;
      default:
        batches.push([
          op.n % 3 === 0
            ? { kind: 'session_aborted', data: { reason: 'r', actor: 'a' } }
            : op.n % 3 === 1
              ? { kind: 'session_completed', data: { outcome: 'success' } }
              : {
                  kind: 'session_continued',
                  data: { actor: 'op', previousStatus: 'failed', limits: {} },
                },
        ]);
    }
  }
  if (duplicateNode) batches.push([node('n0', null)]);
  return batches;
}

/** Stored events with seqs, batch keys and a hash chain, as a store returns them. */
function stored(batches: readonly NewSessionEvent[][]): SessionEvent[] {
  const events: SessionEvent[] = [];
  batches.forEach((batch, b) => {
    for (const e of batch) {
      const seq = events.length + 1;
      events.push({
        ...e,
        v: 1,
        sessionId: 'sess_1',
        seq,
        eventId: `evt_${seq}`,
        at: seq,
        idempotencyKey: b % 2 === 1 ? `k${b % 5}` : null,
        prevHash: `h${seq - 1}`,
        hash: `h${seq}`,
      } as SessionEvent);
    }
  });
  return events;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.nat(10),
  pick: fc.nat(40),
  key: fc.constantFrom(...KEYS),
  n: fc.nat(9),
});

describe('SessionLog brought up to date incrementally', () => {
  it('answers every query as a full scan of the same events does, at the head and at older seqs', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(200), { maxLength: 8 }),
        fc.array(fc.nat(60), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (ops, cuts, probes, duplicateNode) => {
          const events = stored(batchesOf(ops, duplicateNode));
          const bounds = [...new Set([...cuts.map((c) => 1 + (c % events.length)), events.length])].sort(
            (a, b) => a - b,
          );
          let log = SessionLog.build('sess_1', events.slice(0, bounds[0]));
          let from = bounds[0] ?? 0;
          for (const to of bounds) {
            // A concurrent reader may already hold some of the events: overlap is part of the read.
            const read = events.slice(Math.max(0, from - 2), to);
            if (!log.ingest(read)) log = SessionLog.build('sess_1', events.slice(0, to));
            from = to;
            for (const p of probes) {
              const nodeId = `n${p % 12}`;
              expect(observe(viewOf(log), nodeId)).toEqual(oracle(events.slice(0, to), nodeId));
              const older = 1 + (p % to);
              expect(observe(viewOf(log, older), nodeId)).toEqual(oracle(events.slice(0, older), nodeId));
            }
            expect(eventsAfter(viewOf(log), 0)).toEqual(events.slice(0, to));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses events that do not chain onto the log and stays unchanged', () => {
    const events = stored(batchesOf([{ kind: 0, pick: 1, key: 'a', n: 1 }], false));
    const log = SessionLog.build('sess_1', events.slice(0, 2));
    const forged = { ...events[2], prevHash: 'h_other' } as SessionEvent;
    expect(log.ingest([forged])).toBe(false);
    expect(log.ingest(events.slice(3))).toBe(false);
    expect(log.lastSeq).toBe(2);
    expect(log.ingest(events.slice(2))).toBe(true);
    expect(log.lastSeq).toBe(events.length);
  });

  it('marks a log with a node id created twice irregular and never extends it', () => {
    const events = stored(batchesOf([], true));
    const log = SessionLog.build('sess_1', events);
    expect(log.irregular).toBe(true);
    expect(log.ingest([])).toBe(false);
  });
});
