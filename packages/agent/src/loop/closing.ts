/**
 * Closing an agent run: the events that end it (the budget hit, a fatal issue for failures, the usage
 * totals), recorded once the loop has stopped, and the log line that says how it ended.
 */
import type { Logger, NewSessionEvent } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import type { SessionEnding, SessionStats } from '../session-types.js';
import { appendAtHead } from './session-events.js';

/** The closing events of an ending; `withUsage` when the session's facts were read (its usage is known). */
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

/**
 * Records the closing events of a run and logs its ending. Never fails: a store error is logged (a failure
 * to record the end cannot itself be recorded).
 */
export async function closeRun(input: {
  readonly store: SessionStore;
  readonly sessionId: string;
  readonly logger: Logger;
  readonly ending: SessionEnding;
  readonly stats: SessionStats;
  readonly withUsage: boolean;
}): Promise<void> {
  const closing = closingEvents(input.ending, input.stats, input.withUsage);
  if (closing.length > 0) {
    const appended = await appendAtHead(input.store, input.sessionId, closing);
    if (appended.isErr())
      input.logger.error({ code: appended.error.code }, 'cannot record the end of the agent run');
  }
  logEnding(input.logger, input.ending, input.stats.turns);
}

/**
 * Logs how a run ended at a level that says whether someone should look: a failure (with its code and
 * message) and a budget hit at warn, so `worktrain logs --level warn` shows them; the rest at info.
 */
export function logEnding(logger: Logger, ending: SessionEnding, turns: number): void {
  switch (ending.kind) {
    case 'failed':
      logger.warn(
        { outcome: 'failed', turns, code: ending.error.code },
        `agent run failed (${ending.error.code}): ${ending.error.message}`,
      );
      return;
    case 'budget_exceeded':
      logger.warn(
        {
          outcome: 'budget_exceeded',
          turns,
          budget: ending.budget,
          limit: ending.limit,
          observed: ending.observed,
        },
        `agent run stopped: ${ending.budget} budget exceeded (${ending.observed} of ${ending.limit})`,
      );
      return;
    case 'cancelled':
      logger.info({ outcome: 'cancelled', turns }, `agent run cancelled: ${ending.reason}`);
      return;
    default:
      logger.info({ outcome: ending.kind, turns }, 'agent run ended');
  }
}
