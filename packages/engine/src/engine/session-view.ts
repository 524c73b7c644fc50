/**
 * A view of one session as of one seq: what every engine call reads (the run DAG's nodes with their
 * execution-state snapshots, attempts, gates, outputs, and the context as seen from any node — only context
 * set on the node's own ancestry counts, so a fork never sees values set on a sibling branch).
 *
 * A view is a window onto a `SessionLog` bounded by `lastSeq`: events the log takes later (from this
 * process or another one) are invisible to it, so a call decides on exactly the state it read and appends
 * with `expectedSeq = lastSeq`. Each query costs O(events of the node asked about), never a log scan.
 */
import type { JsonObject, JsonValue, SessionEvent } from '@worktrain/contracts';
import type { ExecutionState } from '../interpreter/state.js';
import { nodeContext } from './session-context.js';
import { type EventOf, type NodeView, SessionLog } from './session-log.js';

export type { NodeSnapshot, NodeView, SessionMode } from './session-log.js';
export { NodeSnapshotSchema } from './session-log.js';

export interface SessionView {
  readonly sessionId: string;
  readonly created: EventOf<'session_created'> | undefined;
  readonly lastSeq: number;
  readonly ended: 'completed' | 'aborted' | null;
  /** Nodes created up to `lastSeq`. */
  readonly nodes: { get(nodeId: string): NodeView | undefined; has(nodeId: string): boolean };
  /** The indexed log this view is a window of. */
  readonly log: SessionLog;
}

/** The view of `log` as of `seq` (at most the log's last seq). */
export function viewOf(log: SessionLog, seq: number = log.lastSeq): SessionView {
  const lastSeq = Math.min(seq, log.lastSeq);
  // An irregular log's indexes describe its head only (a node id created twice keeps its last version);
  // the engine never looks at one before its head, but if asked, answer from the shorter log exactly.
  if (log.irregular && lastSeq < log.lastSeq)
    return viewOf(
      SessionLog.build(
        log.sessionId,
        log.events.filter((e) => e.seq <= lastSeq),
      ),
    );
  const visible = (nodeId: string): NodeView | undefined => {
    const node = log.nodes.get(nodeId);
    return node !== undefined && node.seq <= lastSeq ? node : undefined;
  };
  return {
    sessionId: log.sessionId,
    created: log.created !== undefined && log.created.seq <= lastSeq ? log.created : undefined,
    lastSeq,
    ended: log.endedAt(lastSeq),
    nodes: { get: visible, has: (nodeId) => visible(nodeId) !== undefined },
    log,
  };
}

/** A view over a full read of the events (no cache): the engine's semantics over any log. */
export function buildSessionView(sessionId: string, events: readonly SessionEvent[]): SessionView {
  return viewOf(SessionLog.build(sessionId, events));
}

function upTo<T extends SessionEvent>(events: readonly T[], seq: number): T[] {
  let end = events.length;
  while (end > 0 && (events[end - 1]?.seq ?? 0) > seq) end--;
  return end === events.length ? [...events] : events.slice(0, end);
}

/**
 * Context as seen at `nodeId`: the session's initial context plus every `context_set` recorded on the node
 * or its ancestors, in log order. An advance records its context on the node it creates, so a fork never
 * sees values set on a sibling branch. (An autonomous gate records the context on the gated node itself,
 * before the next node exists.) Returns a fresh object the caller may change.
 */
export function contextAt(view: SessionView, nodeId: string): JsonObject {
  return nodeContext(view, nodeId);
}

/** Blocked attempts recorded on a node, in order. */
export function blockedAttempts(view: SessionView, nodeId: string): EventOf<'blocked_attempt'>[] {
  return upTo(view.log.eventsOf(nodeId).blocked, view.lastSeq);
}

/** Current attempt number of a node: 0, plus one per blocked attempt or rejected gate. */
export function currentAttempt(view: SessionView, nodeId: string): number {
  return blockedAttempts(view, nodeId).length;
}

/** Advances out of a node (each starts a child). */
export function advancesFrom(view: SessionView, nodeId: string): EventOf<'advance_recorded'>[] {
  return upTo(view.log.eventsOf(nodeId).advances, view.lastSeq);
}

/** The unresolved gate parked on a node, if any. */
export function openGate(view: SessionView, nodeId: string): EventOf<'gate_parked'> | undefined {
  let open: EventOf<'gate_parked'> | undefined;
  for (const e of upTo(view.log.eventsOf(nodeId).gates, view.lastSeq))
    open = e.kind === 'gate_parked' ? e : undefined;
  return open;
}

/** The latest gate parked on a node, resolved or not. */
export function lastParkedGate(view: SessionView, nodeId: string): EventOf<'gate_parked'> | undefined {
  return upTo(view.log.eventsOf(nodeId).gates, view.lastSeq).findLast(
    (e): e is EventOf<'gate_parked'> => e.kind === 'gate_parked',
  );
}

/** Artifacts of the latest output recorded on a node (used when an approved gate completes the advance). */
export function latestArtifacts(view: SessionView, nodeId: string): readonly JsonValue[] {
  return upTo(view.log.eventsOf(nodeId).outputs, view.lastSeq).at(-1)?.data.artifacts ?? [];
}

/** The first checkpoint recorded on a node. */
export function checkpointOf(view: SessionView, nodeId: string): EventOf<'checkpoint_created'> | undefined {
  const first = view.log.eventsOf(nodeId).checkpoints[0];
  return first !== undefined && first.seq <= view.lastSeq ? first : undefined;
}

/** Events written with one idempotency key (one append batch), in order. */
export function batchOf(view: SessionView, idempotencyKey: string): SessionEvent[] {
  return upTo(view.log.batches.get(idempotencyKey) ?? [], view.lastSeq);
}

/** Events with seq in (`afterSeq`, view.lastSeq], in order. */
export function eventsAfter(view: SessionView, afterSeq: number): SessionEvent[] {
  const { log } = view;
  if (!log.irregular) return log.events.slice(Math.max(0, afterSeq), view.lastSeq);
  return log.events.filter((e) => e.seq > afterSeq && e.seq <= view.lastSeq);
}

/** The latest non-checkpoint node (the session's head), if any. */
export function headNodeId(view: SessionView): string | undefined {
  const order = view.log.nodeOrder;
  for (let i = order.length - 1; i >= 0; i--) {
    const entry = order[i];
    if (entry === undefined || entry.seq > view.lastSeq) continue;
    if (view.log.nodes.get(entry.nodeId)?.nodeKind !== 'checkpoint') return entry.nodeId;
  }
  return undefined;
}

/** Notes of the latest output that has notes, if any. */
export function latestNotes(view: SessionView): string | undefined {
  const notes = view.log.notes;
  for (let i = notes.length - 1; i >= 0; i--) {
    const e = notes[i];
    if (e !== undefined && e.seq <= view.lastSeq) return e.data.notesMarkdown;
  }
  return undefined;
}

export type { ExecutionState };
