/**
 * One budget across a pipeline and all its children (issue #15): sessions started, model turns, tokens, USD
 * and wall clock. Launchers charge each child's spend as it happens and ask {@link BudgetLedger.exhausted}
 * before every model request, so when the budget is spent every running child — parallel ones included —
 * stops at its next request, and the pipeline ends escalated.
 */
import type { BudgetGate, BudgetHit, ChildUsage, PipelineBudget } from './types.js';

/** Defaults: 12 sessions, 600 turns, 30 M tokens, 40 USD, 4 h. */
export const DEFAULT_PIPELINE_BUDGET: PipelineBudget = {
  maxSessions: 12,
  maxTurns: 600,
  maxTokens: 30_000_000,
  maxCostUsd: 40,
  maxWallClockMs: 4 * 3_600_000,
};

/** Running totals of a pipeline. */
export interface PipelineSpend {
  sessions: number;
  turns: number;
  tokens: number;
  costUsd: number;
  /** Per child key: what that child spent. */
  readonly children: Record<string, ChildUsage>;
}

/** The ledger of one pipeline run; also the {@link BudgetGate} handed to launchers. */
export interface BudgetLedger extends BudgetGate {
  readonly limits: PipelineBudget;
  /** Counts a child about to start; the hit when `maxSessions` is already reached (then it must not start). */
  admit(childKey: string): BudgetHit | null;
  /** Replaces a child's totals with what its log says (on resume, or when an outcome arrives). */
  settle(childKey: string, usage: ChildUsage): void;
  spend(): Readonly<PipelineSpend>;
}

/**
 * A ledger for `limits`, started at `startedAtMs` (ms since epoch, from the pipeline's first event) and
 * reading the time from `now` (ms). `initial` restores the spend of a resumed pipeline.
 */
export function createBudgetLedger(
  limits: PipelineBudget,
  startedAtMs: number,
  now: () => number,
  initial?: { readonly children: Readonly<Record<string, ChildUsage>> },
): BudgetLedger {
  const spend: PipelineSpend = { sessions: 0, turns: 0, tokens: 0, costUsd: 0, children: {} };
  const recount = (): void => {
    const all = Object.values(spend.children);
    spend.sessions = all.length;
    spend.turns = all.reduce((n, c) => n + c.turns, 0);
    spend.tokens = all.reduce((n, c) => n + c.tokens, 0);
    spend.costUsd = all.reduce((n, c) => n + c.costUsd, 0);
  };
  for (const [key, usage] of Object.entries(initial?.children ?? {})) spend.children[key] = { ...usage };
  recount();
  const exhausted = (): BudgetHit | null => {
    if (spend.turns >= limits.maxTurns)
      return { limit: 'maxTurns', max: limits.maxTurns, observed: spend.turns };
    if (spend.tokens >= limits.maxTokens)
      return { limit: 'maxTokens', max: limits.maxTokens, observed: spend.tokens };
    if (spend.costUsd >= limits.maxCostUsd)
      return { limit: 'maxCostUsd', max: limits.maxCostUsd, observed: spend.costUsd };
    const elapsed = now() - startedAtMs;
    if (elapsed >= limits.maxWallClockMs)
      return { limit: 'maxWallClockMs', max: limits.maxWallClockMs, observed: elapsed };
    return null;
  };
  return {
    limits,
    admit(childKey) {
      if (spend.children[childKey] !== undefined) return null; // a resumed spawn of a known child
      if (spend.sessions >= limits.maxSessions)
        return { limit: 'maxSessions', max: limits.maxSessions, observed: spend.sessions };
      spend.children[childKey] = { turns: 0, tokens: 0, costUsd: 0 };
      recount();
      return exhausted();
    },
    charge(childKey, delta) {
      const c = spend.children[childKey] ?? { turns: 0, tokens: 0, costUsd: 0 };
      spend.children[childKey] = {
        turns: c.turns + (delta.turns ?? 0),
        tokens: c.tokens + (delta.tokens ?? 0),
        costUsd: c.costUsd + (delta.costUsd ?? 0),
      };
      recount();
    },
    settle(childKey, usage) {
      spend.children[childKey] = { ...usage };
      recount();
    },
    exhausted,
    spend: () => spend,
  };
}
