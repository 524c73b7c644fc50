import { err, type JsonObject, ok, type Result } from '@worktrain/contracts';
import type {
  ApprovalAuditEntry,
  ApprovalError,
  ApprovalRequest,
  ApprovalState,
  ApprovalVerdict,
} from '@worktrain/delivery';
import { type QueueStats, type Task, type TaskState, UNFINISHED_STATES } from '@worktrain/queue';
import {
  failedByDeadLetter,
  readSessionFailure,
  type SessionFailure,
  type SessionStatus,
  type SessionSummary,
} from '@worktrain/session-store';
import type { TriggerScheduler } from '@worktrain/triggers';
import { budgetEnding, budgetStillExhausted, limitsInForce } from './continue-budget.js';
import { type RuntimeError, runtimeError } from './errors.js';
import type { DispatchPayload } from './payload.js';
import type { RuntimeParts } from './runtime.js';
import { appendAtHead, readAll } from './session-log.js';
import type { ParkedGate } from './task-sessions.js';

/**
 * A session as the API shows it: its summary plus what this daemon knows (running here, task, and whether
 * its delivery waits for a person).
 */
export interface SessionView extends SessionSummary {
  readonly runningHere: boolean;
  readonly taskId: string | null;
  /**
   * `awaiting_approval` when the session is `completed` (a terminal status, it never changes) but its
   * delivery — push, pull/merge request, Jira move, or the Jira move to Done after a merge — waits on
   * pending approval requests; null otherwise. Derived at read time from the approval store.
   */
  readonly delivery: 'awaiting_approval' | null;
  /** The pending approval requests' ids when `delivery` is `awaiting_approval`; else empty. */
  readonly pendingApprovalIds: readonly string[];
  /**
   * Why a `failed` session failed: the reason, how to carry on (a dead-lettered task's session: `worktrain
   * sessions continue <id>`) and the dead task; null for other statuses.
   */
  readonly failure: SessionFailure | null;
}

export interface KillResult {
  readonly sessionId: string;
  /** `running`: the agent was aborted; `parked`: it was not running here and was marked aborted. */
  readonly how: 'running' | 'parked';
}

/** What `continueSession` did. */
export interface ContinueResult {
  readonly sessionId: string;
  /** `steered`: the session runs here and got the message; `resumed`: a resume task was enqueued. */
  readonly action: 'steered' | 'resumed';
  /** The resume task (null when steered). */
  readonly taskId: string | null;
  /** False when a resume task for the session was already queued (dedupe key `resume:<session-id>`). */
  readonly created: boolean;
}

export interface TriggerView {
  readonly id: string;
  readonly provider: string;
  readonly workflowId: string;
  readonly workspace: string;
  readonly enabled: boolean;
  readonly events: readonly string[] | null;
  readonly webhook: boolean;
  readonly queue: string;
}

/** Counters the metrics endpoint reports, by trigger id and HTTP status. */
export interface WebhookCounters {
  count(triggerId: string, status: number): void;
  snapshot(): ReadonlyArray<{ triggerId: string; status: number; count: number }>;
}

/**
 * What operators can do to a running daemon; the HTTP API and the console call these. All return errors
 * as values: SESSION_NOT_FOUND, TASK_NOT_FOUND, SESSION_NOT_RUNNING, INVALID_STATE, INTERNAL.
 */
export interface Operations {
  listSessions(query: {
    status?: readonly SessionStatus[];
    limit?: number;
  }): Promise<Result<SessionView[], RuntimeError>>;
  getSession(sessionId: string): Promise<Result<SessionView, RuntimeError>>;
  /** Kill switch for one session: aborts its agent within a second and records `session_aborted`. */
  kill(sessionId: string, actor: string, reason: string): Promise<Result<KillResult, RuntimeError>>;
  /** Kill switch for every unfinished daemon session. */
  killAll(actor: string, reason: string): Promise<Result<KillResult[], RuntimeError>>;
  /** Enqueues a task that continues the session (with its conversation). */
  resume(sessionId: string, actor: string): Promise<Result<Task, RuntimeError>>;
  steer(sessionId: string, message: string, actor: string): Result<void, RuntimeError>;
  /**
   * Carries on a session that stopped and needs a human (`sessions continue`): a `running` or `blocked`
   * session that nothing runs (interrupted), or a `failed` one whose task was dead-lettered (a
   * `session_continued` reopens it first), gets a resume task, with `message`
   * handed to the agent before its next turn; a session running here with a `message` is steered. A session
   * that `failed` because a budget was hit is continued too, once the limits in force (config.yaml `budgets`)
   * leave room: a `session_continued` event (actor, the budget hit, the new limits) reopens it first.
   * INVALID_STATE (details.status, details.hint) when the session is running without a message, parked at
   * an approval gate, ended otherwise (completed, aborted, failed for another reason), ended by a turns,
   * tokens or money budget that is still not above what it used (details.budget, limit, observed), or its
   * task is unfinished (pending, leased or waiting for a retry: it continues by itself).
   */
  continueSession(
    sessionId: string,
    options: { readonly message?: string },
    actor: string,
  ): Promise<Result<ContinueResult, RuntimeError>>;
  dispatch(
    payload: DispatchPayload,
    actor: string,
  ): Promise<Result<{ task: Task; created: boolean }, RuntimeError>>;
  listTriggers(): TriggerView[];
  fireTrigger(triggerId: string): Promise<Result<JsonObject, RuntimeError>>;
  listTasks(filter: { state?: TaskState; limit?: number }): Promise<Result<Task[], RuntimeError>>;
  requeue(taskId: string, reason: string, actor: string): Promise<Result<Task, RuntimeError>>;
  queueStats(): Promise<Result<QueueStats, RuntimeError>>;
  listApprovals(): ParkedGate[];
  resolveApproval(
    sessionId: string,
    verdict: 'approved' | 'rejected',
    actor: string,
    reason?: string,
  ): Promise<Result<{ sessionId: string; verdict: string; resumeTaskId: string }, RuntimeError>>;
  /** Blast-radius approval requests (policy.yaml), newest first. */
  listApprovalRequests(query: {
    state?: ApprovalState;
    sessionId?: string;
    limit?: number;
  }): Result<readonly ApprovalRequest[], RuntimeError>;
  /** One request with its audit trail. Errors: APPROVAL_NOT_FOUND. */
  getApprovalRequest(
    id: string,
  ): Result<{ approval: ApprovalRequest; audit: readonly ApprovalAuditEntry[] }, RuntimeError>;
  /**
   * Decides a request once (actor and reason are audited) and resumes its parked delivery at once.
   * Errors: APPROVAL_NOT_FOUND, INVALID_STATE (already decided; details say by whom), PAYLOAD_INVALID.
   */
  decideApprovalRequest(
    id: string,
    verdict: ApprovalVerdict,
    actor: string,
    reason?: string,
  ): Promise<Result<ApprovalRequest, RuntimeError>>;
  readonly webhooks: WebhookCounters;
}

/** Approval store errors → runtime errors (HTTP 404 / 409 / 400 / 500). */
function fromApprovalError(e: ApprovalError): RuntimeError {
  const details = { approvalCode: e.code, ...(e.details ?? {}) };
  switch (e.code) {
    case 'APPROVAL_NOT_FOUND':
      return runtimeError('APPROVAL_NOT_FOUND', e.message, details);
    case 'ALREADY_DECIDED':
      return runtimeError('INVALID_STATE', e.message, details);
    case 'INVALID_INPUT':
      return runtimeError('PAYLOAD_INVALID', e.message, details);
    default:
      return runtimeError('INTERNAL', e.message, details);
  }
}

const UNFINISHED: readonly SessionStatus[] = ['running', 'blocked', 'awaiting_approval'];

export function createOperations(parts: RuntimeParts, scheduler: TriggerScheduler): Operations {
  const { store, queue, active, taskSessions, gates, config, events } = parts;
  const internal = (e: { code: string; message: string }): RuntimeError =>
    runtimeError('INTERNAL', e.message, { cause: e.code });
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
  const summary = async (sessionId: string): Promise<Result<SessionSummary, RuntimeError>> => {
    const s = await store.getSummary(sessionId);
    if (s.isOk()) return ok(s.value);
    return err(
      s.error.code === 'SESSION_NOT_FOUND'
        ? runtimeError('SESSION_NOT_FOUND', `no session ${sessionId}`, { sessionId })
        : internal(s.error),
    );
  };
  const counters = new Map<string, number>();
  const ops: Operations = {
    webhooks: {
      count: (triggerId, status) => {
        const key = `${triggerId}\u0000${status}`;
        counters.set(key, (counters.get(key) ?? 0) + 1);
      },
      snapshot: () =>
        [...counters.entries()].map(([key, count]) => {
          const [triggerId = '', status = '0'] = key.split('\u0000');
          return { triggerId, status: Number(status), count };
        }),
    },
    async listSessions(query) {
      const listed = await store.listSessions({
        ...(query.status !== undefined ? { status: query.status } : {}),
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
    async continueSession(sessionId, options, actor) {
      const message = options.message;
      if (active.get(sessionId) !== undefined) {
        if (message === undefined)
          return err(
            runtimeError('INVALID_STATE', `session ${sessionId} is running; give a message to steer it`, {
              status: 'running',
              hint: 'add --message <text> to steer it',
            }),
          );
        active.queueSteer(sessionId, { message, actor });
        return ok({ sessionId, action: 'steered', taskId: null, created: false });
      }
      const s = await summary(sessionId);
      if (s.isErr()) return err(s.error);
      const status = s.value.status;
      if (status === 'awaiting_approval')
        return err(
          runtimeError('INVALID_STATE', `session ${sessionId} waits at an approval gate`, {
            status,
            hint: `worktrain approvals list, then approve or reject it`,
          }),
        );
      // A failed session goes on after a budget hit (once the budget allows) or after its task was
      // dead-lettered (its cause fixed, as the dead letter's hint says); recorded as session_continued.
      let continued: { hit: ReturnType<typeof budgetEnding>; taskId: string | null } | null = null;
      if (status === 'completed' || status === 'failed' || status === 'aborted') {
        const all = await readAll(store, sessionId);
        if (all.isErr()) return err(internal(all.error));
        const hit = status === 'failed' ? budgetEnding(all.value) : null;
        const deadLetter = status === 'failed' && hit === null && failedByDeadLetter(all.value);
        // A failed session someone aborted afterwards stays ended, like an aborted one.
        const abandoned = status === 'failed' && all.value.some((e) => e.kind === 'session_aborted');
        if (deadLetter) continued = { hit: null, taskId: taskSessions.taskOf(sessionId) };
        else if (hit === null)
          return err(
            runtimeError(
              'INVALID_STATE',
              `session ${sessionId} has ended (${abandoned ? 'failed, then aborted' : status}); it cannot be continued`,
              {
                status,
                hint:
                  status === 'completed'
                    ? 'it completed; start a new session (worktrain run, or dispatch) for more work'
                    : status === 'aborted' || abandoned
                      ? 'it was aborted; start a new session (worktrain run, or dispatch)'
                      : 'only a session ended by a budget or by a dead-lettered task can be continued; start a new session (worktrain run, or dispatch)',
              },
            ),
          );
        const short = hit === null ? null : budgetStillExhausted(hit, limitsInForce(config.budgets));
        if (hit !== null && short !== null)
          return err(
            runtimeError(
              'INVALID_STATE',
              `session ${sessionId} ended after its ${hit.budget} budget was exhausted (${hit.observed} of ${hit.limit}); budgets.${short.key} is still ${short.limit}`,
              {
                status,
                budget: hit.budget,
                limit: short.limit,
                observed: hit.observed,
                hint: `raise budgets.${short.key} in config.yaml above ${hit.observed} (a running daemon reads it when it starts), then continue`,
              },
            ),
          );
        if (hit !== null) continued = { hit, taskId: null };
      }
      const ownTask = taskSessions.taskOf(sessionId);
      if (ownTask !== null) {
        const t = await queue.get(ownTask);
        if (t.isOk() && UNFINISHED_STATES.includes(t.value.state))
          return err(
            runtimeError(
              'INVALID_STATE',
              `session ${sessionId} is still queued (task ${ownTask} is ${t.value.state})`,
              {
                status,
                taskId: ownTask,
                taskState: t.value.state,
                hint: 'it continues by itself when a worker takes the task',
              },
            ),
          );
      }
      if (continued !== null) {
        // Recorded before the resume task exists: the session is running again from here on.
        const reopened = await appendAtHead(store, sessionId, [
          {
            kind: 'session_continued',
            data: {
              actor,
              previousStatus: 'failed',
              ...(continued.hit !== null ? { budget: continued.hit.budget } : {}),
              ...(continued.taskId !== null ? { taskId: continued.taskId } : {}),
              limits: limitsInForce(config.budgets),
              ...(message !== undefined ? { message } : {}),
            },
          },
        ]);
        if (reopened.isErr()) return err(internal(reopened.error));
      }
      if (message !== undefined) active.queueSteer(sessionId, { message, actor });
      const enq = await queue.enqueue({
        queue: config.queue.name,
        payload: { kind: 'resume', sessionId },
        dedupeKey: `resume:${sessionId}`,
        actor,
      });
      if (enq.isErr()) return err(internal(enq.error));
      events.emit({
        type: 'task_enqueued',
        taskId: enq.value.task.id,
        sessionId,
        data: {
          continued: true,
          ...(continued !== null && continued.hit !== null ? { afterBudget: continued.hit.budget } : {}),
          ...(continued !== null && continued.hit === null ? { afterDeadLetter: true } : {}),
        },
      });
      return ok({ sessionId, action: 'resumed', taskId: enq.value.task.id, created: enq.value.created });
    },
    steer(sessionId, message, actor) {
      const entry = active.get(sessionId);
      if (entry === undefined)
        return err(runtimeError('SESSION_NOT_RUNNING', `session ${sessionId} is not running in this daemon`));
      entry.steer.push({ message, actor });
      return ok(undefined);
    },
    async dispatch(payload, actor) {
      const enq = await queue.enqueue({ queue: config.queue.name, payload, actor });
      if (enq.isErr()) return err(internal(enq.error));
      events.emit({
        type: 'task_enqueued',
        taskId: enq.value.task.id,
        data: { workflowId: payload.workflowId },
      });
      return ok(enq.value);
    },
    listTriggers() {
      return parts.router.config.triggers.map((t) => ({
        id: t.id,
        provider: t.providerName,
        workflowId: t.workflowId,
        workspace: t.workspace,
        enabled: t.enabled,
        events: t.events,
        webhook: t.provider.webhook !== undefined,
        queue: t.queue,
      }));
    },
    async fireTrigger(triggerId) {
      const found = parts.router.trigger(triggerId);
      if (found.isErr()) return err(runtimeError('TASK_NOT_FOUND', found.error.message, { triggerId }));
      const report = await scheduler.fire(triggerId);
      if (report.error)
        return err(runtimeError('INVALID_STATE', report.error.message, { cause: report.error.code }));
      return ok({
        triggerId,
        outcomes: report.outcomes.map((o) => ({ status: o.status, taskId: o.taskId, reason: o.reason })),
      });
    },
    async listTasks(filter) {
      const listed = await queue.list({
        queue: config.queue.name,
        ...(filter.state !== undefined ? { state: filter.state } : {}),
        limit: filter.limit ?? 100,
      });
      return listed.isOk() ? ok(listed.value) : err(internal(listed.error));
    },
    async requeue(taskId, reason, actor) {
      const r = await queue.requeue({ taskId, reason, actor });
      if (r.isOk()) return ok(r.value);
      if (r.error.code === 'TASK_NOT_FOUND') return err(runtimeError('TASK_NOT_FOUND', r.error.message));
      if (r.error.code === 'INVALID_STATE') return err(runtimeError('INVALID_STATE', r.error.message));
      return err(internal(r.error));
    },
    async queueStats() {
      const s = await queue.stats();
      return s.isOk() ? ok(s.value) : err(internal(s.error));
    },
    listApprovalRequests(query) {
      return parts.approvals.store.list(query).mapErr(fromApprovalError);
    },
    getApprovalRequest(id) {
      const store = parts.approvals.store;
      return store
        .get(id)
        .andThen((approval) => store.audit(id).map((audit) => ({ approval, audit })))
        .mapErr(fromApprovalError);
    },
    async decideApprovalRequest(id, verdict, actor, reason) {
      const decided = await parts.approvals.decide(id, verdict, actor, reason);
      return decided.mapErr(fromApprovalError);
    },
    listApprovals() {
      return gates.list().map(({ gateToken: _hidden, ...rest }) => ({ ...rest, gateToken: '' }));
    },
    async resolveApproval(sessionId, verdict, actor, reason) {
      const gate = gates.get(sessionId);
      if (gate === null)
        return err(
          runtimeError('SESSION_NOT_FOUND', `session ${sessionId} has no parked gate`, { sessionId }),
        );
      const resolved = await parts.engine.resolveGate({
        gateToken: gate.gateToken,
        verdict,
        actor,
        ...(reason !== undefined ? { reason } : {}),
      });
      if (resolved.isErr())
        return err(runtimeError('INVALID_STATE', resolved.error.message, { cause: resolved.error.code }));
      gates.remove(sessionId);
      const enq = await queue.enqueue({
        queue: config.queue.name,
        payload: { kind: 'resume', sessionId },
        dedupeKey: `resume:${sessionId}`,
        actor,
      });
      if (enq.isErr()) return err(internal(enq.error));
      return ok({ sessionId, verdict, resumeTaskId: enq.value.task.id });
    },
  };
  return ops;
}
