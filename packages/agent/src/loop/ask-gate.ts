/**
 * Asking the action gate from inside a run: the wall clock stops while the gate waits for a person, a kill
 * recorded by another process is noticed by polling the session summary, a gate that throws is a refusal
 * (fail closed), and waits and refusals are recorded as `decision_trace` events.
 */
import type { Clock } from '@worktrain/contracts';
import { describeThrown } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import {
  ACTION_GATE_TRACES,
  type ActionGate,
  type ActionGateDecision,
  type ActionGateRequest,
} from './action-gate.js';
import type { RecordEvents, RunControl } from './run-control.js';

/** How often a gate wait checks whether another process killed the session (ms). */
export const GATE_KILL_POLL_MS = 1000;

/** What {@link askActionGate} needs from the run. */
export interface AskGateContext {
  readonly gate: ActionGate | undefined;
  readonly sessionId: string;
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly control: RunControl;
  readonly record: RecordEvents;
  /** tool_use ids whose gate wait was cut by a stop: their completion is not recorded (asked again on resume). */
  readonly abandoned: Set<string>;
}

/**
 * Asks the action gate (no gate: allowed, actor `none`). While the gate waits the wall clock is stopped;
 * the kill switch and the daemon stopping fire the run's signal, which ends the wait. An immediate allow
 * is recorded only in the gate's own audit trail; a wait or a refusal as `action_gate_decided`. A wait cut
 * by a stop answers refused and, for a command, marks its tool_use id abandoned (a resumed run asks again).
 */
export async function askActionGate(
  ctx: AskGateContext,
  request: ActionGateRequest,
): Promise<ActionGateDecision> {
  const { gate, control, clock } = ctx;
  if (gate === undefined) return { allowed: true, actor: 'none' };
  const trace =
    request.kind === 'run_command' ? { ...request, command: summarizeCommand(request.command) } : request;
  const wait = new AbortController();
  const onRunAbort = (): void => wait.abort();
  if (control.aborted) wait.abort();
  control.signal.addEventListener('abort', onRunAbort, { once: true });
  let waitStart: number | undefined;
  let poll: NodeJS.Timeout | undefined;
  let decision: ActionGateDecision;
  try {
    decision = await gate.decide(request, {
      sessionId: ctx.sessionId,
      signal: wait.signal,
      onWaiting: async (waiting) => {
        if (waitStart !== undefined) return;
        waitStart = clock.now();
        control.pauseWall();
        poll = setInterval(() => {
          void ctx.store.getSummary(ctx.sessionId).then((summary) => {
            if (summary.isOk() && summary.value.status === 'aborted') control.cancel();
          });
        }, GATE_KILL_POLL_MS);
        await ctx.record([
          {
            kind: 'decision_trace',
            data: {
              nodeId: null,
              decision: ACTION_GATE_TRACES.waiting,
              reason: `waiting for a decision on ${waiting.summary} (${waiting.tier})`,
              data: { request: trace, requestId: waiting.requestId, tier: waiting.tier },
            },
          },
        ]);
      },
    });
  } catch (thrown) {
    decision = {
      allowed: false,
      actor: 'worktrain',
      reason: `the action gate failed: ${describeThrown(thrown)}`,
    };
  } finally {
    clearInterval(poll);
    control.signal.removeEventListener('abort', onRunAbort);
  }
  const waitedMs = waitStart === undefined ? 0 : Math.max(0, clock.now() - waitStart);
  if (waitStart !== undefined) control.resumeWall(waitedMs);
  if (control.aborted) {
    // Not run and not decided: a resumed run asks again (see `gateWaiting`), so no result is recorded.
    if (request.kind === 'run_command') ctx.abandoned.add(request.toolUseId);
    return {
      allowed: false,
      actor: 'worktrain',
      reason: 'the session was cancelled while waiting for a decision',
    };
  }
  if (waitStart !== undefined || !decision.allowed)
    await ctx.record([
      {
        kind: 'decision_trace',
        data: {
          nodeId: null,
          decision: ACTION_GATE_TRACES.decided,
          reason: `${decision.allowed ? 'allowed' : 'refused'} by ${decision.actor}${decision.reason === undefined ? '' : `: ${decision.reason}`}`,
          data: {
            request: trace,
            allowed: decision.allowed,
            actor: decision.actor,
            ...(decision.reason === undefined ? {} : { reason: decision.reason }),
            waitedMs,
          },
        },
      },
    ]);
  return decision;
}

/** A command cut to its first 1 000 characters for the record. */
export function summarizeCommand(command: string): string {
  return command.length > 1000
    ? `${command.slice(0, 1000)}…[${command.length - 1000} more characters]`
    : command;
}
