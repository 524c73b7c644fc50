/**
 * Helpers the operations share: store and queue errors as runtime errors, and a session's summary with
 * SESSION_NOT_FOUND for an unknown id.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { SessionStore, SessionSummary } from '@worktrain/session-store';
import { type RuntimeError, runtimeError } from '../errors.js';

/** A store or queue failure as INTERNAL, its own code kept as `details.cause`. */
export function internal(e: { code: string; message: string }): RuntimeError {
  return runtimeError('INTERNAL', e.message, { cause: e.code });
}

/** The session's summary; SESSION_NOT_FOUND (details.sessionId) or INTERNAL. */
export async function readSummary(
  store: SessionStore,
  sessionId: string,
): Promise<Result<SessionSummary, RuntimeError>> {
  const s = await store.getSummary(sessionId);
  if (s.isOk()) return ok(s.value);
  return err(
    s.error.code === 'SESSION_NOT_FOUND'
      ? runtimeError('SESSION_NOT_FOUND', `no session ${sessionId}`, { sessionId })
      : internal(s.error),
  );
}
