import type { JsonObject, JsonValue, SessionEvent } from '@worktrain/contracts';
import { latestFailure } from './failure.js';
import type { SessionProjection, SessionSummary } from './port.js';
import { reduceSessionSummary, UPDATED_AT_GRANULARITY_MS } from './summary.js';

/** Kinds whose effect on the summary goes beyond lastSeq/updatedAt (see reduceSessionSummary). */
const SUMMARY_KINDS: ReadonlySet<string> = new Set([
  'session_created',
  'node_created',
  'advance_recorded',
  'blocked_attempt',
  'gate_parked',
  'gate_resolved',
  'session_completed',
  'session_aborted',
  'session_continued',
  // Only `task_dead_lettered` changes the status; the reducer tells.
  'decision_trace',
]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type ProjectionNode = SessionProjection['nodes'][number];
type ProjectionOutput = SessionProjection['outputs'][number];
type ProjectionArtifact = SessionProjection['artifacts'][number];

/**
 * Projects a session's full, ordered log into its {@link SessionProjection}: the summary (same reducer as
 * the stores' summary rows, see {@link reduceSessionSummary}), the run DAG, outputs, artifacts, context and
 * metrics, and for a failed session why it failed ({@link latestFailure}). Pure and single-pass (10 000
 * events in a few ms); it does not re-validate events.
 *
 * Rules: context starts from `session_created.data.context`, then each `context_set` merges `values` over
 * it and deletes the `removed` keys. Metrics: `advances` counts `advance_recorded`, `blockedAttempts`
 * counts `blocked_attempt`, `llmTurns` counts `llm_turn_started` and `toolCalls` counts
 * `tool_call_started` (an interrupted turn or call still counts); tokens and cost sum
 * `llm_turn_completed` (`usage_recorded` is a rollup of the same turns and is not added again).
 *
 * @throws {Error} when `events` is empty or does not start with `session_created` (a programmer error:
 *   the stores never return such a log).
 */
export function projectSession(events: readonly SessionEvent[]): SessionProjection {
  const first = events[0];
  if (first === undefined) throw new Error('projectSession: a session has at least one event');
  if (first.kind !== 'session_created') {
    throw new Error(
      `projectSession: the first event of ${first.sessionId} is ${first.kind}, not session_created`,
    );
  }
  let summary: SessionSummary | null = null;
  const nodes: ProjectionNode[] = [];
  const outputs: ProjectionOutput[] = [];
  const artifacts: ProjectionArtifact[] = [];
  let context: JsonObject = {};
  let sandbox: SessionProjection['sandbox'] = null;
  const metrics: Mutable<SessionProjection['metrics']> = {
    events: events.length,
    advances: 0,
    blockedAttempts: 0,
    llmTurns: 0,
    toolCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  };
  // updatedAt as the reducer would have left it after each event (the 1 s rule of reduceSessionSummary).
  let updatedAt = 0;
  for (const event of events) {
    // Only some kinds change more than lastSeq/updatedAt; lastSeq is set once after the loop and updatedAt
    // is tracked here for the others.
    if (SUMMARY_KINDS.has(event.kind)) {
      if (summary !== null && summary.updatedAt !== updatedAt) summary = { ...summary, updatedAt };
      summary = reduceSessionSummary(summary, event);
      updatedAt = summary.updatedAt;
    } else if (event.at - updatedAt >= UPDATED_AT_GRANULARITY_MS) {
      updatedAt = event.at;
    }
    switch (event.kind) {
      case 'session_created':
        context = { ...event.data.context };
        break;
      case 'node_created': {
        const d = event.data;
        nodes.push({
          nodeId: d.nodeId,
          parentNodeId: d.parentNodeId,
          nodeKind: d.nodeKind,
          stepId: d.stepId,
          seq: event.seq,
        });
        break;
      }
      case 'output_appended': {
        const d = event.data;
        outputs.push(
          d.notesMarkdown === undefined
            ? { nodeId: d.nodeId, stepId: d.stepId, seq: event.seq }
            : { nodeId: d.nodeId, stepId: d.stepId, notesMarkdown: d.notesMarkdown, seq: event.seq },
        );
        for (const artifact of d.artifacts) {
          artifacts.push({
            nodeId: d.nodeId,
            stepId: d.stepId,
            artifact: artifact as JsonValue,
            seq: event.seq,
          });
        }
        break;
      }
      case 'context_set':
        context = applyContextSet(context, event.data.values, event.data.removed);
        break;
      case 'advance_recorded':
        metrics.advances++;
        break;
      case 'blocked_attempt':
        metrics.blockedAttempts++;
        break;
      case 'llm_turn_started':
        metrics.llmTurns++;
        break;
      case 'llm_turn_completed':
        metrics.inputTokens += event.data.inputTokens;
        metrics.outputTokens += event.data.outputTokens;
        metrics.costUsd += event.data.costUsd ?? 0;
        break;
      case 'tool_call_started':
        metrics.toolCalls++;
        break;
      case 'decision_trace':
        if (event.data.decision === 'sandbox_enforced' || event.data.decision === 'sandbox_off')
          sandbox = {
            enforced: event.data.decision === 'sandbox_enforced',
            reason: event.data.reason,
            seq: event.seq,
          };
        break;
      default:
        break;
    }
  }
  const last = events[events.length - 1]!;
  // The first event is session_created, so the loop set summary.
  const final = { ...summary!, lastSeq: last.seq, updatedAt };
  return {
    summary: final,
    failure: final.status === 'failed' ? latestFailure(events) : null,
    sandbox,
    nodes,
    outputs,
    artifacts,
    context,
    metrics,
  };
}

function applyContextSet(
  context: JsonObject,
  values: JsonObject,
  removed: readonly string[] | undefined,
): JsonObject {
  const next: JsonObject = { ...context, ...values };
  for (const key of removed ?? []) delete next[key];
  return next;
}
