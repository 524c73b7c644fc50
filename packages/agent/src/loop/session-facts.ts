/** What the loop needs from the session log: workflow id, goal, initial context and usage so far. */
import { err, isEventKind, type JsonObject, makeError, ok, type Result } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import type { AgentError } from '../errors.js';
import { ACTION_GATE_TRACES } from './action-gate.js';
import { emptyTotals, type UsageTotals } from './budget.js';

export interface SessionFacts {
  readonly workflowId: string;
  readonly goal?: string;
  readonly context: JsonObject;
  /** Usage over all earlier runs (sum of `llm_turn_completed`), so budgets span resumes. */
  readonly totals: UsageTotals;
  /** The gate the session is parked at (a `gate_parked` not followed by `gate_resolved`), if any. */
  readonly parkedGate?: {
    readonly stepId: string;
    readonly gateKind: 'coordinator_eval' | 'human_approval' | 'confirmation_required';
  };
  /** Set when the session was aborted (`session_aborted`): it must not run again. */
  readonly abortedReason?: string;
  /**
   * `tool_use` ids of commands the action gate was waiting on (an `action_gate_waiting` trace with no
   * `action_gate_decided` after it): they never ran, so a resumed run asks for them again.
   */
  readonly gateWaiting: ReadonlySet<string>;
}

/** Approval requests mirror `gate_parked` with step `approval:<action>`: an action waits, not the workflow. */
const isApprovalStep = (stepId: string): boolean => stepId.startsWith('approval:');

function gateToolUseId(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const request = (data as { request?: unknown }).request;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return undefined;
  const { kind, toolUseId } = request as { kind?: unknown; toolUseId?: unknown };
  return kind === 'run_command' && typeof toolUseId === 'string' ? toolUseId : undefined;
}

/** Reads the session's facts. Errors: SESSION_NOT_FOUND, STORE_ERROR. */
export async function readSessionFacts(
  store: SessionStore,
  sessionId: string,
): Promise<Result<SessionFacts, AgentError>> {
  const events = await store.readEvents(sessionId);
  if (events.isErr())
    return err(
      events.error.code === 'SESSION_NOT_FOUND'
        ? makeError('SESSION_NOT_FOUND', `No session ${sessionId}.`)
        : makeError('STORE_ERROR', `Cannot read session ${sessionId}: ${events.error.message}`, {
            storeCode: events.error.code,
          }),
    );
  const created = events.value.find((e) => isEventKind(e, 'session_created'));
  if (created === undefined || !isEventKind(created, 'session_created'))
    return err(makeError('SESSION_NOT_FOUND', `Session ${sessionId} has no session_created event.`));
  const totals = emptyTotals();
  let parkedGate: SessionFacts['parkedGate'];
  let abortedReason: string | undefined;
  const gateWaiting = new Set<string>();
  for (const e of events.value) {
    if (isEventKind(e, 'decision_trace')) {
      const toolUseId = gateToolUseId(e.data.data);
      if (toolUseId !== undefined && e.data.decision === ACTION_GATE_TRACES.waiting)
        gateWaiting.add(toolUseId);
      if (toolUseId !== undefined && e.data.decision === ACTION_GATE_TRACES.decided)
        gateWaiting.delete(toolUseId);
    }
    if (isEventKind(e, 'gate_parked') && !isApprovalStep(e.data.stepId))
      parkedGate = {
        stepId: e.data.stepId,
        gateKind: e.data.gateKind === 'confirmation' ? 'confirmation_required' : e.data.gateKind,
      };
    if (isEventKind(e, 'gate_resolved') && !isApprovalStep(e.data.stepId)) parkedGate = undefined;
    if (isEventKind(e, 'session_aborted')) abortedReason = e.data.reason;
    if (!isEventKind(e, 'llm_turn_completed')) continue;
    totals.turns += 1;
    totals.inputTokens += e.data.inputTokens;
    totals.outputTokens += e.data.outputTokens;
    totals.cacheReadTokens += e.data.cacheReadTokens ?? 0;
    totals.cacheWriteTokens += e.data.cacheWriteTokens ?? 0;
    totals.costUsd += e.data.costUsd ?? 0;
  }
  return ok({
    workflowId: created.data.workflowId,
    ...(created.data.goal === undefined ? {} : { goal: created.data.goal }),
    context: created.data.context,
    totals,
    gateWaiting,
    ...(parkedGate === undefined ? {} : { parkedGate }),
    ...(abortedReason === undefined ? {} : { abortedReason }),
  });
}
