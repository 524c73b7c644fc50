/**
 * A read model of one session's event log, built fresh for every engine call (pure function of the
 * events): the run DAG's nodes with their execution-state snapshots, attempts, gates, outputs, and the
 * context as seen from any node (only context set on the node's own ancestry counts, so a fork never sees
 * values set on a sibling branch).
 */
import type { JsonObject, JsonValue, SessionEvent } from '@worktrain/contracts';
import * as z from 'zod';
import { type ExecutionState, ExecutionStateSchema } from '../interpreter/state.js';

/** What the engine stores in `node_created.state`. */
export const NodeSnapshotSchema = z.object({
  v: z.literal(1),
  mode: z.enum(['interactive', 'autonomous']),
  exec: ExecutionStateSchema,
});
export type NodeSnapshot = z.infer<typeof NodeSnapshotSchema>;
export type SessionMode = NodeSnapshot['mode'];

export interface NodeView {
  readonly nodeId: string;
  readonly parentNodeId: string | null;
  readonly nodeKind: 'step' | 'checkpoint' | 'gate' | 'complete';
  readonly stepId: string | null;
  readonly seq: number;
  /** Undefined when the stored state is not one of ours (a corrupt or foreign log). */
  readonly snapshot: NodeSnapshot | undefined;
}

export interface SessionView {
  readonly sessionId: string;
  readonly created: Extract<SessionEvent, { kind: 'session_created' }> | undefined;
  readonly lastSeq: number;
  readonly nodes: ReadonlyMap<string, NodeView>;
  /** Node ids in creation order. */
  readonly nodeOrder: readonly string[];
  readonly ended: 'completed' | 'aborted' | null;
  readonly events: readonly SessionEvent[];
}

export function buildSessionView(sessionId: string, events: readonly SessionEvent[]): SessionView {
  const nodes = new Map<string, NodeView>();
  const nodeOrder: string[] = [];
  let created: SessionView['created'];
  let ended: SessionView['ended'] = null;
  for (const event of events) {
    if (event.kind === 'session_created') created = event;
    else if (event.kind === 'session_completed') ended = ended ?? 'completed';
    else if (event.kind === 'session_aborted') ended = 'aborted';
    // A session a budget had ended, carried on by an operator: it can advance again (never after an abort).
    else if (event.kind === 'session_continued' && ended === 'completed') ended = null;
    else if (event.kind === 'node_created') {
      const parsed = NodeSnapshotSchema.safeParse(event.data.state);
      nodes.set(event.data.nodeId, {
        nodeId: event.data.nodeId,
        parentNodeId: event.data.parentNodeId,
        nodeKind: event.data.nodeKind,
        stepId: event.data.stepId,
        seq: event.seq,
        snapshot: parsed.success ? parsed.data : undefined,
      });
      nodeOrder.push(event.data.nodeId);
    }
  }
  return {
    sessionId,
    created,
    lastSeq: events[events.length - 1]?.seq ?? 0,
    nodes,
    nodeOrder,
    ended,
    events,
  };
}

/** The node and its ancestors, nearest first. */
export function ancestry(view: SessionView, nodeId: string): string[] {
  const chain: string[] = [];
  let current: string | null = nodeId;
  const seen = new Set<string>();
  while (current !== null && !seen.has(current)) {
    seen.add(current);
    chain.push(current);
    current = view.nodes.get(current)?.parentNodeId ?? null;
  }
  return chain;
}

/**
 * Context as seen at `nodeId`: the session's initial context plus every `context_set` recorded on the node
 * or its ancestors, in log order. An advance records its context on the node it creates, so a fork never
 * sees values set on a sibling branch. (An autonomous gate records the context on the gated node itself,
 * before the next node exists.)
 */
export function contextAt(view: SessionView, nodeId: string): JsonObject {
  const chain = new Set(ancestry(view, nodeId));
  let context: JsonObject = { ...(view.created?.data.context ?? {}) };
  for (const event of view.events) {
    if (event.kind !== 'context_set') continue;
    if (event.data.nodeId !== null && !chain.has(event.data.nodeId)) continue;
    context = { ...context, ...event.data.values };
    for (const key of event.data.removed ?? []) delete context[key];
  }
  return context;
}

/** Blocked attempts recorded on a node, in order. */
export function blockedAttempts(
  view: SessionView,
  nodeId: string,
): Extract<SessionEvent, { kind: 'blocked_attempt' }>[] {
  return view.events.filter(
    (e): e is Extract<SessionEvent, { kind: 'blocked_attempt' }> =>
      e.kind === 'blocked_attempt' && e.data.nodeId === nodeId,
  );
}

/** Current attempt number of a node: 0, plus one per blocked attempt or rejected gate. */
export function currentAttempt(view: SessionView, nodeId: string): number {
  return blockedAttempts(view, nodeId).length;
}

/** Advances out of a node (each starts a child). */
export function advancesFrom(
  view: SessionView,
  nodeId: string,
): Extract<SessionEvent, { kind: 'advance_recorded' }>[] {
  return view.events.filter(
    (e): e is Extract<SessionEvent, { kind: 'advance_recorded' }> =>
      e.kind === 'advance_recorded' && e.data.fromNodeId === nodeId,
  );
}

/** The unresolved gate parked on a node, if any. */
export function openGate(
  view: SessionView,
  nodeId: string,
): Extract<SessionEvent, { kind: 'gate_parked' }> | undefined {
  let open: Extract<SessionEvent, { kind: 'gate_parked' }> | undefined;
  for (const e of view.events) {
    if (e.kind === 'gate_parked' && e.data.nodeId === nodeId) open = e;
    else if (e.kind === 'gate_resolved' && e.data.nodeId === nodeId) open = undefined;
  }
  return open;
}

/** Artifacts of the latest output recorded on a node (used when an approved gate completes the advance). */
export function latestArtifacts(view: SessionView, nodeId: string): readonly JsonValue[] {
  let artifacts: readonly JsonValue[] = [];
  for (const e of view.events)
    if (e.kind === 'output_appended' && e.data.nodeId === nodeId) artifacts = e.data.artifacts;
  return artifacts;
}

/** Events written with one idempotency key (one append batch), in order. */
export function batchOf(view: SessionView, idempotencyKey: string): SessionEvent[] {
  return view.events.filter((e) => e.idempotencyKey === idempotencyKey);
}

export type { ExecutionState };
