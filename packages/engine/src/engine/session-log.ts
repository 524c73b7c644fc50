/**
 * The engine's read model of one session's event log, indexed so that every question an engine call asks
 * (a node, its attempts, gates, outputs, an append batch, the context at a node) costs O(1) or O(events of
 * that node) instead of a scan of the whole log. It only ever grows: `ingest` appends events in seq order,
 * so a `SessionView` taken at seq L stays valid (every query is bounded by L) while later events arrive.
 * That is what lets the session cache (session-cache.ts) keep a log and bring it up to date by reading only
 * the events after its last seq.
 *
 * A log built from events that break the engine's own invariants (a second `session_created`, a node id
 * created twice, a seq gap) is marked `irregular`: its queries keep the exact semantics of a full scan,
 * it never takes new events, and the cache does not keep it.
 */
import type { JsonObject, SessionEvent } from '@worktrain/contracts';
import * as z from 'zod';
import { ExecutionStateSchema } from '../interpreter/state.js';

/** What the engine stores in `node_created.state`. */
export const NodeSnapshotSchema = z.object({
  v: z.literal(1),
  mode: z.enum(['interactive', 'autonomous']),
  exec: ExecutionStateSchema,
});
export type NodeSnapshot = z.infer<typeof NodeSnapshotSchema>;
export type SessionMode = NodeSnapshot['mode'];

export type EventOf<K extends SessionEvent['kind']> = Extract<SessionEvent, { kind: K }>;

export interface NodeView {
  readonly nodeId: string;
  readonly parentNodeId: string | null;
  readonly nodeKind: 'step' | 'checkpoint' | 'gate' | 'complete';
  readonly stepId: string | null;
  readonly seq: number;
  /** Undefined when the stored state is not one of ours (a corrupt or foreign log). */
  readonly snapshot: NodeSnapshot | undefined;
  /**
   * Distance to the root (0 for a node without parent) when the parent existed when this node was
   * created; undefined otherwise (an "open" chain: context is then computed by a full scan).
   */
  readonly depth: number | undefined;
}

/** Events that name one node, in seq order. */
export interface NodeEvents {
  readonly blocked: EventOf<'blocked_attempt'>[];
  readonly advances: EventOf<'advance_recorded'>[];
  readonly gates: (EventOf<'gate_parked'> | EventOf<'gate_resolved'>)[];
  readonly outputs: EventOf<'output_appended'>[];
  readonly checkpoints: EventOf<'checkpoint_created'>[];
  readonly contexts: EventOf<'context_set'>[];
}

/** A memoised context: the fold of every context_set relevant to a node with seq <= `seq`. */
export interface ContextMemo {
  readonly context: JsonObject;
  readonly seq: number;
}

/** Context memos kept per session (the head node and its parent are what an advance needs). */
export const MAX_CONTEXT_MEMOS = 8;

const NO_EVENTS: NodeEvents = Object.freeze({
  blocked: [],
  advances: [],
  gates: [],
  outputs: [],
  checkpoints: [],
  contexts: [],
});

export class SessionLog {
  created: EventOf<'session_created'> | undefined;
  lastSeq = 0;
  /** True when the log breaks an engine invariant (see the module comment). */
  irregular = false;
  /** All events, in seq order (regular logs: `events[seq - 1]`). */
  readonly events: SessionEvent[] = [];
  /** Nodes by id (a duplicate id, irregular, keeps the last one as a full scan would). */
  readonly nodes = new Map<string, NodeView>();
  /** Node ids with their creation seq, in creation order. */
  readonly nodeOrder: { readonly nodeId: string; readonly seq: number }[] = [];
  /** Every change of the ended status, in seq order. */
  readonly endings: { readonly seq: number; readonly ended: 'completed' | 'aborted' | null }[] = [];
  /** Every context_set, in seq order. */
  readonly contextSets: EventOf<'context_set'>[] = [];
  /** Every output_appended with notes, in seq order. */
  readonly notes: EventOf<'output_appended'>[] = [];
  /** Events of each append batch, by idempotency key. */
  readonly batches = new Map<string, SessionEvent[]>();
  /** Context memos by node id, least recently used first. */
  readonly contextMemos = new Map<string, ContextMemo>();
  private readonly byNode = new Map<string, NodeEvents>();
  private ended: 'completed' | 'aborted' | null = null;

  constructor(readonly sessionId: string) {}

  /** Builds the log of a full read (any events; a broken invariant marks it irregular). */
  static build(sessionId: string, events: readonly SessionEvent[]): SessionLog {
    const log = new SessionLog(sessionId);
    for (const event of events) {
      if (!log.fits(event)) log.irregular = true;
      log.add(event);
    }
    return log;
  }

  /**
   * Appends events read or written after the log's last seq. Events the log already holds (a concurrent
   * call read them first) are skipped when their hash matches. Returns false, changing nothing, when the
   * events are not a regular continuation of this log (a hash or seq mismatch, a duplicate node, a second
   * session_created, or an irregular log): the caller then reads the session in full.
   */
  ingest(events: readonly SessionEvent[]): boolean {
    if (this.irregular) return false;
    const fresh: SessionEvent[] = [];
    const newNodes = new Set<string>();
    let seq = this.lastSeq;
    let hash = this.events[this.events.length - 1]?.hash;
    for (const event of events) {
      if (event.sessionId !== this.sessionId) return false;
      if (event.seq <= this.lastSeq) {
        if (this.events[event.seq - 1]?.hash !== event.hash) return false;
        continue;
      }
      if (event.seq !== seq + 1 || (hash !== undefined && event.prevHash !== hash)) return false;
      if (event.kind === 'session_created' && seq > 0) return false;
      if (event.kind === 'node_created') {
        if (this.nodes.has(event.data.nodeId) || newNodes.has(event.data.nodeId)) return false;
        newNodes.add(event.data.nodeId);
      }
      fresh.push(event);
      seq = event.seq;
      hash = event.hash;
    }
    for (const event of fresh) this.add(event);
    return true;
  }

  /** Events naming `nodeId` (all seqs; callers bound them by their view's lastSeq). */
  eventsOf(nodeId: string): NodeEvents {
    return this.byNode.get(nodeId) ?? NO_EVENTS;
  }

  /** The ended status as of `seq`. */
  endedAt(seq: number): 'completed' | 'aborted' | null {
    for (let i = this.endings.length - 1; i >= 0; i--) {
      const change = this.endings[i];
      if (change !== undefined && change.seq <= seq) return change.ended;
    }
    return null;
  }

  /** Whether `event` keeps the log regular (see `ingest`). */
  private fits(event: SessionEvent): boolean {
    if (event.sessionId !== this.sessionId || event.seq !== this.lastSeq + 1) return false;
    const previous = this.events[this.events.length - 1];
    if (previous !== undefined && event.prevHash !== previous.hash) return false;
    if (event.kind === 'session_created') return this.lastSeq === 0;
    return event.kind !== 'node_created' || !this.nodes.has(event.data.nodeId);
  }

  private nodeEvents(nodeId: string): NodeEvents {
    let found = this.byNode.get(nodeId);
    if (found === undefined) {
      found = { blocked: [], advances: [], gates: [], outputs: [], checkpoints: [], contexts: [] };
      this.byNode.set(nodeId, found);
    }
    return found;
  }

  private setEnded(seq: number, ended: 'completed' | 'aborted' | null): void {
    if (ended === this.ended) return;
    this.ended = ended;
    this.endings.push({ seq, ended });
  }

  /** Indexes one event (the same rules as the former full-scan view). */
  private add(event: SessionEvent): void {
    this.events.push(event);
    this.lastSeq = event.seq;
    if (event.idempotencyKey !== null) {
      const batch = this.batches.get(event.idempotencyKey);
      if (batch === undefined) this.batches.set(event.idempotencyKey, [event]);
      else batch.push(event);
    }
    switch (event.kind) {
      case 'session_created':
        this.created = event;
        this.contextMemos.clear();
        break;
      case 'session_completed':
        this.setEnded(event.seq, this.ended ?? 'completed');
        break;
      case 'session_aborted':
        this.setEnded(event.seq, 'aborted');
        break;
      case 'session_continued':
        // A session a budget had ended, carried on by an operator: it can advance again (never after an abort).
        if (this.ended === 'completed') this.setEnded(event.seq, null);
        break;
      case 'node_created':
        this.addNode(event);
        break;
      case 'blocked_attempt':
        this.nodeEvents(event.data.nodeId).blocked.push(event);
        break;
      case 'advance_recorded':
        this.nodeEvents(event.data.fromNodeId).advances.push(event);
        break;
      case 'gate_parked':
      case 'gate_resolved':
        this.nodeEvents(event.data.nodeId).gates.push(event);
        break;
      case 'output_appended':
        this.nodeEvents(event.data.nodeId).outputs.push(event);
        if (event.data.notesMarkdown !== undefined) this.notes.push(event);
        break;
      case 'checkpoint_created':
        this.nodeEvents(event.data.nodeId).checkpoints.push(event);
        break;
      case 'context_set':
        this.contextSets.push(event);
        if (event.data.nodeId !== null) this.nodeEvents(event.data.nodeId).contexts.push(event);
        break;
      default:
        break;
    }
  }

  private addNode(event: EventOf<'node_created'>): void {
    const { nodeId, parentNodeId } = event.data;
    if (this.nodes.has(nodeId)) this.contextMemos.clear();
    const parsed = NodeSnapshotSchema.safeParse(event.data.state);
    const parentDepth = parentNodeId === null ? -1 : this.nodes.get(parentNodeId)?.depth;
    this.nodes.set(nodeId, {
      nodeId,
      parentNodeId,
      nodeKind: event.data.nodeKind,
      stepId: event.data.stepId,
      seq: event.seq,
      snapshot: parsed.success ? parsed.data : undefined,
      depth: parentDepth === undefined ? undefined : parentDepth + 1,
    });
    this.nodeOrder.push({ nodeId, seq: event.seq });
  }
}
