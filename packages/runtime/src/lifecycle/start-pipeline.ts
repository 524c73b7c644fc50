/**
 * Stage "start a pipeline": a trigger's candidate names a pipeline (triggers.yaml `pipeline: feature`), so
 * the task runs no session itself; it dispatches that pipeline (`PipelineService.dispatch`, injected as
 * {@link LifecycleDeps.startPipeline}) with the candidate's goal, workspace, title and delivery target. The
 * pipeline's id is derived from the task's, and dispatch is idempotent on it, so a retried or re-run task
 * (a crash after the dispatch, a lease that expired) finds the pipeline it started instead of a second one.
 */
import { createHash } from 'node:crypto';
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import type { PipelineWorkItem } from '../payload.js';
import { type LifecycleDeps, lifecycleLogger } from './deps.js';

/**
 * The pipeline a task starts: `pl_` and 20 lowercase hex characters of sha256 over the task id (the shape of
 * the service's random ids, so every surface that reads one reads it).
 */
export function pipelineIdForTask(taskId: string): string {
  return `pl_${createHash('sha256').update(`task:${taskId}`).digest('hex').slice(0, 20)}`;
}

/**
 * Dispatches `work`'s pipeline. Throws {@link TaskFailure}: `validation` (dead-lettered at once) when this
 * handler runs no pipelines or the kind is unknown (PAYLOAD_INVALID); `execution` (retried) for any other
 * error of the dispatch. Returns the pipeline's id.
 */
export async function startPipelineStage(
  deps: Pick<LifecycleDeps, 'startPipeline' | 'events' | 'logger'>,
  task: LeasedTask,
  work: PipelineWorkItem,
): Promise<string> {
  if (deps.startPipeline === undefined)
    throw new TaskFailure(
      'validation',
      `the task starts pipeline "${work.pipeline}", but this daemon runs no pipelines`,
      false,
    );
  const pipelineId = pipelineIdForTask(task.id);
  const started = await deps.startPipeline({
    pipelineId,
    kind: work.pipeline,
    goal: work.goal,
    workspace: work.repoPath,
    ...(work.title === null || work.title === '' ? {} : { title: work.title }),
    target: work.target,
    actor: `trigger:${work.candidate.triggerId}`,
  });
  if (started.isErr())
    throw new TaskFailure(
      started.error.code === 'PAYLOAD_INVALID' ? 'validation' : 'execution',
      `pipeline ${work.pipeline} did not start (${started.error.code}): ${started.error.message}`,
      started.error.code !== 'PAYLOAD_INVALID',
    );
  lifecycleLogger(deps.logger).info(
    {
      taskId: task.id,
      pipelineId,
      pipelineKind: work.pipeline,
      triggerId: work.candidate.triggerId,
      sourceId: work.candidate.sourceId,
      coordinatorTaskId: started.value.taskId,
    },
    'pipeline started by trigger',
  );
  deps.events.emit({
    type: 'task_completed',
    taskId: task.id,
    data: { pipelineId, pipelineKind: work.pipeline },
  });
  return pipelineId;
}
