/** Budgets of a session run and the tracker that checks them. */
import { canonicalJson, type JsonObject } from '@worktrain/contracts';
import type { TurnUsage } from '../model/provider.js';

/** Budget kinds, as recorded in `budget_exceeded` events. */
export type BudgetKind =
  | 'turns'
  | 'wall_clock'
  | 'tokens'
  | 'money'
  | 'stall'
  | 'repeated_calls'
  | 'blocked_attempts'
  /** The pipeline's shared budget ({@link SharedBudget}) is spent, by this session or its siblings. */
  | 'pipeline';

/** Limits of one session. Units: turns, ms, tokens (input+output+cache read+cache write), USD, calls. */
export interface Budget {
  /** Model turns over the whole session, including turns before a resume (default 200). */
  readonly maxTurns: number;
  /** Wall clock of one `runSession` call in ms (default 3 600 000 = 1 h). */
  readonly maxWallClockMs: number;
  /** Tokens over the whole session (default 20 000 000). */
  readonly maxTokens: number;
  /** Model cost in USD over the whole session (default 25). */
  readonly maxCostUsd: number;
  /** A model turn making no progress (no streamed text, no answer) for this long is stopped (ms, default 180 000). */
  readonly stallTimeoutMs: number;
  /** The same tool call (name + input) this many times within one step stops the session (default 5). */
  readonly maxRepeatedCalls: number;
}

export const DEFAULT_BUDGET: Budget = {
  maxTurns: 200,
  maxWallClockMs: 3_600_000,
  maxTokens: 20_000_000,
  maxCostUsd: 25,
  stallTimeoutMs: 180_000,
  maxRepeatedCalls: 5,
};

/**
 * A budget shared with other sessions (a coordinator pipeline's, DESIGN §9): charged after each model turn
 * with that turn's spend, and asked before each model request; once `exhausted()` is non-null the session
 * stops with `budget_exceeded` (budget `pipeline`) before it sends the request.
 */
export interface SharedBudget {
  /** Adds one turn's spend (deltas: 1 turn, its tokens, its USD). */
  charge(delta: { readonly turns: number; readonly tokens: number; readonly costUsd: number }): void;
  /** The first shared limit reached (`max` and `observed` in that limit's unit), or null. */
  exhausted(): { readonly limit: string; readonly max: number; readonly observed: number } | null;
}

/** A budget hit: which budget, its limit and what was observed. */
export interface BudgetHit {
  readonly budget: BudgetKind;
  readonly limit: number;
  readonly observed: number;
}

/** Running totals of a session (restored from its events on resume). */
export interface UsageTotals {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

export function emptyTotals(): UsageTotals {
  return { turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

export function totalTokens(t: UsageTotals): number {
  return t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
}

export function addUsage(t: UsageTotals, usage: TurnUsage, cost: number | undefined): void {
  t.turns += 1;
  t.inputTokens += usage.inputTokens;
  t.outputTokens += usage.outputTokens;
  t.cacheReadTokens += usage.cacheReadTokens;
  t.cacheWriteTokens += usage.cacheWriteTokens;
  t.costUsd += cost ?? 0;
}

/** The first budget a new turn would exceed (checked before each turn), or undefined. */
export function checkBeforeTurn(
  budget: Budget,
  totals: UsageTotals,
  elapsedMs: number,
): BudgetHit | undefined {
  if (totals.turns >= budget.maxTurns)
    return { budget: 'turns', limit: budget.maxTurns, observed: totals.turns };
  if (totalTokens(totals) >= budget.maxTokens)
    return { budget: 'tokens', limit: budget.maxTokens, observed: totalTokens(totals) };
  if (totals.costUsd >= budget.maxCostUsd)
    return { budget: 'money', limit: budget.maxCostUsd, observed: totals.costUsd };
  if (elapsedMs >= budget.maxWallClockMs)
    return { budget: 'wall_clock', limit: budget.maxWallClockMs, observed: elapsedMs };
  return undefined;
}

/** Counts identical tool calls (name + canonical input) within the current step. */
export class RepeatedCallDetector {
  private counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Records a call; returns the hit when this call reaches the limit. */
  record(name: string, input: JsonObject): BudgetHit | undefined {
    const key = `${name}\u0000${canonicalJson(input)}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n >= this.limit ? { budget: 'repeated_calls', limit: this.limit, observed: n } : undefined;
  }

  /** A new step starts: repeating a call of an earlier step is not a loop. */
  reset(): void {
    this.counts = new Map();
  }
}
