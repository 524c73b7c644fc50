/**
 * Stage "deliver": hands the finished session's worktree to the delivery stage (commit, push, PR/MR, ticket
 * updates; DESIGN §8) and records what happened. A delivery that needs approval is parked (the task ends
 * and frees its worker), a rejected one ends the session failed, a session with nowhere to deliver records
 * a skipped delivery; a delivered, pushed worktree is removed.
 */
import type { JsonObject, WorktreeGitRef } from '@worktrain/contracts';
import { TaskFailure } from '@worktrain/queue';
import type { DeliveryTarget } from '../payload.js';
import { readAll } from '../session-log.js';
import { type LifecycleDeps, lifecycleLogger } from './deps.js';
import { recordEvents, stringList } from './record.js';
import type { PipelineChildMeta } from './session-meta.js';

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

/** What is delivered: the session, its worktree and base branch, and where to (from the session's meta). */
export interface DeliveryInput {
  readonly sessionId: string;
  readonly worktreeGit: WorktreeGitRef;
  readonly baseBranch: string;
  readonly target: DeliveryTarget;
  /** The workspace repository the worktree belongs to (its removal after delivery). */
  readonly repoPath: string;
  /** A pipeline child's facts: a review is not delivered; a code or fix child pushes to the change branch. */
  readonly pipeline?: PipelineChildMeta | null;
}

type DeliveryDeps = Pick<
  LifecycleDeps,
  'store' | 'deliver' | 'approvals' | 'notifications' | 'workspaces' | 'events' | 'logger'
>;

/**
 * Delivers the session's work once (a session whose delivery was rejected is left alone; the delivery
 * stage itself replays a recorded delivery). Throws {@link TaskFailure} `execution`: final for
 * {@link FINAL_DELIVERY_CODES} and for an approval no request covers, retried for other delivery errors.
 */
export async function deliverWork(deps: DeliveryDeps, input: DeliveryInput): Promise<void> {
  const { sessionId, worktreeGit, target } = input;
  const log = lifecycleLogger(deps.logger);
  if (await deliveryRejected(deps, sessionId)) return;
  if (input.pipeline?.deliver === false) return skipReadOnlyChild(deps, input);
  if (deps.deliver === null || target.repo === null) {
    const events = await readAll(deps.store, sessionId);
    if (events.isOk() && events.value.some((e) => e.kind === 'delivery_recorded')) return;
    const reason =
      target.repo === null ? 'the task names no repository to deliver to' : 'no forge token is configured';
    await recordEvents(deps.store, sessionId, [
      { kind: 'delivery_recorded', data: { stage: 'delivery', outcome: 'skipped', details: { reason } } },
    ]);
    deps.notifications?.completed(sessionId, `Completed; not delivered: ${reason}`, null);
    return;
  }
  const delivered = await deps.deliver({
    sessionId,
    worktreePath: worktreeGit.worktree,
    worktreeGit,
    baseBranch: input.baseBranch,
    repo: target.repo,
    issueNumber: target.issueNumber,
    forge: target.forge,
    noteOn: target.noteOn,
    jiraIssueKey: target.jiraIssueKey,
    ...(target.dryRun === true ? { dryRun: true } : {}),
    ...(typeof target.template === 'string' ? { template: target.template } : {}),
    ...(input.pipeline?.branch == null ? {} : { branch: input.pipeline.branch }),
  });
  if (delivered.isErr()) {
    if (delivered.error.code === 'NEEDS_APPROVAL') {
      await parkDelivery(deps, sessionId, delivered.error.details);
      return;
    }
    if (delivered.error.code === 'APPROVAL_REJECTED') {
      await recordRejection(deps, sessionId, delivered.error.message, delivered.error.details);
      return;
    }
    if (delivered.error.code === 'FORGE_NOT_CONFIGURED') {
      await recordEvents(deps.store, sessionId, [
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
  const removed = await deps.workspaces.removeWorktree({ sessionId, repoPath: input.repoPath });
  if (removed.isErr())
    log.warn({ sessionId, code: removed.error.code }, `worktree not removed: ${removed.error.message}`);
}

/**
 * A pipeline child whose result is only read (a review): nothing is committed, pushed or opened; the skip is
 * recorded once (the coordinator waits for it) and the worktree goes.
 */
async function skipReadOnlyChild(deps: DeliveryDeps, input: DeliveryInput): Promise<void> {
  const events = await readAll(deps.store, input.sessionId);
  if (events.isOk() && !events.value.some((e) => e.kind === 'delivery_recorded'))
    await recordEvents(deps.store, input.sessionId, [
      {
        kind: 'delivery_recorded',
        data: {
          stage: 'delivery',
          outcome: 'skipped',
          details: { reason: 'a pipeline child whose result is read, not delivered' },
        },
      },
    ]);
  const removed = await deps.workspaces.removeWorktree({
    sessionId: input.sessionId,
    repoPath: input.repoPath,
  });
  if (removed.isErr())
    lifecycleLogger(deps.logger).warn(
      { sessionId: input.sessionId, code: removed.error.code },
      `worktree not removed: ${removed.error.message}`,
    );
}

/**
 * The delivery waits for approval: the task ends here and frees its worker; the approvals check resumes
 * the session once a request is decided (DeliveryApprovals). New requests notify "approval needed".
 */
async function parkDelivery(
  deps: DeliveryDeps,
  sessionId: string,
  details: Record<string, unknown> | undefined,
): Promise<void> {
  const ids = stringList(details?.approvalIds);
  if (ids.length === 0 || !deps.approvals)
    // Nothing to wait on (a patch check that wants an approval the policy never asked for): fail loudly.
    throw new TaskFailure('execution', 'delivery needs an approval that no approval request covers', false);
  deps.approvals.park(sessionId, ids);
  lifecycleLogger(deps.logger).info({ sessionId, approvalIds: ids }, 'delivery parked until approved');
  for (const id of stringList(details?.createdIds)) {
    const request = deps.approvals.store.get(id);
    if (request.isOk()) deps.notifications?.approvalNeeded(sessionId, request.value);
  }
}

/** A person rejected a side effect: nothing is delivered; the session ends failed with who and why. */
async function recordRejection(
  deps: DeliveryDeps,
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
  await recordEvents(deps.store, sessionId, [
    { kind: 'delivery_recorded', data: { stage: 'delivery', outcome: 'failed', details: audit } },
    { kind: 'session_completed', data: { outcome: 'failure', summary: `delivery stopped: ${message}` } },
  ]);
  lifecycleLogger(deps.logger).info({ sessionId, ...audit }, 'delivery rejected');
  deps.notifications?.failed(sessionId, `Delivery stopped: ${message}`);
}

async function deliveryRejected(deps: Pick<LifecycleDeps, 'store'>, sessionId: string): Promise<boolean> {
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
