/**
 * The context as seen at a node, computed incrementally. The rule (the one a full scan applies): start
 * from the session's initial context and apply, in seq order, every `context_set` whose nodeId is null or
 * is the node or one of its ancestors.
 *
 * A full scan costs O(context_set events + depth) — and a linear session is as deep as it is long. So the
 * log keeps a few memos `(node, seq) → context` and brings them forward:
 * - a memo of node X at seq m extends to seq L by applying the relevant context_sets in (m, L] (found by a
 *   binary search over the log's context_set list; usually none or one);
 * - a node N without memo, whose own first context_set has seq f, sees up to seq t = min(f - 1, L)
 *   exactly what its parent P sees (its ancestry is P's plus itself), so N's context is P's memo brought
 *   to t, then extended to L.
 * Anything else (an irregular log, a node whose ancestry was open when it was created, a view older than
 * the memo) falls back to the full scan, so the result is always the full scan's.
 */
import type { JsonObject } from '@worktrain/contracts';
import { type ContextMemo, type EventOf, MAX_CONTEXT_MEMOS, type SessionLog } from './session-log.js';
import type { SessionView } from './session-view.js';

function apply(context: JsonObject, event: EventOf<'context_set'>): JsonObject {
  const next: JsonObject = { ...context, ...event.data.values };
  for (const key of event.data.removed ?? []) delete next[key];
  return next;
}

/** The node and its ancestors, by walking parent links of nodes visible in the view. */
function ancestrySet(view: SessionView, nodeId: string): Set<string> {
  const chain = new Set<string>();
  let current: string | null = nodeId;
  while (current !== null && !chain.has(current)) {
    chain.add(current);
    current = view.nodes.get(current)?.parentNodeId ?? null;
  }
  return chain;
}

/** The full scan (the definition). */
function scanContext(view: SessionView, nodeId: string): JsonObject {
  const chain = ancestrySet(view, nodeId);
  let context: JsonObject = { ...(view.created?.data.context ?? {}) };
  for (const event of view.log.contextSets) {
    if (event.seq > view.lastSeq) break;
    if (event.data.nodeId !== null && !chain.has(event.data.nodeId)) continue;
    context = apply(context, event);
  }
  return context;
}

/** Index of the first context_set with seq > `seq`. */
function firstAfter(log: SessionLog, seq: number): number {
  let lo = 0;
  let hi = log.contextSets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log.contextSets[mid]?.seq ?? 0) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Brings `memo` (of node `nodeId`, whose depth is known) forward to seq `to`. An event on a deeper or
 * equally deep other node cannot be on the ancestry; only an event on a shallower node needs the ancestry
 * (built once, lazily).
 */
function extend(
  view: SessionView,
  nodeId: string,
  depth: number,
  memo: ContextMemo,
  to: number,
): ContextMemo {
  const { log } = view;
  let context = memo.context;
  let chain: Set<string> | undefined;
  for (let i = firstAfter(log, memo.seq); i < log.contextSets.length; i++) {
    const event = log.contextSets[i];
    if (event === undefined || event.seq > to) break;
    const target = event.data.nodeId;
    if (target !== null && target !== nodeId) {
      const targetDepth = log.nodes.get(target)?.depth;
      if (targetDepth === undefined || targetDepth >= depth) continue;
      chain ??= ancestrySet(view, nodeId);
      if (!chain.has(target)) continue;
    }
    context = apply(context, event);
  }
  return { context, seq: to };
}

function remember(log: SessionLog, nodeId: string, memo: ContextMemo): void {
  const current = log.contextMemos.get(nodeId);
  if (current !== undefined && current.seq > memo.seq) return;
  log.contextMemos.delete(nodeId);
  log.contextMemos.set(nodeId, memo);
  while (log.contextMemos.size > MAX_CONTEXT_MEMOS) {
    const oldest = log.contextMemos.keys().next().value;
    if (oldest === undefined) break;
    log.contextMemos.delete(oldest);
  }
}

/** The memo of `nodeId` as of `seq`, or undefined when only a full scan can tell. */
function memoAt(view: SessionView, nodeId: string, seq: number): ContextMemo | undefined {
  const { log } = view;
  const node = view.nodes.get(nodeId);
  if (log.irregular || node?.depth === undefined) return undefined;
  const memo = log.contextMemos.get(nodeId);
  if (memo !== undefined) return memo.seq <= seq ? extend(view, nodeId, node.depth, memo, seq) : undefined;
  const firstOwn = log.eventsOf(nodeId).contexts[0]?.seq;
  const sharedUpTo = firstOwn === undefined ? seq : Math.min(firstOwn - 1, seq);
  let base: ContextMemo | undefined;
  if (node.parentNodeId === null) {
    base = { context: { ...(view.created?.data.context ?? {}) }, seq: 0 };
  } else {
    const parent = log.contextMemos.get(node.parentNodeId);
    const parentDepth = log.nodes.get(node.parentNodeId)?.depth;
    if (parent === undefined || parentDepth === undefined || parent.seq > sharedUpTo) return undefined;
    base = extend(view, node.parentNodeId, parentDepth, parent, sharedUpTo);
    remember(log, node.parentNodeId, base);
  }
  return extend(view, nodeId, node.depth, base, seq);
}

/** Context as seen at `nodeId` in `view` (a fresh object). */
export function nodeContext(view: SessionView, nodeId: string): JsonObject {
  const memo = memoAt(view, nodeId, view.lastSeq);
  if (memo === undefined) {
    const context = scanContext(view, nodeId);
    const node = view.nodes.get(nodeId);
    if (!view.log.irregular && node?.depth !== undefined)
      remember(view.log, nodeId, { context, seq: view.lastSeq });
    return { ...context };
  }
  remember(view.log, nodeId, memo);
  return { ...memo.context };
}
