/**
 * Resuming a session after a crash or restart: finds the session's head through the engine (a state token
 * for its latest node) and runs the loop again. The conversation is loaded from the conversation store, so
 * the model continues with its history; tool calls cut by the crash get an "interrupted" result.
 */

import { makeError } from '@worktrain/contracts';
import { emptyTotals } from './loop/budget.js';
import { runSession } from './run-session.js';
import type { RunSessionOptions, SessionOutcome } from './session-types.js';

export type ResumeSessionOptions = Omit<RunSessionOptions, 'continueToken'>;

/** Resumes `options.sessionId`. Same outcomes as {@link runSession}; SESSION_NOT_FOUND when unknown. */
export async function resumeSession(options: ResumeSessionOptions): Promise<SessionOutcome> {
  const found = await options.engine.resumeSession({ sessionId: options.sessionId });
  const candidate = found.isOk()
    ? found.value.candidates.find((c) => c.sessionId === options.sessionId)
    : undefined;
  if (candidate === undefined) {
    const reason = found.isErr() ? found.error.message : 'the engine has no resumable position for it';
    return {
      kind: 'failed',
      error: makeError('SESSION_NOT_FOUND', `Cannot resume session ${options.sessionId}: ${reason}.`),
      sessionId: options.sessionId,
      stats: { ...emptyTotals(), wallClockMs: 0 },
    };
  }
  return runSession({ ...options, continueToken: candidate.resumeToken });
}
