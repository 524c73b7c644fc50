/**
 * Stage "follow up a merge": a PR/MR WorkTrain opened was merged. No session runs; the Jira return path's
 * "merged" step does (`createMergeFollowUp`). A transition that waits for approval parks the task: its
 * payload is enqueued again once the request is decided.
 */
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import type { MergedChangeRequest } from '../payload.js';
import { type LifecycleDeps, lifecycleLogger } from './deps.js';
import { stringList } from './record.js';

/**
 * Follows up `merged` (nothing to do without `deps.onMerged`). Throws {@link TaskFailure} `execution`
 * (retried) when the follow-up fails for another reason than a pending approval.
 */
export async function followUpMerge(
  deps: Pick<LifecycleDeps, 'onMerged' | 'approvals' | 'notifications' | 'logger'>,
  task: LeasedTask,
  merged: MergedChangeRequest,
): Promise<void> {
  const log = lifecycleLogger(deps.logger);
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
    throw new TaskFailure('execution', `merge follow-up failed (${done.error.code}): ${done.error.message}`);
  log.info({ taskId, sessionId: merged.sessionId, result: done.value }, 'merge followed up');
}
