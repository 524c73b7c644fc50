/**
 * The checks before each model turn, in order: the run's signal, the hard budgets, a kill recorded by
 * another process, the worktree still existing, the action gate's spend tiers; then the operator's steer
 * messages are recorded and queued, and the pending user content is stored as one message.
 */
import { makeError } from '@worktrain/contracts';
import type { SessionEnding } from '../session-types.js';
import { worktreeRoot } from '../tools/sandbox.js';
import { checkBeforeTurn, type UsageTotals } from './budget.js';
import type { Conversation } from './conversation.js';
import type { RunContext } from './run-context.js';

/**
 * The spend thresholds of the action gate (finite, non-negative, ascending, without duplicates) and the
 * ones this run has cleared: each threshold the cost has crossed is asked once per run.
 */
export class SpendTiers {
  readonly thresholds: readonly number[];
  private readonly cleared = new Set<number>();

  constructor(thresholdsUsd: readonly number[]) {
    this.thresholds = [...new Set(thresholdsUsd)]
      .filter((t) => Number.isFinite(t) && t >= 0)
      .sort((a, b) => a - b);
  }

  /** Whether the gate must be asked for `threshold`: the cost exceeds it and this run has not cleared it. */
  isDue(threshold: number, costUsd: number): boolean {
    return costUsd > threshold && !this.cleared.has(threshold);
  }

  clear(threshold: number): void {
    this.cleared.add(threshold);
  }
}

/** What {@link beforeTurn} checks and updates. */
export interface BeforeTurnInput {
  readonly ctx: RunContext;
  readonly totals: UsageTotals;
  readonly conversation: Conversation;
  readonly spend: SpendTiers;
}

/**
 * Returns the ending when no further turn may start: the abort ending, `budget_exceeded` (a hard budget,
 * or `money` when the gate refuses a spend tier, limit = the threshold), `cancelled` (aborted by another
 * process), `failed` (WORKTREE_MISSING). Else drains the steer messages (`steer_injected`), stores the
 * pending content and returns undefined.
 */
export async function beforeTurn(input: BeforeTurnInput): Promise<SessionEnding | undefined> {
  const { ctx, totals, conversation } = input;
  const { options, control } = ctx;
  if (control.aborted) return control.abortEnding();
  const hit = checkBeforeTurn(ctx.budget, totals, control.activeMs());
  if (hit !== undefined) return { kind: 'budget_exceeded', ...hit };
  const shared = options.sharedBudget?.exhausted() ?? null;
  if (shared !== null)
    return { kind: 'budget_exceeded', budget: 'pipeline', limit: shared.max, observed: shared.observed };
  // The kill switch of another process (CLI, console) records session_aborted; stop before the next turn.
  const summary = await options.store.getSummary(options.sessionId);
  if (summary.isOk() && summary.value.status === 'aborted')
    return { kind: 'cancelled', reason: 'The session was aborted by another process.' };
  if (worktreeRoot(options.worktree).isErr())
    return {
      kind: 'failed',
      error: makeError(
        'WORKTREE_MISSING',
        `The worktree ${options.worktree} was deleted while the session was running.`,
      ),
    };
  for (const threshold of input.spend.thresholds) {
    if (!input.spend.isDue(threshold, totals.costUsd)) continue;
    const usd = Math.round(totals.costUsd * 10_000) / 10_000;
    const decision = await ctx.askGate({ kind: 'spend', usd, thresholdUsd: threshold });
    if (control.aborted) return control.abortEnding();
    if (!decision.allowed) {
      conversation.flush();
      return { kind: 'budget_exceeded', budget: 'money', limit: threshold, observed: totals.costUsd };
    }
    input.spend.clear(threshold);
  }
  for (const steer of options.steer?.drain() ?? []) {
    await ctx.record([{ kind: 'steer_injected', data: { message: steer.message, actor: steer.actor } }]);
    conversation.push({
      type: 'text',
      text: `Message from ${steer.actor} (operator steering; follow it if it does not conflict with the workflow):\n${steer.message}`,
    });
  }
  conversation.flush();
  return undefined;
}
