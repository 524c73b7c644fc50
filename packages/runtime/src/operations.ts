/**
 * What operators can do to a running daemon (the HTTP API and the console call these), composed from the
 * operation groups in `operations/*.ts`: sessions, `sessions continue`, queue and triggers, approvals.
 */
import type { JsonObject, Result } from '@worktrain/contracts';
import type {
  ApprovalAuditEntry,
  ApprovalRequest,
  ApprovalState,
  ApprovalVerdict,
} from '@worktrain/delivery';
import type { QueueStats, Task, TaskState } from '@worktrain/queue';
import type { SessionFailure, SessionStatus, SessionSummary } from '@worktrain/session-store';
import type { TriggerScheduler } from '@worktrain/triggers';
import type { RuntimeError } from './errors.js';
import { createApprovalOperations } from './operations/approvals.js';
import { createContinueSession } from './operations/continue-session.js';
import { createQueueOperations } from './operations/queue.js';
import { createSessionOperations } from './operations/sessions.js';
import type { DispatchPayload } from './payload.js';
import type { RuntimeParts } from './runtime.js';
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
  /** The workflow its tasks run; null when it names a {@link pipeline}. */
  readonly workflowId: string | null;
  /** The pipeline kind its tasks start (`feature`); null when it names a {@link workflowId}. */
  readonly pipeline: string | null;
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
    /** Only the children of this session or pipeline (its tree's next level). */
    parentSessionId?: string;
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

/** The daemon's {@link Operations} over its parts; `scheduler` fires triggers by hand. */
export function createOperations(parts: RuntimeParts, scheduler: TriggerScheduler): Operations {
  return {
    ...createSessionOperations(parts),
    continueSession: createContinueSession(parts),
    ...createQueueOperations(parts, scheduler),
    ...createApprovalOperations(parts),
  };
}
