/**
 * Response building shared by advance, gate resolution and replays: a replayed call (same idempotency key)
 * returns the response rebuilt from the events its first execution wrote, so it is identical.
 */
import { type Blocker, err, makeError, ok, type Result, type SessionEvent } from '@worktrain/contracts';
import type { ContinueResponse, EngineError } from '../api.js';
import type { CompiledWorkflow } from '../compiled.js';
import { signToken } from '../tokens/index.js';
import { createdNodeIn, type EngineDeps, stepResponse } from './core.js';
import { blockedAttempts, contextAt, type SessionView } from './session-view.js';

export function gateKindForResponse(
  kind: 'confirmation' | 'human_approval' | 'coordinator_eval',
): 'confirmation_required' | 'human_approval' | 'coordinator_eval' {
  return kind === 'confirmation' ? 'confirmation_required' : kind;
}

/** Blocked response for `nodeId`: the same step again, with a retry token for attempt `nextAttempt`. */
export function blockedResponse(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly view: SessionView;
  readonly nodeId: string;
  readonly blockers: readonly Blocker[];
  readonly retryable: boolean;
  readonly nextAttempt: number;
}): Result<ContinueResponse, EngineError> {
  const node = args.view.nodes.get(args.nodeId);
  if (node?.snapshot === undefined)
    return err(makeError('TOKEN_NODE_NOT_FOUND', `Node ${args.nodeId} has no execution state.`));
  const base = stepResponse({
    deps: args.deps,
    compiled: args.compiled,
    sessionId: args.view.sessionId,
    nodeId: args.nodeId,
    nodeKind: 'step',
    exec: node.snapshot.exec,
    context: contextAt(args.view, args.nodeId),
    attempt: args.nextAttempt,
    mode: node.snapshot.mode,
    lifecycle: 'advance',
    awaitingConfirmation: false,
  });
  const followup = args.blockers.find((b) => b.code === 'ASSESSMENT_FOLLOWUP_REQUIRED');
  return ok({
    ...base,
    kind: 'blocked',
    blockers: args.blockers,
    retryable: args.retryable,
    ...(base.continueToken === undefined ? {} : { retryContinueToken: base.continueToken }),
    ...(followup === undefined
      ? {}
      : {
          assessmentFollowup: {
            title: 'Assessment follow-up required',
            guidance: followup.suggestedFix ?? followup.message,
          },
        }),
  });
}

/** Ok response presenting node `nodeId` (freshly created by an advance or a gate approval). */
export function advancedResponse(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly view: SessionView;
  readonly nodeId: string;
  readonly awaitingConfirmation: boolean;
  readonly replayed: boolean;
}): Result<ContinueResponse, EngineError> {
  const node = args.view.nodes.get(args.nodeId);
  if (node?.snapshot === undefined)
    return err(makeError('TOKEN_NODE_NOT_FOUND', `Node ${args.nodeId} has no execution state.`));
  const base = stepResponse({
    deps: args.deps,
    compiled: args.compiled,
    sessionId: args.view.sessionId,
    nodeId: args.nodeId,
    nodeKind: node.nodeKind === 'complete' ? 'complete' : 'step',
    exec: node.snapshot.exec,
    context: contextAt(args.view, args.nodeId),
    attempt: 0,
    mode: node.snapshot.mode,
    lifecycle: 'advance',
    awaitingConfirmation: args.awaitingConfirmation,
  });
  return ok({ ...base, kind: 'ok', ...(args.replayed ? { replayed: true } : {}) });
}

export function gateCheckpointResponse(
  deps: EngineDeps,
  sessionId: string,
  parked: Extract<SessionEvent, { kind: 'gate_parked' }>,
  attempt: number,
): ContinueResponse {
  return {
    kind: 'gate_checkpoint',
    sessionId,
    gateToken: signToken(deps.keyring, { kind: 'gate', sessionId, nodeId: parked.data.nodeId, attempt }),
    stepId: parked.data.stepId,
    gateKind: gateKindForResponse(parked.data.gateKind),
  };
}

/**
 * Rebuilds the response of an earlier call from the events of its batch (`replayed: true` for ok results).
 * A batch that opened the circuit breaker replays as CIRCUIT_OPEN.
 */
export function replayResponse(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly view: SessionView;
  readonly batch: readonly SessionEvent[];
}): Result<ContinueResponse, EngineError> {
  const { batch } = args;
  if (batch.some((e) => e.kind === 'budget_exceeded')) return err(circuitOpen(args.deps));
  const blocked = batch.find(
    (e): e is Extract<SessionEvent, { kind: 'blocked_attempt' }> => e.kind === 'blocked_attempt',
  );
  if (blocked !== undefined) {
    return blockedResponse({
      deps: args.deps,
      compiled: args.compiled,
      view: args.view,
      nodeId: blocked.data.nodeId,
      blockers: blocked.data.blockers,
      retryable: blocked.data.retryable,
      nextAttempt: blocked.data.attempt + 1,
    });
  }
  const created = createdNodeIn(batch);
  if (created !== undefined) {
    const parked = batch.some((e) => e.kind === 'gate_parked' && e.data.nodeId === created.data.nodeId);
    return advancedResponse({
      deps: args.deps,
      compiled: args.compiled,
      view: args.view,
      nodeId: created.data.nodeId,
      awaitingConfirmation: parked,
      replayed: true,
    });
  }
  const gate = batch.find(
    (e): e is Extract<SessionEvent, { kind: 'gate_parked' }> => e.kind === 'gate_parked',
  );
  if (gate !== undefined) {
    return ok(gateCheckpointResponse(args.deps, args.view.sessionId, gate, attemptOfGate(args.view, gate)));
  }
  return err(
    makeError(
      'ADVANCE_CONFLICT',
      'This call was recorded earlier but its outcome cannot be rebuilt; rehydrate with your continue token.',
    ),
  );
}

/** Attempt number at which a gate was parked (= blocked attempts on the node before it). */
export function attemptOfGate(
  view: SessionView,
  parked: Extract<SessionEvent, { kind: 'gate_parked' }>,
): number {
  return blockedAttempts(view, parked.data.nodeId).filter((e) => e.seq < parked.seq).length;
}

export function circuitOpen(deps: EngineDeps): EngineError {
  return makeError(
    'CIRCUIT_OPEN',
    `This step was rejected ${deps.limits.maxConsecutiveBlocked} times in a row; the circuit breaker stopped further attempts. Stop and ask the user how to proceed.`,
    { maxConsecutiveBlocked: deps.limits.maxConsecutiveBlocked, retryable: false },
  );
}
