/**
 * Appending an advance's batch with optimistic concurrency, and what a conflict means: a replay of this
 * very call (found by idempotency key), a retryable race with unrelated writes, or ADVANCE_CONFLICT.
 */
import {
  canonicalJson,
  err,
  type JsonObject,
  makeError,
  type NewSessionEvent,
  ok,
  type Result,
  type SessionEvent,
  sha256Hex,
} from '@worktrain/contracts';
import type { SessionStoreError } from '@worktrain/session-store';
import type { ContinueResponse, EngineError } from '../api.js';
import type { CompiledWorkflow } from '../compiled.js';
import { type EngineDeps, storeError } from './core.js';
import type { ParsedOutput } from './input.js';
import { replayResponse } from './responses.js';
import { readView, viewAfterAppend } from './session-cache.js';
import { batchOf, eventsAfter, type SessionView } from './session-view.js';

/** Idempotency key of an advance: sha256 over the token and the canonical output and context. */
export function advanceKey(
  token: string,
  output: ParsedOutput | undefined,
  context: JsonObject | undefined,
): string {
  return `adv:${sha256Hex(`${token}\n${canonicalJson({ output: output ?? null, context: context ?? null })}`)}`;
}

/**
 * Appends a batch; on SEQ_CONFLICT re-reads the session: when the batch's key is now stored (the same call
 * raced itself) the recorded outcome is returned, otherwise ADVANCE_CONFLICT.
 */
export async function appendOrConflict(
  deps: EngineDeps,
  compiled: CompiledWorkflow,
  view: SessionView,
  key: string,
  events: readonly NewSessionEvent[],
  /** When given, a conflict caused only by events unrelated to this node asks the caller to retry. */
  nodeId?: string,
): Promise<Result<AppendOutcome, EngineError>> {
  const appended = await deps.store.append({
    sessionId: view.sessionId,
    expectedSeq: view.lastSeq,
    idempotencyKey: key,
    events,
  });
  if (appended.isOk()) {
    if (appended.value.replayed) {
      const reread = await readView(deps, view.sessionId);
      if (reread.isErr()) return err(reread.error);
      return ok({
        view: reread.value,
        replay: replayResponse({ deps, compiled, view: reread.value, batch: batchOf(reread.value, key) }),
      });
    }
    return ok({ view: viewAfterAppend(deps, view, appended.value.events) });
  }
  return conflictOutcome(deps, compiled, view, key, appended.error, nodeId);
}

export interface AppendOutcome {
  readonly view: SessionView;
  /** The recorded response when this exact call had already been applied. */
  readonly replay?: Result<ContinueResponse, EngineError>;
  /** True when a concurrent write unrelated to the node moved the log on: redo the call on a fresh read. */
  readonly retry?: boolean;
}

/** Whether an event written after our read concerns `nodeId` (then our advance must not be redone). */
function touchesNode(event: SessionEvent, nodeId: string): boolean {
  switch (event.kind) {
    case 'advance_recorded':
      return event.data.fromNodeId === nodeId;
    case 'blocked_attempt':
    case 'gate_parked':
    case 'gate_resolved':
    case 'output_appended':
      return event.data.nodeId === nodeId;
    case 'session_completed':
    case 'session_aborted':
      return true;
    default:
      return false;
  }
}

async function conflictOutcome(
  deps: EngineDeps,
  compiled: CompiledWorkflow,
  view: SessionView,
  key: string,
  error: SessionStoreError,
  nodeId: string | undefined,
): Promise<Result<AppendOutcome, EngineError>> {
  const sessionId = view.sessionId;
  if (error.code !== 'SEQ_CONFLICT' && error.code !== 'IDEMPOTENCY_KEY_CONFLICT')
    return err(storeError(error));
  const reread = await readView(deps, sessionId);
  if (reread.isErr()) return err(reread.error);
  const batch = batchOf(reread.value, key);
  if (batch.length > 0)
    return ok({ view: reread.value, replay: replayResponse({ deps, compiled, view: reread.value, batch }) });
  if (
    nodeId !== undefined &&
    error.code === 'SEQ_CONFLICT' &&
    !eventsAfter(reread.value, view.lastSeq).some((e) => touchesNode(e, nodeId))
  ) {
    return ok({ view: reread.value, retry: true });
  }
  return err(
    makeError(
      'ADVANCE_CONFLICT',
      'Another advance of this session was recorded at the same time; this one was not applied. Rehydrate with your continue token (intent "rehydrate") to see the current step.',
      { storeCode: error.code },
    ),
  );
}
