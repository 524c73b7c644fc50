/**
 * `continue_workflow` with intent "advance": validate the agent's output for the node the token names and
 * append either a blocked attempt or the whole advance (output, assessments, context, advance, decisions,
 * next node) as ONE batch with an idempotency key and `expectedSeq` = the last seq read.
 *
 * - Replaying an identical call returns the recorded response (`replayed: true`), found by idempotency key.
 * - A token whose attempt is older than the node's latest blocked attempt is TOKEN_STALE.
 * - A token of a node that already advanced (with a different payload) forks a new branch from that node.
 * - A concurrent writer makes the append fail with SEQ_CONFLICT: the loser re-reads; if its own batch is
 *   there it is a replay; if the interleaved events touch the same node it is ADVANCE_CONFLICT (never
 *   silently retried into a fork); otherwise (a checkpoint, another branch) the advance is redone.
 * - An output the store refuses as too large for one event is turned into a blocked OUTPUT_TOO_LARGE.
 */
import {
  type Blocker,
  err,
  type JsonObject,
  type JsonValue,
  makeError,
  type NewSessionEvent,
  ok,
  type Result,
} from '@worktrain/contracts';
import type { ContinueResponse, EngineError } from '../api.js';
import type { CompiledWorkflow } from '../compiled.js';
import { contextWithLoopVariables, findStep } from '../interpreter/next.js';
import { validateOutput } from '../interpreter/validate-output.js';
import type { TokenPayload } from '../tokens/index.js';
import { advanceKey, appendOrConflict } from './append.js';
import {
  afterAccepted,
  confirmationApplies,
  currentLoop,
  type EngineDeps,
  gateKindOf,
  loadCompiled,
  loopKeyOf,
  planNextNode,
} from './core.js';
import type { ParsedOutput } from './input.js';
import { validateDeps } from './primitives.js';
import {
  advancedResponse,
  blockedResponse,
  circuitOpen,
  gateCheckpointResponse,
  replayResponse,
} from './responses.js';
import { readView } from './session-cache.js';
import {
  advancesFrom,
  batchOf,
  blockedAttempts,
  contextAt,
  currentAttempt,
  lastParkedGate,
  openGate,
  type SessionView,
} from './session-view.js';

const RETRY = Symbol('retry');
const MAX_ROUNDS = 3;

/**
 * The advance itself, after token verification. A conflict caused by concurrent writes that do not concern
 * the token's node (a checkpoint, another branch) is retried on a fresh read, at most 3 rounds.
 */
export async function advance(
  deps: EngineDeps,
  token: string,
  payload: TokenPayload,
  output: ParsedOutput | undefined,
  contextUpdate: JsonObject | undefined,
): Promise<Result<ContinueResponse, EngineError>> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const outcome = await advanceOnce(deps, token, payload, output, contextUpdate);
    if (outcome !== RETRY) return outcome;
  }
  return err(
    makeError(
      'ADVANCE_CONFLICT',
      'The session kept changing while this advance was applied; rehydrate and try again.',
    ),
  );
}

async function advanceOnce(
  deps: EngineDeps,
  token: string,
  payload: TokenPayload,
  output: ParsedOutput | undefined,
  contextUpdate: JsonObject | undefined,
): Promise<Result<ContinueResponse, EngineError> | typeof RETRY> {
  const viewResult = await readView(deps, payload.sessionId);
  if (viewResult.isErr()) return err(viewResult.error);
  const view = viewResult.value;
  const created = view.created;
  if (created === undefined)
    return err(makeError('SESSION_NOT_FOUND', `Session ${payload.sessionId} has no session_created event.`));
  const compiledResult = await loadCompiled(deps, created.data.workflowHash);
  if (compiledResult.isErr()) return err(compiledResult.error);
  const compiled = compiledResult.value;

  const key = advanceKey(token, output, contextUpdate);
  const earlier = batchOf(view, key);
  if (earlier.length > 0) return replayResponse({ deps, compiled, view, batch: earlier });

  const node = view.nodes.get(payload.nodeId);
  if (node === undefined)
    return err(
      makeError(
        'TOKEN_NODE_NOT_FOUND',
        `The token names node ${payload.nodeId}, which this session does not have.`,
        { nodeId: payload.nodeId },
      ),
    );
  if (view.ended !== null || node.nodeKind === 'complete') {
    return err(
      makeError(
        'SESSION_ENDED',
        `Session ${view.sessionId} has ${view.ended ?? 'completed'}; nothing is left to advance. Start a new session or resume another one.`,
        { status: view.ended ?? 'completed' },
      ),
    );
  }
  if (node.nodeKind !== 'step' || node.snapshot === undefined || node.snapshot.exec.pending === null) {
    return err(
      makeError(
        'TOKEN_WRONG_KIND',
        `Node ${node.nodeId} is a ${node.nodeKind} node; advance with the continue token of a step.`,
      ),
    );
  }
  const attempt = currentAttempt(view, node.nodeId);
  if (payload.attempt !== attempt) {
    return err(
      makeError(
        'TOKEN_STALE',
        `This continue token is for attempt ${payload.attempt} of the step, but attempt ${attempt} is current; use the retryContinueToken from the latest blocked response, or rehydrate.`,
        { tokenAttempt: payload.attempt, currentAttempt: attempt },
      ),
    );
  }
  if (blockedAttempts(view, node.nodeId).length >= deps.limits.maxConsecutiveBlocked)
    return err(circuitOpen(deps));

  const mode = node.snapshot.mode;
  const gate = openGate(view, node.nodeId);
  if (gate !== undefined && mode === 'autonomous')
    return ok(gateCheckpointResponse(deps, view.sessionId, gate, attempt));

  const exec = node.snapshot.exec;
  const pendingStepId = exec.pending?.stepId ?? '';
  const step = findStep(compiled, pendingStepId);
  if (step === undefined)
    return err(
      makeError('SNAPSHOT_MISSING', `Step ${pendingStepId} is not in the pinned workflow ${compiled.hash}.`),
    );
  const baseContext = contextAt(view, node.nodeId);
  const merged: JsonObject = { ...baseContext, ...(contextUpdate ?? {}) };
  const loop = currentLoop(compiled, exec);
  const lastBlocked = blockedAttempts(view, node.nodeId).at(-1);
  const verdict = validateOutput(
    {
      compiled,
      step,
      output,
      contextUpdate,
      mergedContext: contextWithLoopVariables(compiled, exec, merged),
      limits: deps.limits,
      ...(loopKeyOf(loop) === undefined ? {} : { loopId: loopKeyOf(loop) }),
      followupDone:
        lastBlocked?.data.blockers.some((b) => b.code === 'ASSESSMENT_FOLLOWUP_REQUIRED') === true,
    },
    validateDeps,
  );
  if (verdict.kind === 'error') return err(verdict.error);

  const block = (
    blockers: readonly Blocker[],
    retryable: boolean,
    validated: boolean,
    issues: readonly { message: string; pointer?: string }[],
  ) =>
    appendBlocked({
      deps,
      compiled,
      view,
      key,
      nodeId: node.nodeId,
      stepId: step.id,
      attempt,
      blockers,
      retryable,
      validated,
      issues,
    });
  if (verdict.kind === 'blocked')
    return block(verdict.blockers, verdict.retryable, verdict.validated, verdict.validationIssues);

  const events: NewSessionEvent[] = [
    {
      kind: 'output_appended',
      data: {
        nodeId: node.nodeId,
        stepId: step.id,
        ...(output?.notesMarkdown === undefined ? {} : { notesMarkdown: output.notesMarkdown }),
        artifacts: [...verdict.artifacts],
      },
    },
  ];
  if (verdict.validated)
    events.push({
      kind: 'validation_performed',
      data: { nodeId: node.nodeId, stepId: step.id, passed: true, issues: [] },
    });
  for (const a of verdict.assessments) {
    events.push({
      kind: 'assessment_recorded',
      data: {
        nodeId: node.nodeId,
        stepId: step.id,
        assessmentId: a.assessmentId,
        dimensions: a.dimensions.map((d) => ({ ...d })),
        normalizationNotes: [...a.normalizationNotes],
      },
    });
  }
  const contextEvent = (nodeId: string): NewSessionEvent[] =>
    contextUpdate !== undefined && Object.keys(contextUpdate).length > 0
      ? [{ kind: 'context_set', data: { nodeId, values: contextUpdate } }]
      : [];
  if (gate !== undefined) {
    events.push({
      kind: 'gate_resolved',
      data: {
        nodeId: node.nodeId,
        stepId: step.id,
        verdict: 'approved',
        actor: 'user',
        reason: 'confirmed by continuing',
      },
    });
  }
  if (
    mode === 'autonomous' &&
    confirmationApplies(step.confirmation, contextWithLoopVariables(compiled, exec, merged))
  ) {
    events.push(...contextEvent(node.nodeId));
    events.push({
      kind: 'gate_parked',
      data: {
        nodeId: node.nodeId,
        stepId: step.id,
        gateKind: gateKindOf(step.confirmation),
        reason: 'requireConfirmation',
      },
    });
    const appended = await appendOrConflict(deps, compiled, view, key, events, node.nodeId);
    if (appended.isErr()) return err(appended.error);
    if (appended.value.replay !== undefined) return appended.value.replay;
    if (appended.value.retry === true) return RETRY;
    const parked = lastParkedGate(appended.value.view, node.nodeId);
    if (parked === undefined)
      return err(makeError('STORE_ERROR', 'The parked gate was not found after the append.'));
    return ok(gateCheckpointResponse(deps, view.sessionId, parked, attempt));
  }
  const planned = advanceEvents({
    deps,
    compiled,
    view,
    fromNodeId: node.nodeId,
    attempt,
    artifacts: verdict.artifacts,
    context: merged,
  });
  events.push(...contextEvent(planned.nodeId), ...planned.events);
  const appended = await appendOrConflict(deps, compiled, view, key, events, node.nodeId);
  if (appended.isErr() && appended.error.details?.storeCode === 'EVENT_TOO_LARGE') {
    // The output passed our limits but not the store's event size limit: reject it as too large.
    const blocker: Blocker = {
      code: 'OUTPUT_TOO_LARGE',
      pointer: '/output',
      message: `The output is larger than the session store accepts for one event: ${appended.error.message}`,
      suggestedFix: 'Send shorter notes and smaller artifacts.',
    };
    return block([blocker], true, false, []);
  }
  if (appended.isErr()) return err(appended.error);
  if (appended.value.replay !== undefined) return appended.value.replay;
  if (appended.value.retry === true) return RETRY;
  return advancedResponse({
    deps,
    compiled,
    view: appended.value.view,
    nodeId: planned.nodeId,
    awaitingConfirmation: planned.parked,
    replayed: false,
  });
}

/** fork_created (when the node already has a child), advance_recorded, decisions, next node. */
export function advanceEvents(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly view: SessionView;
  readonly fromNodeId: string;
  readonly attempt: number;
  readonly artifacts: readonly JsonValue[];
  readonly context: JsonObject;
}): { events: NewSessionEvent[]; nodeId: string; parked: boolean } {
  const node = args.view.nodes.get(args.fromNodeId);
  if (node?.snapshot === undefined) throw new Error(`advanceEvents: node ${args.fromNodeId} has no snapshot`);
  const fork = advancesFrom(args.view, args.fromNodeId).length > 0;
  const planned = planNextNode({
    deps: args.deps,
    compiled: args.compiled,
    exec: afterAccepted(node.snapshot.exec, args.artifacts),
    context: args.context,
    mode: node.snapshot.mode,
    parentNodeId: args.fromNodeId,
  });
  const events: NewSessionEvent[] = [];
  if (fork)
    events.push({ kind: 'fork_created', data: { fromNodeId: args.fromNodeId, newNodeId: planned.nodeId } });
  events.push({
    kind: 'advance_recorded',
    data: { fromNodeId: args.fromNodeId, toNodeId: planned.nodeId, attempt: args.attempt, fork },
  });
  events.push(...planned.events);
  const parked = planned.events.some((e) => e.kind === 'gate_parked');
  return { events, nodeId: planned.nodeId, parked };
}

/** Appends a blocked attempt (and opens the circuit breaker when it is the last one allowed). */
async function appendBlocked(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly view: SessionView;
  readonly key: string;
  readonly nodeId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly blockers: readonly Blocker[];
  readonly retryable: boolean;
  readonly validated: boolean;
  readonly issues: readonly { message: string; pointer?: string }[];
}): Promise<Result<ContinueResponse, EngineError> | typeof RETRY> {
  const { deps, view, nodeId, stepId } = args;
  const consecutive = blockedAttempts(view, nodeId).length + 1;
  const events: NewSessionEvent[] = [];
  if (args.validated) {
    events.push({
      kind: 'validation_performed',
      data: { nodeId, stepId, passed: false, issues: args.issues.map((i) => ({ ...i })) },
    });
  }
  events.push({
    kind: 'blocked_attempt',
    data: {
      nodeId,
      stepId,
      attempt: args.attempt,
      blockers: [...args.blockers],
      retryable: args.retryable,
      consecutive,
    },
  });
  const opens = consecutive >= deps.limits.maxConsecutiveBlocked;
  if (opens) {
    events.push({
      kind: 'budget_exceeded',
      data: { budget: 'blocked_attempts', limit: deps.limits.maxConsecutiveBlocked, observed: consecutive },
    });
  }
  const appended = await appendOrConflict(deps, args.compiled, view, args.key, events, nodeId);
  if (appended.isErr()) return err(appended.error);
  if (appended.value.replay !== undefined) return appended.value.replay;
  if (appended.value.retry === true) return RETRY;
  if (opens) return err(circuitOpen(deps));
  return blockedResponse({
    deps,
    compiled: args.compiled,
    view: appended.value.view,
    nodeId,
    blockers: args.blockers,
    retryable: args.retryable,
    nextAttempt: args.attempt + 1,
  });
}
