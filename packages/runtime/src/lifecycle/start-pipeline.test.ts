import { err, ok } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runtimeError } from '../errors.js';
import { type PipelineWorkItem, readWorkItem } from '../payload.js';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import type { PipelineStartRequest } from './deps.js';
import { pipelineIdForTask, startPipelineStage } from './start-pipeline.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

/** A github issue candidate of a `pipeline: feature` trigger, as the router enqueues it. */
const CANDIDATE = {
  sourceId: 'github:octo-org/octo-repo#issue/7',
  title: 'Add a dark mode',
  body: 'Please.',
  url: 'https://github.com/octo-org/octo-repo/issues/7',
  labels: ['worktrain:ready'],
  author: 'octocat',
  goal: 'Add a dark mode',
  workspace: '/repos/octo-repo',
  metadata: { kind: 'issue', repo: 'octo-org/octo-repo', number: 7, event: 'issues.labeled' },
  triggerId: 'gh-feature',
  pipeline: 'feature',
};

const workOf = (payload: unknown): PipelineWorkItem => {
  const item = readWorkItem(payload);
  if (!('ok' in item) || item.ok.kind !== 'pipeline')
    throw new Error(`not a pipeline item: ${JSON.stringify(item)}`);
  return item.ok;
};

describe('readWorkItem of a pipeline trigger candidate', () => {
  it('is a pipeline item with the goal, workspace, title and the issue as delivery target', () => {
    expect(workOf(CANDIDATE)).toMatchObject({
      kind: 'pipeline',
      pipeline: 'feature',
      goal: 'Add a dark mode',
      repoPath: '/repos/octo-repo',
      title: 'Add a dark mode',
      target: { forge: 'github', repo: 'octo-org/octo-repo', issueNumber: 7 },
    });
  });

  it('leaves a workflow candidate a session start', () => {
    const { pipeline: _drop, ...rest } = CANDIDATE;
    expect(readWorkItem({ ...rest, workflowId: 'wr.coding-task' })).toMatchObject({
      ok: { kind: 'start', workflowId: 'wr.coding-task' },
    });
  });
});

describe('start pipeline stage', () => {
  it('dispatches the pipeline once per task id, with an id derived from the task', async () => {
    const seen: PipelineStartRequest[] = [];
    const deps = {
      startPipeline: async (request: PipelineStartRequest) => {
        seen.push(request);
        return ok({ pipelineId: request.pipelineId, taskId: 'coordinator-1' });
      },
      events: rig.events,
      logger: rig.logger,
    };
    const task = rig.task(CANDIDATE);
    const first = await startPipelineStage(deps, task, workOf(CANDIDATE));
    // A retry of the same task asks for the same pipeline (dispatch is idempotent on the id).
    const retried = await startPipelineStage(deps, { ...task, attempt: 2 }, workOf(CANDIDATE));
    expect(first).toBe(pipelineIdForTask(task.id));
    expect(retried).toBe(first);
    expect(first).toMatch(/^pl_[0-9a-f]{20}$/);
    expect(pipelineIdForTask('another-task')).not.toBe(first);
    expect(seen[0]).toEqual({
      pipelineId: first,
      kind: 'feature',
      goal: 'Add a dark mode',
      workspace: '/repos/octo-repo',
      title: 'Add a dark mode',
      target: {
        forge: 'github',
        repo: 'octo-org/octo-repo',
        issueNumber: 7,
        noteOn: 'issue',
        jiraIssueKey: null,
      },
      actor: 'trigger:gh-feature',
    });
    expect(rig.emitted).toContainEqual(
      expect.objectContaining({
        type: 'task_completed',
        taskId: task.id,
        data: { pipelineId: first, pipelineKind: 'feature' },
      }),
    );
  });

  it('dead-letters an unknown kind and retries any other dispatch error', async () => {
    const failing = (code: 'PAYLOAD_INVALID' | 'INTERNAL') => ({
      startPipeline: async () => err(runtimeError(code, `${code} happened`)),
      events: rig.events,
      logger: rig.logger,
    });
    const unknown = await startPipelineStage(
      failing('PAYLOAD_INVALID'),
      rig.task(CANDIDATE),
      workOf(CANDIDATE),
    ).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ failureClass: 'validation', retryable: false });
    const internal = await startPipelineStage(
      failing('INTERNAL'),
      rig.task(CANDIDATE),
      workOf(CANDIDATE),
    ).catch((e: unknown) => e);
    expect(internal).toMatchObject({ failureClass: 'execution', retryable: true });
  });

  it('dead-letters the task when the handler runs no pipelines', async () => {
    const failure = await startPipelineStage(
      { events: rig.events, logger: rig.logger },
      rig.task(CANDIDATE),
      workOf(CANDIDATE),
    ).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      failureClass: 'validation',
      message: expect.stringContaining('runs no pipelines'),
    });
  });
});
