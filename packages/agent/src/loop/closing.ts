/** The events that close an agent run: the budget hit, a fatal issue for failures, and the usage totals. */
import type { NewSessionEvent } from '@worktrain/contracts';
import type { SessionEnding, SessionStats } from '../session-types.js';

export function closingEvents(
  ending: SessionEnding,
  stats: SessionStats,
  withUsage: boolean,
): NewSessionEvent[] {
  const events: NewSessionEvent[] = [];
  if (ending.kind === 'budget_exceeded')
    events.push({
      kind: 'budget_exceeded',
      data: { budget: ending.budget, limit: ending.limit, observed: ending.observed },
    });
  // A store failure cannot be recorded in the store; it is logged instead.
  if (ending.kind === 'failed' && ending.error.code !== 'STORE_ERROR')
    events.push({
      kind: 'issue_reported',
      data: {
        severity: 'fatal',
        summary: `Agent run failed (${ending.error.code})`,
        details: ending.error.message,
      },
    });
  if (withUsage)
    events.push({
      kind: 'usage_recorded',
      data: {
        inputTokens: stats.inputTokens,
        outputTokens: stats.outputTokens,
        costUsd: stats.costUsd,
        turns: stats.turns,
        wallClockMs: stats.wallClockMs,
      },
    });
  return events;
}
