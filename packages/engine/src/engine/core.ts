/**
 * Shared pieces of the engine facade: the dependency bundle, error mapping, snapshot loading, the
 * "plan the next node" step used by start/advance/gate approval, and response building.
 */
import {
  type Clock,
  canonicalHash,
  err,
  type IdGenerator,
  type JsonObject,
  JsonObjectSchema,
  type JsonValue,
  type Logger,
  makeError,
  type NewSessionEvent,
  ok,
  type Result,
  type SessionEvent,
} from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from '@worktrain/session-store';
import type {
  EngineError,
  EngineLimits,
  Keyring,
  NextIntent,
  PendingStep,
  Preferences,
  StepResponseBase,
  WorkflowRegistry,
} from '../api.js';
import type {
  CompiledLoop,
  CompiledParallel,
  CompiledStep,
  CompiledWorkflow,
  Confirmation,
} from '../compiled.js';
import { activeDelegations } from '../compiler/parallel-prompt.js';
import { completePending, contextWithLoopVariables, findStep, nextPending } from '../interpreter/next.js';
import type { Decision, ExecutionState } from '../interpreter/state.js';
import { signToken } from '../tokens/index.js';
import { interpreterDeps, renderPrompt } from './primitives.js';
import type { SessionCache } from './session-cache.js';
import type { NodeSnapshot, SessionMode } from './session-view.js';

export interface EngineDeps {
  readonly store: SessionStore;
  readonly keyring: Keyring;
  readonly workflows: WorkflowRegistry;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly limits: EngineLimits;
  /** Compiled snapshots by hash (immutable, so caching is safe). */
  readonly snapshots: Map<string, CompiledWorkflow>;
  /** Indexed logs of recently used sessions (see session-cache.ts). */
  readonly sessions: SessionCache;
}

/** Maps a session-store error onto the engine's codes (the store's code stays in `details.storeCode`). */
export function storeError(error: SessionStoreError): EngineError {
  if (error.code === 'SESSION_NOT_FOUND')
    return makeError('SESSION_NOT_FOUND', error.message, { storeCode: error.code });
  if (error.code === 'SNAPSHOT_NOT_FOUND') {
    return makeError(
      'SNAPSHOT_MISSING',
      `The session's pinned workflow snapshot is missing: ${error.message}`,
      { storeCode: error.code },
    );
  }
  return makeError('STORE_ERROR', `The session store failed: ${error.message}`, {
    storeCode: error.code,
    ...(error.details ?? {}),
  });
}

/** Plain-JSON copy of a value built from JSON-compatible types. */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value));
}

function isCompiledWorkflow(value: unknown, hash: string): value is CompiledWorkflow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v: { compiledSchemaVersion?: unknown; hash?: unknown; steps?: unknown } = value;
  return v.compiledSchemaVersion === 1 && v.hash === hash && Array.isArray(v.steps);
}

/** True when the snapshot's content still hashes to its `hash` (a damaged snapshot is never run). */
function hashMatches(compiled: CompiledWorkflow): boolean {
  const { hash, ...unhashed } = compiled;
  return canonicalHash(unhashed) === hash;
}

/** Loads the session's pinned compiled workflow (cached by hash; verified against its hash on load). */
export async function loadCompiled(
  deps: EngineDeps,
  hash: string,
): Promise<Result<CompiledWorkflow, EngineError>> {
  const cached = deps.snapshots.get(hash);
  if (cached !== undefined) return ok(cached);
  const loaded = await deps.store.getWorkflowSnapshot(hash);
  if (loaded.isErr()) return err(storeError(loaded.error));
  if (!isCompiledWorkflow(loaded.value, hash) || !hashMatches(loaded.value)) {
    return err(
      makeError(
        'SNAPSHOT_MISSING',
        `The stored snapshot ${hash} is not a compiled workflow this engine understands.`,
        { hash },
      ),
    );
  }
  deps.snapshots.set(hash, loaded.value);
  return ok(loaded.value);
}

/** The loop whose body holds the current position (innermost), if any. */
export function currentLoop(compiled: CompiledWorkflow, state: ExecutionState): CompiledLoop | undefined {
  const frame = state.loops[0];
  if (frame === undefined) return undefined;
  const node = compiled.steps[state.pc];
  return node?.kind === 'loop' && node.id === frame.loopId ? node : undefined;
}

/** Loop id loop-control artifacts are addressed to for the loop around the pending step. */
export function loopKeyOf(loop: CompiledLoop | undefined): string | undefined {
  if (loop === undefined) return undefined;
  return loop.conditionSource?.kind === 'artifact_contract'
    ? (loop.conditionSource.loopId ?? loop.id)
    : loop.id;
}

/** Whether a step's confirmation requirement applies in this context. */
export function confirmationApplies(confirmation: Confirmation, context: JsonObject): boolean {
  if (confirmation.kind === 'none') return false;
  return (
    confirmation.condition === undefined || interpreterDeps.evaluateCondition(confirmation.condition, context)
  );
}

export function gateKindOf(
  confirmation: Confirmation,
): 'confirmation' | 'human_approval' | 'coordinator_eval' {
  return confirmation.kind === 'human_approval' || confirmation.kind === 'coordinator_eval'
    ? confirmation.kind
    : 'confirmation';
}

export function decisionEvent(nodeId: string | null, decision: Decision): NewSessionEvent {
  return {
    kind: 'decision_trace',
    data: { nodeId, decision: decision.decision, reason: decision.reason, data: decision.data },
  };
}

export interface PlannedNode {
  readonly nodeId: string;
  readonly events: NewSessionEvent[];
  readonly complete: boolean;
}

/**
 * Runs the interpreter from `exec` (after the previous step completed, or the initial state) and returns
 * the events that create the next node: decision traces, `node_created` (step or complete), a parked
 * confirmation gate for interactive sessions, `session_completed` at the end.
 */
export function planNextNode(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly exec: ExecutionState;
  readonly context: JsonObject;
  readonly mode: SessionMode;
  readonly parentNodeId: string | null;
}): PlannedNode {
  const nodeId = args.deps.ids.next('node');
  const next = nextPending(args.compiled, args.exec, { context: args.context }, interpreterDeps);
  const events: NewSessionEvent[] = next.decisions.map((d) => decisionEvent(nodeId, d));
  const snapshot: NodeSnapshot = { v: 1, mode: args.mode, exec: next.state };
  if (next.kind === 'complete') {
    events.push({
      kind: 'node_created',
      data: {
        nodeId,
        parentNodeId: args.parentNodeId,
        nodeKind: 'complete',
        stepId: null,
        state: toJson(snapshot),
      },
    });
    events.push({ kind: 'session_completed', data: { outcome: 'success' } });
    return { nodeId, events, complete: true };
  }
  events.push({
    kind: 'node_created',
    data: {
      nodeId,
      parentNodeId: args.parentNodeId,
      nodeKind: 'step',
      stepId: next.node.id,
      state: toJson(snapshot),
    },
  });
  if (args.mode === 'interactive' && confirmationApplies(next.node.confirmation, next.context)) {
    events.push({
      kind: 'gate_parked',
      data: {
        nodeId,
        stepId: next.node.id,
        gateKind: gateKindOf(next.node.confirmation),
        reason: 'requireConfirmation',
      },
    });
  }
  return { nodeId, events, complete: false };
}

/** Completes the pending step of `exec` with the accepted artifacts (see `completePending`). */
export function afterAccepted(exec: ExecutionState, artifacts: readonly JsonValue[]): ExecutionState {
  return completePending(exec, { artifacts });
}

export function preferencesOf(compiled: CompiledWorkflow): Preferences {
  return {
    autonomy: compiled.recommendedPreferences?.recommendedAutonomy ?? 'guided',
    riskPolicy: compiled.recommendedPreferences?.recommendedRiskPolicy ?? 'conservative',
  };
}

/** The pending step of a step node, rendered with the node's context and loop variables. */
export function pendingOf(
  compiled: CompiledWorkflow,
  exec: ExecutionState,
  context: JsonObject,
): { step: CompiledStep | CompiledParallel; pending: PendingStep; context: JsonObject } | undefined {
  if (exec.pending === null) return undefined;
  const step = findStep(compiled, exec.pending.stepId);
  if (step === undefined) return undefined;
  const full = contextWithLoopVariables(compiled, exec, context);
  const pending: PendingStep = {
    stepId: step.id,
    title: step.title,
    prompt: renderPrompt(step, full),
    ...(step.kind === 'step' && step.agentRole !== undefined ? { agentRole: step.agentRole } : {}),
    ...(step.kind === 'step' && step.modelTier !== undefined ? { modelTier: step.modelTier } : {}),
    ...(step.kind === 'parallel'
      ? {
          delegations: activeDelegations(step.delegations, full).map((d) => ({
            ...d,
            // Context values are JSON already (the engine validates them on the way in).
            inputs: JsonObjectSchema.parse(d.inputs),
          })),
        }
      : {}),
  };
  return { step, pending, context: full };
}

/**
 * Builds the common response fields for a node. `lifecycle` 'rehydrate' gives `nextIntent: rehydrate_only`
 * (WorkRail: recover state, then perform the pending step); metaGuidance is surfaced on start and rehydrate.
 */
export function stepResponse(args: {
  readonly deps: EngineDeps;
  readonly compiled: CompiledWorkflow;
  readonly sessionId: string;
  readonly nodeId: string;
  readonly nodeKind: 'step' | 'complete';
  readonly exec: ExecutionState;
  readonly context: JsonObject;
  readonly attempt: number;
  readonly mode: SessionMode;
  readonly lifecycle: 'start' | 'advance' | 'rehydrate';
  /** True when an unresolved interactive confirmation gate is parked on the node. */
  readonly awaitingConfirmation: boolean;
}): StepResponseBase {
  const preferences = preferencesOf(args.compiled);
  const meta =
    args.lifecycle === 'advance' || args.compiled.metaGuidance.length === 0
      ? {}
      : { metaGuidance: args.compiled.metaGuidance };
  const pending = args.nodeKind === 'step' ? pendingOf(args.compiled, args.exec, args.context) : undefined;
  if (pending === undefined) {
    return {
      sessionId: args.sessionId,
      isComplete: true,
      pending: null,
      preferences,
      nextIntent: 'complete',
      nextCall: null,
      ...meta,
    };
  }
  const continueToken = signToken(args.deps.keyring, {
    kind: 'continue',
    sessionId: args.sessionId,
    nodeId: args.nodeId,
    attempt: args.attempt,
  });
  const checkpointToken = signToken(args.deps.keyring, {
    kind: 'checkpoint',
    sessionId: args.sessionId,
    nodeId: args.nodeId,
    attempt: 0,
  });
  const nextIntent: NextIntent =
    args.lifecycle === 'rehydrate'
      ? 'rehydrate_only'
      : args.awaitingConfirmation
        ? 'await_user_confirmation'
        : 'perform_pending_then_continue';
  return {
    sessionId: args.sessionId,
    continueToken,
    checkpointToken,
    isComplete: false,
    pending: pending.pending,
    preferences,
    nextIntent,
    nextCall: { tool: 'continue_workflow', params: { continueToken } },
    ...meta,
  };
}

/** The node events of an append batch, for rebuilding a replayed response. */
export function createdNodeIn(
  events: readonly SessionEvent[],
): Extract<SessionEvent, { kind: 'node_created' }> | undefined {
  let found: Extract<SessionEvent, { kind: 'node_created' }> | undefined;
  for (const e of events) if (e.kind === 'node_created' && e.data.nodeKind !== 'checkpoint') found = e;
  return found;
}
