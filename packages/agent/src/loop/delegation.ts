/**
 * Parallel steps run by the runtime, not the model (DESIGN §9): when the pending step is a parallel step
 * with delegations and the run has a {@link Delegator}, the delegations are started as child sessions, joined,
 * and the step advances with their merged results — no model turn is spent on it. Without a delegator the
 * model gets the step's prompt and delegates with its own tools, as in WorkRail.
 */
import { type JsonValue, makeError } from '@worktrain/contracts';
import type { PendingDelegation } from '@worktrain/engine';
import type { SessionEnding } from '../session-types.js';
import type { Conversation } from './conversation.js';
import { renderStep } from './prompt.js';
import type { RunContext } from './run-context.js';
import { gateOf, type StepDriver } from './step-driver.js';

/** What a delegation run produced: notes and artifacts for the parallel step's advance, or why it failed. */
export type DelegationResult =
  | { readonly ok: { readonly notesMarkdown: string; readonly artifacts: readonly JsonValue[] } }
  | { readonly error: string };

/** Runs a parallel step's delegations as child sessions of `sessionId` and joins them. Never throws. */
export type Delegator = (input: {
  readonly sessionId: string;
  readonly stepId: string;
  readonly delegations: readonly PendingDelegation[];
  readonly signal: AbortSignal;
}) => Promise<DelegationResult>;

/**
 * Runs the pending parallel step through `ctx.options.delegate`. Returns null when there is nothing to
 * delegate (not a parallel step, or no delegator), `{ending}` when the run must stop, else `{}` with the next
 * step's text queued.
 */
export async function delegateStep(
  ctx: RunContext,
  driver: StepDriver,
  conversation: Conversation,
): Promise<{ readonly ending?: SessionEnding } | null> {
  const state = driver.current();
  const delegate = ctx.options.delegate;
  if (state.kind !== 'step' || delegate === undefined) return null;
  const delegations = state.pending.delegations;
  if (delegations === undefined) return null;
  await ctx.record([
    {
      kind: 'decision_trace',
      data: {
        nodeId: null,
        decision: 'step_delegated',
        reason: `parallel step ${state.pending.stepId}: ${delegations.length} delegation(s) run as child sessions`,
        data: { stepId: state.pending.stepId, workflows: delegations.map((d) => d.workflowId) },
      },
    },
  ]);
  const result = await delegate({
    sessionId: ctx.options.sessionId,
    stepId: state.pending.stepId,
    delegations,
    signal: ctx.control.signal,
  });
  if (ctx.control.aborted) return { ending: ctx.control.abortEnding() };
  if ('error' in result)
    return {
      ending: {
        kind: 'failed',
        error: makeError('DELEGATION_FAILED', result.error, { reason: result.error }),
      },
    };
  const completion = await driver.complete({
    notesMarkdown: result.ok.notesMarkdown,
    artifacts: [...result.ok.artifacts],
  });
  if (completion.isError)
    return {
      ending: {
        kind: 'failed',
        error: makeError(
          'ENGINE_ERROR',
          `the parallel step's merged results were refused: ${completion.content}`,
        ),
      },
    };
  const next = driver.current();
  if (next.kind === 'complete') return { ending: { kind: 'completed' } };
  if (next.kind === 'gate') return { ending: { kind: 'gate', ...gateOf(driver) } };
  conversation.push({ type: 'text', text: renderStep(next.pending) });
  return {};
}
