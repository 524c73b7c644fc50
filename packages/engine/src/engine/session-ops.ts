/**
 * Session operations besides advancing: start, rehydrate, checkpoint, gate resolution.
 */
import {
  err,
  type JsonObject,
  makeError,
  type NewSessionEvent,
  ok,
  type Result,
  sha256Hex,
  utf8Bytes,
} from '@worktrain/contracts';
import type { CheckpointResponse, ContinueResponse, EngineError, StartInput, StartResponse } from '../api.js';
import { initialState } from '../interpreter/state.js';
import { signToken, type TokenPayload } from '../tokens/index.js';
import { advanceEvents } from './advance.js';
import { appendOrConflict } from './append.js';
import { type EngineDeps, loadCompiled, planNextNode, stepResponse, storeError, toJson } from './core.js';
import { checkStartFields, parseContext } from './input.js';
import { advancedResponse, blockedResponse, circuitOpen, replayResponse } from './responses.js';
import { readView, viewAfterAppend, viewOfNewSession } from './session-cache.js';
import {
  batchOf,
  blockedAttempts,
  checkpointOf,
  contextAt,
  currentAttempt,
  latestArtifacts,
  openGate,
  type SessionView,
} from './session-view.js';
import { compileLoaded } from './workflows.js';

export async function startSession(
  deps: EngineDeps,
  input: StartInput,
): Promise<Result<StartResponse, EngineError>> {
  const fields = checkStartFields(input);
  if (fields.isErr()) return err(fields.error);
  const context = parseContext(input.context, deps.limits, 'context');
  if (context.isErr()) return err(context.error);
  const initialContext: JsonObject = context.value ?? {};
  const contextBytes = utf8Bytes(JSON.stringify(initialContext));
  if (contextBytes > deps.limits.maxContextBytes) {
    return err(
      makeError(
        'INPUT_INVALID',
        `context is ${contextBytes} bytes; the limit is ${deps.limits.maxContextBytes} bytes.`,
        { field: 'context' },
      ),
    );
  }
  const mode = input.mode ?? 'interactive';
  const options = input.workspacePath === undefined ? {} : { workspacePath: input.workspacePath };
  const loaded = await deps.workflows.get(input.workflowId, options);
  if (loaded.isErr()) return err(loaded.error);
  const compiled = await compileLoaded(deps, loaded.value, input.workspacePath);
  if (compiled.isErr()) return err(compiled.error);
  const put = await deps.store.putWorkflowSnapshot(compiled.value.hash, toJson(compiled.value));
  if (put.isErr()) return err(storeError(put.error));
  deps.snapshots.set(compiled.value.hash, compiled.value);

  const sessionId = deps.ids.next('session');
  const events: NewSessionEvent[] = [
    {
      kind: 'session_created',
      data: {
        workflowId: compiled.value.workflowId,
        workflowVersion: compiled.value.version,
        workflowHash: compiled.value.hash,
        ...(input.goal === undefined ? {} : { goal: input.goal, title: input.goal.slice(0, 120) }),
        workspacePath: input.workspacePath ?? null,
        parentSessionId: input.parentSessionId ?? null,
        source: input.source ?? 'api',
        context: initialContext,
      },
    },
  ];
  if (Object.keys(initialContext).length > 0)
    events.push({ kind: 'context_set', data: { nodeId: null, values: initialContext } });
  const planned = planNextNode({
    deps,
    compiled: compiled.value,
    exec: initialState(),
    context: initialContext,
    mode,
    parentNodeId: null,
  });
  events.push(...planned.events);
  const appended = await deps.store.append({ sessionId, expectedSeq: 0, events });
  if (appended.isErr()) return err(storeError(appended.error));
  const view = viewOfNewSession(deps, sessionId, appended.value.events);
  const node = view.nodes.get(planned.nodeId);
  if (node?.snapshot === undefined)
    return err(makeError('STORE_ERROR', 'The new session has no first node after the append.'));
  return ok(
    stepResponse({
      deps,
      compiled: compiled.value,
      sessionId,
      nodeId: planned.nodeId,
      nodeKind: node.nodeKind === 'complete' ? 'complete' : 'step',
      exec: node.snapshot.exec,
      context: initialContext,
      attempt: 0,
      mode,
      lifecycle: 'start',
      awaitingConfirmation: planned.events.some((e) => e.kind === 'gate_parked'),
    }),
  );
}

/** The step node a token's node stands for (a checkpoint node stands for the step it checkpointed). */
function resolveStepNode(view: SessionView, nodeId: string): string {
  const node = view.nodes.get(nodeId);
  if (node?.nodeKind === 'checkpoint' && node.parentNodeId !== null) return node.parentNodeId;
  return nodeId;
}

/** `continue_workflow` with intent "rehydrate": the node's pending step again, with fresh tokens. */
export async function rehydrate(
  deps: EngineDeps,
  payload: TokenPayload,
): Promise<Result<ContinueResponse, EngineError>> {
  const viewResult = await readView(deps, payload.sessionId);
  if (viewResult.isErr()) return err(viewResult.error);
  const view = viewResult.value;
  if (!view.nodes.has(payload.nodeId))
    return err(
      makeError(
        'TOKEN_NODE_NOT_FOUND',
        `The token names node ${payload.nodeId}, which this session does not have.`,
      ),
    );
  const nodeId = resolveStepNode(view, payload.nodeId);
  const node = view.nodes.get(nodeId);
  if (node?.snapshot === undefined || view.created === undefined)
    return err(makeError('TOKEN_NODE_NOT_FOUND', `Node ${nodeId} has no execution state.`));
  const compiled = await loadCompiled(deps, view.created.data.workflowHash);
  if (compiled.isErr()) return err(compiled.error);
  const base = stepResponse({
    deps,
    compiled: compiled.value,
    sessionId: view.sessionId,
    nodeId,
    nodeKind: node.nodeKind === 'complete' ? 'complete' : 'step',
    exec: node.snapshot.exec,
    context: contextAt(view, nodeId),
    attempt: currentAttempt(view, nodeId),
    mode: node.snapshot.mode,
    lifecycle: 'rehydrate',
    awaitingConfirmation: false,
  });
  return ok({ ...base, kind: 'ok' });
}

/** `checkpoint_workflow`: records a checkpoint node under the token's node; idempotent per node. */
export async function checkpoint(
  deps: EngineDeps,
  token: string,
  payload: TokenPayload,
): Promise<Result<CheckpointResponse, EngineError>> {
  for (let round = 0; round < 3; round++) {
    const viewResult = await readView(deps, payload.sessionId);
    if (viewResult.isErr()) return err(viewResult.error);
    const view = viewResult.value;
    const node = view.nodes.get(payload.nodeId);
    if (node === undefined)
      return err(
        makeError(
          'TOKEN_NODE_NOT_FOUND',
          `The token names node ${payload.nodeId}, which this session does not have.`,
        ),
      );
    const existing = checkpointOf(view, payload.nodeId);
    const respond = (checkpointNodeId: string): CheckpointResponse => {
      const continueToken = signToken(deps.keyring, {
        kind: 'continue',
        sessionId: view.sessionId,
        nodeId: payload.nodeId,
        attempt: currentAttempt(view, payload.nodeId),
      });
      return {
        sessionId: view.sessionId,
        checkpointNodeId,
        resumeToken: signToken(deps.keyring, {
          kind: 'state',
          sessionId: view.sessionId,
          nodeId: checkpointNodeId,
          attempt: 0,
        }),
        nextCall: node.nodeKind === 'step' ? { tool: 'continue_workflow', params: { continueToken } } : null,
      };
    };
    if (existing !== undefined) return ok(respond(existing.data.checkpointNodeId));
    const checkpointNodeId = deps.ids.next('node');
    const appended = await deps.store.append({
      sessionId: view.sessionId,
      expectedSeq: view.lastSeq,
      idempotencyKey: `ck:${sha256Hex(token)}`,
      events: [
        { kind: 'checkpoint_created', data: { nodeId: payload.nodeId, checkpointNodeId } },
        {
          kind: 'node_created',
          data: {
            nodeId: checkpointNodeId,
            parentNodeId: payload.nodeId,
            nodeKind: 'checkpoint',
            stepId: node.stepId,
            state: toJson(node.snapshot ?? null),
          },
        },
      ],
    });
    if (appended.isOk()) {
      if (!appended.value.replayed) viewAfterAppend(deps, view, appended.value.events);
      const recorded = appended.value.events.find((e) => e.kind === 'checkpoint_created');
      return ok(
        respond(recorded?.kind === 'checkpoint_created' ? recorded.data.checkpointNodeId : checkpointNodeId),
      );
    }
    if (appended.error.code !== 'SEQ_CONFLICT') return err(storeError(appended.error));
  }
  return err(makeError('ADVANCE_CONFLICT', 'The session kept changing while checkpointing; try again.'));
}

/** Resolves a gate parked by an autonomous session: approval completes the advance, rejection blocks it. */
export async function resolveGate(
  deps: EngineDeps,
  token: string,
  payload: TokenPayload,
  input: { readonly verdict: 'approved' | 'rejected'; readonly actor: string; readonly reason?: string },
): Promise<Result<ContinueResponse, EngineError>> {
  if (input.verdict !== 'approved' && input.verdict !== 'rejected')
    return err(makeError('INPUT_INVALID', 'verdict must be "approved" or "rejected".'));
  if (typeof input.actor !== 'string' || input.actor.trim() === '')
    return err(makeError('INPUT_INVALID', 'actor must name who resolves the gate.'));
  const viewResult = await readView(deps, payload.sessionId);
  if (viewResult.isErr()) return err(viewResult.error);
  const view = viewResult.value;
  if (view.created === undefined)
    return err(makeError('SESSION_NOT_FOUND', `Session ${payload.sessionId} has no session_created event.`));
  const compiled = await loadCompiled(deps, view.created.data.workflowHash);
  if (compiled.isErr()) return err(compiled.error);
  const key = `gate:${sha256Hex(`${token}\n${input.verdict}\n${input.actor}\n${input.reason ?? ''}`)}`;
  const earlier = batchOf(view, key);
  if (earlier.length > 0) return replayResponse({ deps, compiled: compiled.value, view, batch: earlier });
  const node = view.nodes.get(payload.nodeId);
  if (node?.snapshot === undefined)
    return err(
      makeError(
        'TOKEN_NODE_NOT_FOUND',
        `The token names node ${payload.nodeId}, which this session does not have.`,
      ),
    );
  if (view.ended !== null)
    return err(makeError('SESSION_ENDED', `Session ${view.sessionId} has ${view.ended}.`));
  const gate = openGate(view, node.nodeId);
  const attempt = currentAttempt(view, node.nodeId);
  if (gate === undefined || payload.attempt !== attempt) {
    return err(
      makeError(
        'TOKEN_STALE',
        'No gate is waiting on this step for this token (already resolved, or the step was retried).',
        { nodeId: node.nodeId },
      ),
    );
  }
  const resolved: NewSessionEvent = {
    kind: 'gate_resolved',
    data: {
      nodeId: node.nodeId,
      stepId: gate.data.stepId,
      verdict: input.verdict,
      actor: input.actor,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    },
  };
  if (input.verdict === 'approved') {
    const planned = advanceEvents({
      deps,
      compiled: compiled.value,
      view,
      fromNodeId: node.nodeId,
      attempt,
      artifacts: latestArtifacts(view, node.nodeId),
      context: contextAt(view, node.nodeId),
    });
    const appended = await appendOrConflict(deps, compiled.value, view, key, [resolved, ...planned.events]);
    if (appended.isErr()) return err(appended.error);
    if (appended.value.replay !== undefined) return appended.value.replay;
    return advancedResponse({
      deps,
      compiled: compiled.value,
      view: appended.value.view,
      nodeId: planned.nodeId,
      awaitingConfirmation: planned.parked,
      replayed: false,
    });
  }
  const consecutive = blockedAttempts(view, node.nodeId).length + 1;
  const blockers = [
    {
      code: 'VALIDATION_FAILED' as const,
      pointer: '/gate',
      message: `The ${gate.data.gateKind.replace('_', ' ')} gate was rejected by ${input.actor}${input.reason === undefined ? '' : `: ${input.reason}`}.`,
      suggestedFix: 'Address the rejection reason, then submit the step again with the retry token.',
    },
  ];
  const events: NewSessionEvent[] = [
    resolved,
    {
      kind: 'blocked_attempt',
      data: {
        nodeId: node.nodeId,
        stepId: gate.data.stepId,
        attempt,
        blockers,
        retryable: true,
        consecutive,
      },
    },
  ];
  const opens = consecutive >= deps.limits.maxConsecutiveBlocked;
  if (opens)
    events.push({
      kind: 'budget_exceeded',
      data: { budget: 'blocked_attempts', limit: deps.limits.maxConsecutiveBlocked, observed: consecutive },
    });
  const appended = await appendOrConflict(deps, compiled.value, view, key, events);
  if (appended.isErr()) return err(appended.error);
  if (appended.value.replay !== undefined) return appended.value.replay;
  if (opens) return err(circuitOpen(deps));
  return blockedResponse({
    deps,
    compiled: compiled.value,
    view: appended.value.view,
    nodeId: node.nodeId,
    blockers,
    retryable: true,
    nextAttempt: attempt + 1,
  });
}
