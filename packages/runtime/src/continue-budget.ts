/**
 * `sessions continue` after a budget hit: which budget ended a session, the limits in force now, and whether
 * they leave room to go on. Budgets of turns, tokens and money count the whole session (the agent restores
 * its totals from the log on resume), so continuing one of those without raising its limit would stop again
 * at once; the others (wall clock, stall, repeated calls, blocked attempts) start afresh with each run.
 */

import { DEFAULT_BUDGET } from '@worktrain/agent';
import type { SessionEvent } from '@worktrain/contracts';
import type * as z from 'zod';
import type { BudgetConfigSchema } from './config.js';

type BudgetExceeded = Extract<SessionEvent, { kind: 'budget_exceeded' }>['data'];
type Limits = Extract<SessionEvent, { kind: 'session_continued' }>['data']['limits'];

/** The limits of a session run: config.yaml's `budgets` over the agent's defaults. */
export function limitsInForce(budgets: z.infer<typeof BudgetConfigSchema>): Required<Limits> {
  return { ...DEFAULT_BUDGET, ...budgets };
}

/**
 * The budget hit that ended the session, or null when its last ending was something else (success, a
 * failure of the agent or the delivery, an abort) or it never ended. A `session_continued` clears an earlier
 * hit, so a continued session that later fails otherwise is not taken for a budget ending.
 */
export function budgetEnding(events: readonly SessionEvent[]): BudgetExceeded | null {
  let hit: BudgetExceeded | null = null;
  let ending: BudgetExceeded | null = null;
  for (const e of events) {
    if (e.kind === 'budget_exceeded') hit = e.data;
    else if (e.kind === 'session_continued') hit = null;
    else if (e.kind === 'session_completed') ending = e.data.outcome === 'failure' ? hit : null;
    else if (e.kind === 'session_aborted') ending = null;
  }
  return ending;
}

const CUMULATIVE = { turns: 'maxTurns', tokens: 'maxTokens', money: 'maxCostUsd' } as const;

/**
 * For a whole-session budget (turns, tokens, money) whose limit in force is not above what the session has
 * used: the config key to raise and its value. Null when the session has room to go on.
 */
export function budgetStillExhausted(
  hit: BudgetExceeded,
  limits: Required<Limits>,
): { readonly key: string; readonly limit: number } | null {
  if (!(hit.budget in CUMULATIVE)) return null;
  const key = CUMULATIVE[hit.budget as keyof typeof CUMULATIVE];
  return limits[key] > hit.observed ? null : { key, limit: limits[key] };
}
