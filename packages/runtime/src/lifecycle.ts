// Over 400 lines on purpose, for now: the task → worktree → sandbox → agent → delivery → finalize lifecycle
// is one closure (`createTaskHandler`). Splitting it into stage modules is issue #14 ("stages, not closures");
// the sandbox record + policy step in `runAgent` is meant to become the first of them.
import {
  type Budget,
  type ConversationStore,
  createDefaultTools,
  type ModelProvider,
  resumeSession,
  runSession,
  type SessionOutcome,
} from '@worktrain/agent';
import type {
  Clock,
  JsonObject,
  Logger,
  NewSessionEvent,
  Result,
  ResultAsync,
  SessionEvent,
  WorkTrainError,
  WorktreeGitRef,
} from '@worktrain/contracts';
import { describeThrown } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import { failedByDeadLetter, type SessionStore } from '@worktrain/session-store';
import type { WorkspaceManager } from '@worktrain/workspace';
import { createAgentActionGate } from './action-gate.js';
import type { ActiveSessions } from './active.js';
import type { DeliveryApprovals } from './approvals.js';
import { limitsInForce } from './continue-budget.js';
import type { DaemonEventBus } from './daemon-events.js';
import type { DeliverFn } from './delivery.js';
import { createDeliveryTemplates, type DeliveryTemplates } from './delivery-template.js';
import type { RuntimeError } from './errors.js';
import type { SessionNotifications } from './notifications.js';
import {
  type DeliveryTarget,
  type JiraDeliveryRoutes,
  type MergedChangeRequest,
  ResumePayloadSchema,
  readWorkItem,
  targetFromJson,
  targetToJson,
} from './payload.js';
import { redactFailureMessage } from './redact.js';
import { appendAtHead, readAll } from './session-log.js';
import type { SessionSandbox } from './session-sandbox.js';
import type { ParkedGates, TaskSessions } from './task-sessions.js';

/** What the task handler needs, injected by `createRuntime`. */
export interface LifecycleDeps {
  readonly engine: Engine;
  readonly store: SessionStore;
  readonly conversations: ConversationStore;
  readonly workspaces: WorkspaceManager;
  readonly taskSessions: TaskSessions;
  readonly gates: ParkedGates;
  /** A fresh model provider per run (scripted providers are stateless over the conversation). */
  readonly provider: () => Result<ModelProvider, RuntimeError>;
  readonly budget: Partial<Budget>;
  readonly deliver: DeliverFn | null;
  /** Blast-radius approvals: a delivery that waits is parked here (null: no approvals wiring). */
  readonly approvals?: DeliveryApprovals | null;
  /** Session completed / failed / approval needed notifications. */
  readonly notifications?: SessionNotifications | null;
  /** Where Jira tickets' code is delivered (config `jira.projects`). */
  readonly jiraRoutes?: JiraDeliveryRoutes;
  /** A change request WorkTrain opened was merged: its session's Jira ticket moves on (`createMergeFollowUp`). */
  readonly onMerged?: (merged: MergedChangeRequest) => ResultAsync<unknown, WorkTrainError<string>>;
  readonly active: ActiveSessions;
  /** The OS sandbox every agent command runs in (fail closed: no sandbox, no agent run). */
  readonly sandbox: SessionSandbox;
  /** Hosts a trigger's sessions may reach besides config.yaml's (triggers.yaml `sandbox.network.allow`). */
  readonly networkAllowFor?: (triggerId: string) => readonly string[];
  /** PR/MR template contexts, one read per base commit (default: a new cache of this handler). */
  readonly templates?: DeliveryTemplates;
  readonly events: DaemonEventBus;
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Daemon facts kept in a session's initial context under `daemon`, so recovery needs no other state. */
interface DaemonMeta {
  readonly taskId: string;
  readonly repoPath: string;
  readonly target: DeliveryTarget;
  /** The trigger that made the task (absent for dispatches through the API or CLI). */
  readonly triggerId: string | null;
}

const META_KEY = 'daemon';

/**
 * Runs one task: task → session (engine, autonomous mode) → worktree → agent run → delivery. Re-running
 * the same task (after a crash, a lease expiry or a retry) continues the session it already started, with
 * its conversation, instead of starting another; delivery is idempotent and skipped once recorded.
 * Throws {@link TaskFailure} to fail the task: `validation` (bad payload, unknown workflow, a workspace
 * that does not exist, is not a repository or has no origin/base branch: dead-lettered at once), `cancelled` (kill switch),
 * `execution` (agent or delivery failure; retried by the queue).
 */
export function createTaskHandler(deps: LifecycleDeps) {
  const log = deps.logger.child({ component: 'lifecycle' });
  const templates = deps.templates ?? createDeliveryTemplates();
  // The policy also gates the agent's own commands and spending (waits inside the run; see action-gate.ts).
  const actionGate = deps.approvals
    ? createAgentActionGate({
        policy: deps.approvals.policy,
        approvals: deps.approvals.store,
        onApprovalNeeded: (sessionId, request) => deps.notifications?.approvalNeeded(sessionId, request),
        logger: deps.logger,
      })
    : null;

  const record = async (sessionId: string, events: readonly NewSessionEvent[]): Promise<void> => {
    const r = await appendAtHead(deps.store, sessionId, events);
    if (r.isErr()) throw new TaskFailure('execution', `Cannot record session events: ${r.error.message}`);
  };

  /** Finds a session started for `taskId` whose link was not written (crash between the two writes). */
  const adopt = async (taskId: string): Promise<string | null> => {
    // failed: a dead-lettered session whose task was requeued.
    const running = await deps.store.listSessions({
      status: ['running', 'blocked', 'failed'],
      limit: 1000,
    });
    if (running.isErr()) return null;
    for (const s of running.value) {
      if (s.source !== 'daemon') continue;
      const meta = await readMeta(s.sessionId);
      if (meta?.taskId === taskId) {
        deps.taskSessions.set(taskId, s.sessionId);
        return s.sessionId;
      }
    }
    return null;
  };

  const readMeta = async (sessionId: string): Promise<DaemonMeta | null> => {
    const first = await deps.store.readEvents(sessionId, { limit: 1 });
    if (first.isErr()) return null;
    const created = first.value[0];
    if (created?.kind !== 'session_created') return null;
    return parseMeta(created.data.context[META_KEY]);
  };

  /**
   * The task handler. A failed attempt is recorded in its session's log (a `decision_trace`: why, whether
   * the queue retries it or dead-letters it, and how to carry on), so the timeline says why nothing runs; a
   * final failure (no retry left) also notifies `session.failed`.
   */
  return async function handle(task: LeasedTask, signal: AbortSignal): Promise<void> {
    try {
      await handleTask(task, signal);
    } catch (caught) {
      // Git or forge output in a message can carry a token: redacted before the queue's lastError, the
      // logs, the session log and notifications see it.
      const thrown =
        caught instanceof TaskFailure
          ? new TaskFailure(caught.failureClass, redactFailureMessage(caught.message), caught.retryable)
          : caught;
      if (thrown instanceof TaskFailure && thrown.failureClass !== 'cancelled') {
        const final = thrown.retryable === false || task.attempt >= task.maxAttempts;
        const resume = ResumePayloadSchema.safeParse(task.payload);
        const sessionId = resume.success ? resume.data.sessionId : deps.taskSessions.get(task.id);
        logTaskFailure(task, sessionId, thrown, final);
        if (sessionId !== null) await recordAttemptFailure(sessionId, task, thrown, final);
        if (final && sessionId !== null) deps.notifications?.failed(sessionId, thrown.message);
      } else if (thrown instanceof TaskFailure) {
        log.info({ taskId: task.id, failureClass: 'cancelled' }, `task cancelled: ${thrown.message}`);
      } else {
        // Not a TaskFailure: a bug somewhere below; the queue retries it as an execution failure.
        log.error(
          { taskId: task.id, attempt: task.attempt, error: describeThrown(thrown) },
          `task handler failed unexpectedly: ${describeThrown(thrown)}`,
        );
      }
      throw thrown;
    }
  };

  /**
   * Every failed attempt in the log with its class and reason: a retry at warn, a dead letter at error (so
   * `worktrain logs --level warn` shows why tasks fail, not only that they ended).
   */
  function logTaskFailure(task: LeasedTask, sessionId: string | null, failure: TaskFailure, final: boolean) {
    const fields = {
      taskId: task.id,
      ...(sessionId !== null ? { sessionId } : {}),
      attempt: task.attempt,
      maxAttempts: task.maxAttempts,
      failureClass: failure.failureClass,
    };
    if (final) log.error(fields, `task dead-lettered (${failure.failureClass}): ${failure.message}`);
    else
      log.warn(
        fields,
        `task attempt ${task.attempt} of ${task.maxAttempts} failed (${failure.failureClass}), retried: ${failure.message}`,
      );
  }

  /**
   * A session that is `failed` only because its task was dead-lettered, whose task runs again (requeued
   * by an operator): `session_continued` makes it `running` before its run goes on. A session whose run
   * failed by itself is left as it is.
   */
  async function reopenDeadLettered(sessionId: string, task: LeasedTask): Promise<void> {
    const events = await readAll(deps.store, sessionId);
    if (events.isErr()) throw new TaskFailure('execution', events.error.message);
    if (!failedByDeadLetter(events.value)) return;
    await record(sessionId, [
      {
        kind: 'session_continued',
        data: {
          actor: `worker:${deps.workerId}`,
          previousStatus: 'failed',
          taskId: task.id,
          limits: limitsInForce(deps.budget),
        },
      },
    ]);
    log.info({ sessionId, taskId: task.id }, 'dead-lettered session continues: its task runs again');
  }

  /** Best effort: a session log that cannot be written must not hide the task's own failure. */
  async function recordAttemptFailure(
    sessionId: string,
    task: LeasedTask,
    failure: TaskFailure,
    final: boolean,
  ): Promise<void> {
    const r = await appendAtHead(deps.store, sessionId, [
      {
        kind: 'decision_trace',
        data: {
          nodeId: null,
          decision: final ? 'task_dead_lettered' : 'task_attempt_failed',
          reason: failure.message,
          data: {
            taskId: task.id,
            attempt: task.attempt,
            maxAttempts: task.maxAttempts,
            failureClass: failure.failureClass,
            next: final
              ? `dead letter: fix the cause, then \`worktrain sessions continue ${sessionId}\` or \`worktrain queue requeue ${task.id}\``
              : 'the queue retries the task after a backoff',
          },
        },
      },
    ]);
    if (r.isErr())
      log.warn(
        { sessionId, taskId: task.id, code: r.error.code },
        'task failure not recorded in the session',
      );
  }

  async function handleTask(task: LeasedTask, signal: AbortSignal): Promise<void> {
    const item = readWorkItem(task.payload, { jiraRoutes: deps.jiraRoutes ?? {} });
    if ('error' in item) throw new TaskFailure('validation', item.error, false);
    deps.events.emit({ type: 'task_claimed', taskId: task.id, data: { attempt: task.attempt } });
    const work = item.ok;
    if (work.kind === 'merged') return followUpMerge(task, work);

    let sessionId: string | null;
    let continueToken: string | null = null;
    if (work.kind === 'resume') sessionId = work.sessionId;
    else {
      // A first attempt of a task that never failed cannot have a session from an earlier run: skip the
      // scan of every running session (it made each start O(running sessions)).
      const firstRun = task.attempt === 1 && task.lastError === null;
      sessionId = deps.taskSessions.get(task.id) ?? (firstRun ? null : await adopt(task.id));
    }

    if (sessionId === null && work.kind === 'start') {
      const meta: JsonObject = {
        taskId: task.id,
        repoPath: work.repoPath,
        // The trigger, whose `callbackUrl` (read from triggers.yaml, never stored) also gets notifications.
        ...triggerOf(work.candidate),
        ...targetToJson(work.target),
      };
      // The repository's PR/MR template, for the final step to fill (`deliveryTemplate`); none → {}.
      // Read from the base commit the worktree will start from (the fetch the daemon started when the task
      // was enqueued), once per commit; without a fetched base, from origin/HEAD as before.
      let template: JsonObject = {};
      if (work.target.repo !== null) {
        const base = await deps.workspaces.freshBase({
          repoPath: work.repoPath,
          fetchedSince: task.createdAt,
        });
        template = await templates.context(
          work.repoPath,
          work.target,
          base.isOk() ? base.value.commit : undefined,
        );
      }
      const started = await deps.engine.startWorkflow({
        workflowId: work.workflowId,
        goal: work.goal,
        workspacePath: work.repoPath,
        context: { ...work.context, ...template, [META_KEY]: meta },
        mode: 'autonomous',
        source: 'daemon',
      });
      if (started.isErr()) {
        const fatal = ['WORKFLOW_NOT_FOUND', 'WORKFLOW_INVALID', 'COMPILE_FAILED', 'INPUT_INVALID'];
        throw new TaskFailure(
          fatal.includes(started.error.code) ? 'validation' : 'execution',
          `Cannot start workflow ${work.workflowId}: ${started.error.message}`,
          fatal.includes(started.error.code) ? false : undefined,
        );
      }
      sessionId = started.value.sessionId;
      deps.taskSessions.set(task.id, sessionId);
      continueToken = started.value.continueToken ?? null;
      deps.events.emit({ type: 'session_started', taskId: task.id, sessionId });
      log.info({ taskId: task.id, sessionId, workflowId: work.workflowId }, 'session started');
    } else if (sessionId !== null) {
      deps.events.emit({ type: 'session_resumed', taskId: task.id, sessionId });
      log.info({ taskId: task.id, sessionId, attempt: task.attempt }, 'session resumed');
    }
    if (sessionId === null) throw new TaskFailure('validation', 'no session to run', false);

    const meta = await readMeta(sessionId);
    if (meta === null)
      throw new TaskFailure('validation', `session ${sessionId} was not started by the daemon`, false);
    const summary = await deps.store.getSummary(sessionId);
    if (summary.isErr()) throw new TaskFailure('execution', summary.error.message);
    if (summary.value.status === 'aborted')
      throw new TaskFailure('cancelled', `session ${sessionId} was aborted`, false);
    // Its task had been dead-lettered and runs again (`queue requeue`): the session goes on.
    if (summary.value.status === 'failed') await reopenDeadLettered(sessionId, task);
    // A delivery parked for approval ends the task; a command or spend of the agent waiting for one does
    // not: its run resumes and waits on the same request (after a restart, for instance).
    if (summary.value.status === 'awaiting_approval' && actionGate?.awaits(sessionId) !== true) {
      log.info({ sessionId }, 'session awaits approval; the task ends here');
      return;
    }

    // Independent: the event and the worktree. A base fetched since the task was enqueued (the daemon
    // prefetches it then) is fresh enough, so the first model request does not wait for another fetch.
    const [, worktree] = await Promise.all([
      record(sessionId, [{ kind: 'session_started', data: { workerId: deps.workerId, taskId: task.id } }]),
      deps.workspaces.createWorktree({ repoPath: meta.repoPath, sessionId, fetchedSince: task.createdAt }),
    ]);
    if (worktree.isErr()) {
      // Not a repository, no origin or base branch, an unusable session id: no retry fixes these.
      const final = FINAL_WORKTREE_CODES.has(worktree.error.code);
      throw new TaskFailure(
        final ? 'validation' : 'execution',
        `Cannot prepare the worktree: ${worktree.error.message}`,
        final ? false : undefined,
      );
    }
    deps.events.emit({
      type: 'worktree_ready',
      taskId: task.id,
      sessionId,
      data: { outcome: worktree.value.outcome, branch: worktree.value.branch },
    });
    let baseBranch = worktree.value.baseBranch;
    const events = await readAll(deps.store, sessionId);
    if (events.isErr()) throw new TaskFailure('execution', events.error.message);
    if (baseBranch === null) baseBranch = recordedBaseBranch(events.value) ?? 'main';
    if (worktree.value.outcome !== 'reused' || recordedBaseBranch(events.value) === null)
      await record(sessionId, [
        {
          kind: 'decision_trace',
          data: {
            nodeId: null,
            decision: 'worktree_ready',
            reason: `worktree ${worktree.value.outcome} on ${worktree.value.branch}`,
            data: { path: worktree.value.path, branch: worktree.value.branch, baseBranch },
          },
        },
      ]);

    const ended = summary.value.status === 'completed' || hasCompleted(events.value);
    if (!ended) {
      const outcome = await runAgent(
        sessionId,
        task.id,
        worktree.value.path,
        worktree.value.git,
        continueToken,
        signal,
      );
      await settle(sessionId, outcome);
      if (outcome.kind === 'gate') return;
    }
    await deliverWork(sessionId, worktree.value.git, baseBranch, meta.target, meta.repoPath);
    deps.events.emit({ type: 'task_completed', taskId: task.id, sessionId });
  }

  async function runAgent(
    sessionId: string,
    taskId: string,
    worktree: string,
    gitRef: WorktreeGitRef | undefined,
    continueToken: string | null,
    signal: AbortSignal,
  ): Promise<SessionOutcome> {
    const provider = deps.provider();
    if (provider.isErr())
      throw new TaskFailure(
        // No model configured: retrying cannot help until config.yaml changes and the daemon restarts.
        provider.error.details?.modelCode === 'MODEL_NOT_CONFIGURED' ? 'validation' : 'execution',
        `No model: ${provider.error.message}`,
      );
    const { sandbox } = deps.sandbox;
    if (sandbox === null)
      throw new TaskFailure(
        'execution',
        `No sandbox, so no agent run: ${deps.sandbox.error?.message ?? 'unavailable'} Fix: ${String(deps.sandbox.error?.details?.fix ?? 'see worktrain doctor')}`,
      );
    const described = deps.sandbox.describe();
    await record(sessionId, [
      {
        kind: 'decision_trace',
        data: {
          nodeId: null,
          decision: sandbox.info.enforced ? 'sandbox_enforced' : 'sandbox_off',
          reason: sandbox.info.enforced
            ? `agent commands run under ${sandbox.info.version ?? sandbox.info.backend}, limits: ${sandbox.info.limits}`
            : sandbox.info.warnings.join('; '),
          data: described,
        },
      },
    ]);
    const triggerId = (await readMeta(sessionId))?.triggerId ?? null;
    const extraAllow = triggerId === null ? [] : (deps.networkAllowFor?.(triggerId) ?? []);
    const policy = deps.sandbox.policyFor(sessionId, worktree, gitRef, extraAllow);
    // One long-lived sandbox per run: each agent command is a fork inside it (issue 12's start-up goal).
    const runner = await sandbox.open(policy);
    if (runner.isErr())
      throw new TaskFailure('execution', `The session's sandbox did not start: ${runner.error.message}`);
    const entry = deps.active.register(sessionId, taskId, deps.clock.now());
    const onStop = (): void => entry.controller.abort();
    signal.addEventListener('abort', onStop, { once: true });
    try {
      const common = {
        engine: deps.engine,
        store: deps.store,
        conversations: deps.conversations,
        provider: provider.value,
        tools: createDefaultTools({ bash: { sandbox, policy, runner: runner.value } }),
        worktree,
        sessionId,
        budget: deps.budget,
        clock: deps.clock,
        logger: deps.logger,
        signal: entry.controller.signal,
        steer: entry.steer,
        ...(actionGate === null ? {} : { actionGate }),
      };
      const outcome =
        continueToken !== null ? await runSession({ ...common, continueToken }) : await resumeSession(common);
      if (outcome.kind === 'cancelled' && entry.kill !== null) {
        await record(sessionId, [
          {
            kind: 'session_aborted',
            data: { reason: entry.kill.reason, actor: entry.kill.actor, code: 'KILLED' },
          },
        ]);
        deps.events.emit({ type: 'session_killed', sessionId, taskId, data: { actor: entry.kill.actor } });
        throw new TaskFailure('cancelled', `killed by ${entry.kill.actor}: ${entry.kill.reason}`, false);
      }
      return outcome;
    } finally {
      signal.removeEventListener('abort', onStop);
      await runner.value.close();
      deps.active.unregister(sessionId);
    }
  }

  async function settle(sessionId: string, outcome: SessionOutcome): Promise<void> {
    deps.events.emit({ type: 'session_finished', sessionId, data: { outcome: outcome.kind } });
    switch (outcome.kind) {
      case 'completed':
        return;
      case 'gate':
        // Without a token the session was already parked by an earlier run, whose token is stored.
        if (outcome.gateToken !== undefined)
          deps.gates.put({
            sessionId,
            gateToken: outcome.gateToken,
            stepId: outcome.stepId,
            gateKind: outcome.gateKind,
            createdAt: deps.clock.now(),
          });
        return;
      case 'cancelled': {
        // Aborted by a kill recorded elsewhere (another process, the API while not running here): final.
        const now = await deps.store.getSummary(sessionId);
        if (now.isOk() && now.value.status === 'aborted')
          throw new TaskFailure('cancelled', `session aborted: ${outcome.reason}`, false);
        // Otherwise the daemon is stopping: the task is retried and the session resumes.
        throw new TaskFailure('execution', `interrupted: ${outcome.reason}`, true);
      }
      case 'budget_exceeded':
        await record(sessionId, [
          {
            kind: 'session_completed',
            data: { outcome: 'failure', summary: `budget exceeded: ${outcome.budget}` },
          },
        ]);
        throw new TaskFailure('execution', `budget exceeded: ${outcome.budget}`, false);
      case 'failed':
        throw new TaskFailure('execution', `agent failed (${outcome.error.code}): ${outcome.error.message}`);
    }
  }

  /**
   * The merge of a PR/MR WorkTrain opened: no new session; the Jira return path's "merged" step. A
   * transition that waits for approval parks the task (its payload is enqueued again once decided).
   */
  async function followUpMerge(task: LeasedTask, merged: MergedChangeRequest): Promise<void> {
    const taskId = task.id;
    if (deps.onMerged === undefined) return;
    const done = await deps.onMerged(merged);
    if (done.isErr() && done.error.code === 'NEEDS_APPROVAL' && deps.approvals) {
      const ids = stringList(done.error.details?.approvalIds);
      if (ids.length > 0) {
        deps.approvals.parkTask({
          key: `merged:${merged.sessionId}`,
          sessionId: merged.sessionId,
          payload: task.payload,
          approvalIds: ids,
        });
        log.info(
          { taskId, sessionId: merged.sessionId, approvalIds: ids },
          'merge follow-up parked until approved',
        );
        for (const id of stringList(done.error.details?.createdIds)) {
          const request = deps.approvals.store.get(id);
          if (request.isOk()) deps.notifications?.approvalNeeded(merged.sessionId, request.value);
        }
        return;
      }
    }
    if (done.isErr())
      throw new TaskFailure(
        'execution',
        `merge follow-up failed (${done.error.code}): ${done.error.message}`,
      );
    log.info({ taskId, sessionId: merged.sessionId, result: done.value }, 'merge followed up');
  }

  async function deliverWork(
    sessionId: string,
    worktreeGit: WorktreeGitRef,
    baseBranch: string,
    target: DeliveryTarget,
    repoPath: string,
  ): Promise<void> {
    if (await deliveryRejected(sessionId)) return;
    if (deps.deliver === null || target.repo === null) {
      const events = await readAll(deps.store, sessionId);
      if (events.isOk() && events.value.some((e) => e.kind === 'delivery_recorded')) return;
      const reason =
        target.repo === null ? 'the task names no repository to deliver to' : 'no forge token is configured';
      await record(sessionId, [
        { kind: 'delivery_recorded', data: { stage: 'delivery', outcome: 'skipped', details: { reason } } },
      ]);
      deps.notifications?.completed(sessionId, `Completed; not delivered: ${reason}`, null);
      return;
    }
    const delivered = await deps.deliver({
      sessionId,
      worktreePath: worktreeGit.worktree,
      worktreeGit,
      baseBranch,
      repo: target.repo,
      issueNumber: target.issueNumber,
      forge: target.forge,
      noteOn: target.noteOn,
      jiraIssueKey: target.jiraIssueKey,
      ...(target.dryRun === true ? { dryRun: true } : {}),
      ...(typeof target.template === 'string' ? { template: target.template } : {}),
    });
    if (delivered.isErr()) {
      if (delivered.error.code === 'NEEDS_APPROVAL') {
        await parkDelivery(sessionId, delivered.error.details);
        return;
      }
      if (delivered.error.code === 'APPROVAL_REJECTED') {
        await recordRejection(sessionId, delivered.error.message, delivered.error.details);
        return;
      }
      if (delivered.error.code === 'FORGE_NOT_CONFIGURED') {
        await record(sessionId, [
          {
            kind: 'delivery_recorded',
            data: { stage: 'delivery', outcome: 'skipped', details: { reason: delivered.error.message } },
          },
        ]);
        return;
      }
      throw new TaskFailure(
        'execution',
        `delivery failed (${delivered.error.code}): ${delivered.error.message}`,
        FINAL_DELIVERY_CODES.has(delivered.error.code) ? false : undefined,
      );
    }
    if (delivered.value.dryRun !== undefined) {
      // Dry run: the plan is recorded (stage dry_run); the worktree stays for a look or a real delivery.
      deps.events.emit({ type: 'delivery_finished', sessionId, data: { url: null, dryRun: true } });
      return;
    }
    deps.events.emit({ type: 'delivery_finished', sessionId, data: { url: delivered.value.url } });
    if (!delivered.value.replayed)
      deps.notifications?.completed(sessionId, `Delivered ${delivered.value.url}`, delivered.value.url);
    // Delivered and pushed: the worktree is no longer needed (the branch stays, on origin too).
    const removed = await deps.workspaces.removeWorktree({ sessionId, repoPath });
    if (removed.isErr())
      log.warn({ sessionId, code: removed.error.code }, `worktree not removed: ${removed.error.message}`);
  }

  /**
   * The delivery waits for approval: the task ends here and frees its worker; the approvals check resumes
   * the session once a request is decided (DeliveryApprovals). New requests notify "approval needed".
   */
  async function parkDelivery(
    sessionId: string,
    details: Record<string, unknown> | undefined,
  ): Promise<void> {
    const ids = stringList(details?.approvalIds);
    if (ids.length === 0 || !deps.approvals)
      // Nothing to wait on (a patch check that wants an approval the policy never asked for): fail loudly.
      throw new TaskFailure('execution', 'delivery needs an approval that no approval request covers', false);
    deps.approvals.park(sessionId, ids);
    log.info({ sessionId, approvalIds: ids }, 'delivery parked until approved');
    for (const id of stringList(details?.createdIds)) {
      const request = deps.approvals.store.get(id);
      if (request.isOk()) deps.notifications?.approvalNeeded(sessionId, request.value);
    }
  }

  /** A person rejected a side effect: nothing is delivered; the session ends failed with who and why. */
  async function recordRejection(
    sessionId: string,
    message: string,
    details: Record<string, unknown> | undefined,
  ): Promise<void> {
    const audit: JsonObject = {
      code: 'APPROVAL_REJECTED',
      approvalId: typeof details?.approvalId === 'string' ? details.approvalId : null,
      action: typeof details?.action === 'string' ? details.action : null,
      actor: typeof details?.actor === 'string' ? details.actor : null,
      reason: typeof details?.reason === 'string' ? details.reason : null,
    };
    await record(sessionId, [
      { kind: 'delivery_recorded', data: { stage: 'delivery', outcome: 'failed', details: audit } },
      { kind: 'session_completed', data: { outcome: 'failure', summary: `delivery stopped: ${message}` } },
    ]);
    log.info({ sessionId, ...audit }, 'delivery rejected');
    deps.notifications?.failed(sessionId, `Delivery stopped: ${message}`);
  }

  async function deliveryRejected(sessionId: string): Promise<boolean> {
    const events = await readAll(deps.store, sessionId);
    return (
      events.isOk() &&
      events.value.some(
        (e) =>
          e.kind === 'delivery_recorded' &&
          e.data.stage === 'delivery' &&
          e.data.details?.code === 'APPROVAL_REJECTED',
      )
    );
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The trigger that made the task, kept in the session meta (notifications find its `callbackUrl`). */
function triggerOf(candidate: { triggerId: string } | null): JsonObject {
  return candidate === null ? {} : { triggerId: candidate.triggerId };
}

/**
 * Delivery errors a retry cannot fix, so the task is dead-lettered at once with the reason: a Jira status no
 * transition leads to, a forge project that does not exist, a PR/MR a human closed or merged meanwhile
 * (never reopened), a failing configured check, an unfilled PR/MR template, a worktree mid-merge, a commit that
 * cannot be signed. Fix the cause, then `worktrain queue requeue`.
 */
const FINAL_DELIVERY_CODES: ReadonlySet<string> = new Set([
  'TRANSITION_NOT_FOUND',
  'FORGE_NOT_FOUND',
  'PR_CLOSED',
  'PR_MERGED',
  // The agent's work is fixed once it is handed off: these fail the same way on every retry.
  'CHECKS_FAILED',
  'TEMPLATE_INCOMPLETE',
  'TEMPLATE_NOT_FOUND',
  'WORKTREE_DIRTY',
  'SIGNING_FAILED',
  // The worktree's `.git` was replaced or redirected (by the agent): nothing is run in it again.
  'WORKTREE_TAMPERED',
]);

/** Worktree errors of the task's configuration (its workspace), dead-lettered at once as `validation`. */
const FINAL_WORKTREE_CODES: ReadonlySet<string> = new Set([
  // The workspace does not exist: no retry creates it.
  'WORKTREE_MISSING',
  'NOT_A_REPOSITORY',
  'BASE_BRANCH_NOT_FOUND',
  'INVALID_SESSION_ID',
  'WORKTREE_TAMPERED',
]);

function parseMeta(value: unknown): DaemonMeta | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v: Record<string, unknown> = { ...value };
  if (typeof v.taskId !== 'string' || typeof v.repoPath !== 'string') return null;
  return {
    taskId: v.taskId,
    repoPath: v.repoPath,
    target: targetFromJson(v),
    triggerId: typeof v.triggerId === 'string' ? v.triggerId : null,
  };
}

function recordedBaseBranch(events: readonly SessionEvent[]): string | null {
  for (const e of events) {
    if (e.kind !== 'decision_trace' || e.data.decision !== 'worktree_ready') continue;
    const d = e.data.data;
    if (typeof d === 'object' && d !== null && !Array.isArray(d) && typeof d.baseBranch === 'string')
      return d.baseBranch;
  }
  return null;
}

function hasCompleted(events: readonly SessionEvent[]): boolean {
  return events.some((e) => e.kind === 'session_completed' && e.data.outcome === 'success');
}
