/**
 * Operations on sessions: list and show them (with what this daemon knows: running here, task, a delivery
 * waiting for approval, why a session failed), the kill switch, resume and steer.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import { readSessionFailure, type SessionStatus, type SessionSummary } from '@worktrain/session-store';
import { type RuntimeError, runtimeError } from '../errors.js';
import type { KillResult, Operations, SessionView } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { appendAtHead } from '../session-log.js';
import { internal, readSummary } from './shared.js';

const UNFINISHED: readonly SessionStatus[] = ['running', 'blocked', 'awaiting_approval'];

/** The session operations of {@link Operations}. */
export type SessionOperations = Pick<
  Operations,
  'listSessions' | 'getSession' | 'kill' | 'killAll' | 'resume' | 'steer'
>;

/** Builds the session operations over the runtime's parts. */
export function createSessionOperations(
  parts: Pick<
    RuntimeParts,
    'store' | 'queue' | 'active' | 'taskSessions' | 'gates' | 'config' | 'events' | 'approvals' | 'logger'
  >,
): SessionOperations {
  const { store, queue, active, taskSessions, gates, config, events } = parts;
  const summary = (sessionId: string): Promise<Result<SessionSummary, RuntimeError>> =>
    readSummary(store, sessionId);
  /** Pending approval requests by session, read only when a completed session is shown. */
  const pendingBySession = (
    sessions: readonly SessionSummary[],
    sessionId?: string,
  ): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    if (!sessions.some((s) => s.status === 'completed')) return out;
    const listed = parts.approvals.store.list({
      state: 'pending',
      limit: 1000,
      ...(sessionId === undefined ? {} : { sessionId }),
    });
    if (listed.isErr()) {
      parts.logger.warn({ code: listed.error.code }, `pending approvals unreadable: ${listed.error.message}`);
      return out;
    }
    for (const r of listed.value)
      if (r.sessionId !== null) out.set(r.sessionId, [...(out.get(r.sessionId) ?? []), r.id]);
    return out;
  };
  const view = async (
    s: SessionSummary,
    pending: ReadonlyMap<string, readonly string[]>,
  ): Promise<SessionView> => {
    const ids = s.status === 'completed' ? (pending.get(s.sessionId) ?? []) : [];
    // Read only for failed sessions (the tail of their log); an unreadable log shows no reason.
    const failure = await readSessionFailure(store, s);
    return {
      ...s,
      runningHere: active.get(s.sessionId) !== undefined,
      taskId: taskSessions.taskOf(s.sessionId),
      delivery: ids.length > 0 ? 'awaiting_approval' : null,
      pendingApprovalIds: ids,
      failure: failure.unwrapOr(null),
    };
  };
  const ops: SessionOperations = {
    async listSessions(query) {
      const listed = await store.listSessions({
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.parentSessionId !== undefined ? { parentSessionId: query.parentSessionId } : {}),
        limit: query.limit ?? 50,
      });
      if (listed.isErr()) return err(internal(listed.error));
      const pending = pendingBySession(listed.value);
      return ok(await Promise.all(listed.value.map((s) => view(s, pending))));
    },
    async getSession(sessionId) {
      const s = await summary(sessionId);
      if (s.isErr()) return err(s.error);
      return ok(await view(s.value, pendingBySession([s.value], sessionId)));
    },
    async kill(sessionId, actor, reason) {
      if (active.kill(sessionId, actor, reason)) {
        events.emit({ type: 'session_killed', sessionId, data: { actor, how: 'running' } });
        return ok({ sessionId, how: 'running' });
      }
      const s = await summary(sessionId);
      if (s.isErr()) return err(s.error);
      if (!UNFINISHED.includes(s.value.status))
        return err(
          runtimeError('INVALID_STATE', `session ${sessionId} already ended (${s.value.status})`, {
            status: s.value.status,
          }),
        );
      const appended = await appendAtHead(store, sessionId, [
        { kind: 'session_aborted', data: { reason, actor, code: 'KILLED' } },
      ]);
      if (appended.isErr()) return err(internal(appended.error));
      gates.remove(sessionId);
      const taskId = taskSessions.taskOf(sessionId);
      if (taskId !== null) await queue.cancel({ taskId, reason: `session killed: ${reason}`, actor });
      events.emit({ type: 'session_killed', sessionId, data: { actor, how: 'parked' } });
      return ok({ sessionId, how: 'parked' });
    },
    async killAll(actor, reason) {
      const results: KillResult[] = [];
      for (const entry of active.list()) {
        const r = await ops.kill(entry.sessionId, actor, reason);
        if (r.isOk()) results.push(r.value);
      }
      const listed = await store.listSessions({ status: UNFINISHED, limit: 1000 });
      if (listed.isErr()) return err(internal(listed.error));
      for (const s of listed.value) {
        if (s.source !== 'daemon' || results.some((r) => r.sessionId === s.sessionId)) continue;
        const r = await ops.kill(s.sessionId, actor, reason);
        if (r.isOk()) results.push(r.value);
      }
      return ok(results);
    },
    async resume(sessionId, actor) {
      const s = await summary(sessionId);
      if (s.isErr()) return err(s.error);
      if (s.value.status === 'aborted')
        return err(runtimeError('INVALID_STATE', `session ${sessionId} was aborted`, { status: 'aborted' }));
      if (active.get(sessionId) !== undefined)
        return err(
          runtimeError('INVALID_STATE', `session ${sessionId} is running`, { status: s.value.status }),
        );
      const enq = await queue.enqueue({
        queue: config.queue.name,
        payload: { kind: 'resume', sessionId },
        dedupeKey: `resume:${sessionId}`,
        actor,
      });
      return enq.isOk() ? ok(enq.value.task) : err(internal(enq.error));
    },
    steer(sessionId, message, actor) {
      const entry = active.get(sessionId);
      if (entry === undefined)
        return err(runtimeError('SESSION_NOT_RUNNING', `session ${sessionId} is not running in this daemon`));
      entry.steer.push({ message, actor });
      return ok(undefined);
    },
  };
  return ops;
}
