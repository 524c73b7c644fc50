/**
 * The daemon's task handler: one task's lifecycle as a list of stages (`lifecycle/*.ts`), each with typed
 * inputs and outputs, read top to bottom in {@link createTaskHandler}:
 * work item → open session → admit it → prepare worktree → run agent → settle outcome → deliver (a trigger's
 * candidate that names a pipeline starts it instead, `start-pipeline.ts`, and runs no session); a failed
 * attempt is finalized by `recordTaskFailure`; after either, an ended session's chain head is sealed.
 */
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import { createAgentActionGate } from './action-gate.js';
import { createDeliveryTemplates } from './delivery-template.js';
import { admitSession } from './lifecycle/admit-session.js';
import { deliverWork } from './lifecycle/deliver-work.js';
import type { LifecycleDeps } from './lifecycle/deps.js';
import { followUpMerge } from './lifecycle/follow-up-merge.js';
import { openSession } from './lifecycle/open-session.js';
import { prepareWorktree } from './lifecycle/prepare-worktree.js';
import { recordTaskFailure } from './lifecycle/record-failure.js';
import { runAgent } from './lifecycle/run-agent.js';
import { settleOutcome } from './lifecycle/settle-outcome.js';
import { startPipelineStage } from './lifecycle/start-pipeline.js';
import { readWorkItem } from './payload.js';

export type { LifecycleDeps } from './lifecycle/deps.js';

/**
 * Runs one task: task → session (engine, autonomous mode) → worktree → agent run → delivery. Re-running
 * the same task (after a crash, a lease expiry or a retry) continues the session it already started, with
 * its conversation, instead of starting another; delivery is idempotent and skipped once recorded.
 * Throws {@link TaskFailure} to fail the task: `validation` (bad payload, unknown workflow, a workspace
 * that does not exist, is not a repository or has no origin/base branch: dead-lettered at once), `cancelled` (kill switch),
 * `execution` (agent or delivery failure; retried by the queue). A failed attempt is recorded in its
 * session's log (a `decision_trace`: why, whether the queue retries it or dead-letters it, and how to carry
 * on), so the timeline says why nothing runs; a final failure (no retry left) also notifies `session.failed`.
 */
export function createTaskHandler(deps: LifecycleDeps) {
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

  async function handleTask(
    task: LeasedTask,
    signal: AbortSignal,
    seen: { sessionId: string | null },
  ): Promise<void> {
    const item = readWorkItem(task.payload, { jiraRoutes: deps.jiraRoutes ?? {} });
    if ('error' in item) throw new TaskFailure('validation', item.error, false);
    deps.events.emit({ type: 'task_claimed', taskId: task.id, data: { attempt: task.attempt } });
    const work = item.ok;
    if (work.kind === 'merged') return followUpMerge(deps, task, work);
    if (work.kind === 'pipeline') {
      await startPipelineStage(deps, task, work);
      return;
    }

    const { sessionId, continueToken } = await openSession(deps, { task, work, templates });
    seen.sessionId = sessionId;
    const admitted = await admitSession(deps, { task, sessionId, actionGate });
    if (admitted === null) return;
    const { meta } = admitted;
    const worktree = await prepareWorktree(deps, {
      task,
      sessionId,
      repoPath: meta.repoPath,
      startFrom: meta.pipeline?.branch ?? null,
    });
    if (admitted.status !== 'completed' && !worktree.agentFinished) {
      const outcome = await runAgent(deps, {
        sessionId,
        taskId: task.id,
        worktree: worktree.path,
        gitRef: worktree.git,
        continueToken,
        signal,
        actionGate,
      });
      await settleOutcome(deps, sessionId, outcome);
      if (outcome.kind === 'gate') return;
    }
    await deliverWork(deps, {
      sessionId,
      worktreeGit: worktree.git,
      baseBranch: worktree.baseBranch,
      target: meta.target,
      repoPath: meta.repoPath,
      pipeline: meta.pipeline,
    });
    deps.events.emit({ type: 'task_completed', taskId: task.id, sessionId });
  }

  return async function handle(task: LeasedTask, signal: AbortSignal): Promise<void> {
    const seen: { sessionId: string | null } = { sessionId: null };
    try {
      await handleTask(task, signal, seen);
    } catch (caught) {
      throw await recordTaskFailure(deps, task, caught);
    } finally {
      // After the last append of this task (delivery, failure record): seals the head if the session ended.
      if (seen.sessionId !== null) await deps.sealSession?.(seen.sessionId);
    }
  };
}
