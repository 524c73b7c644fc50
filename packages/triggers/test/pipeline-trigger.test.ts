import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConfigIssue,
  createBuiltinRegistry,
  loadTriggerConfig,
  TaskCandidateSchema,
} from '../src/index.js';
import { GH_READY_YAML, githubRequest, type Harness, harness, SECRET } from './helpers.js';

const registry = createBuiltinRegistry();
const env = { GITHUB_WEBHOOK_SECRET: SECRET };
const load = (text: string) =>
  loadTriggerConfig({ files: [{ path: '/cfg/triggers.yaml', text }], env, registry });
const issuesOf = async (text: string): Promise<ConfigIssue[]> =>
  ((await load(text))._unsafeUnwrapErr().details?.issues ?? []) as ConfigIssue[];

/** The issue 5 trigger with `pipeline: feature` in place of its workflow. */
const PIPELINE_YAML = GH_READY_YAML.replace('workflowId: wr.coding-task', 'pipeline: feature');

interface ExampleGroup {
  readonly name: string;
  readonly examples: ReadonlyArray<Record<string, unknown>>;
}
const examples: ExampleGroup[] = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
);
const labeled = () => {
  const base = examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'labeled') ?? {};
  return {
    ...base,
    label: { ...(base.label as object), name: 'worktrain:ready' },
    repository: { ...(base.repository as object), full_name: 'octo-org/octo-repo' },
  };
};

describe('triggers.yaml: workflowId or pipeline', () => {
  it('accepts `pipeline: feature` in place of a workflow', async () => {
    const t = (await load(PIPELINE_YAML))._unsafeUnwrap().triggers[0];
    expect(t).toMatchObject({ id: 'gh-ready', pipeline: 'feature', workflowId: null });
    const w = (await load(GH_READY_YAML))._unsafeUnwrap().triggers[0];
    expect(w).toMatchObject({ workflowId: 'wr.coding-task', pipeline: null });
  });

  it('rejects a trigger naming both, at `pipeline` with its line', async () => {
    const both = GH_READY_YAML.replace(
      'workflowId: wr.coding-task',
      'workflowId: wr.coding-task\n    pipeline: feature',
    );
    expect(await issuesOf(both)).toEqual([
      {
        file: '/cfg/triggers.yaml',
        path: 'triggers[0].pipeline',
        line: 7,
        col: 15,
        message:
          'name either `workflowId` (the workflow a task runs) or `pipeline` (the pipeline it starts), not both',
      },
    ]);
  });

  it('rejects a trigger naming neither, at `workflowId`, alongside its other issues', async () => {
    const neither = GH_READY_YAML.replace('    workflowId: wr.coding-task\n', '').replace(
      'repo: octo-org/octo-repo',
      'repo: not-a-repo',
    );
    const found = await issuesOf(neither);
    expect(found.map((i) => i.path).sort()).toEqual(['triggers[0].repo', 'triggers[0].workflowId']);
    expect(found.find((i) => i.path === 'triggers[0].workflowId')?.message).toBe(
      'required: `workflowId` (the workflow a task runs) or `pipeline` (the pipeline it starts, e.g. feature)',
    );
  });

  it('rejects a pipeline name that is not a kind, at its path', async () => {
    const bad = GH_READY_YAML.replace('workflowId: wr.coding-task', 'pipeline: "Feature Pipeline"');
    expect((await issuesOf(bad)).map((i) => i.path)).toEqual(['triggers[0].pipeline']);
  });

  it('takes `pipeline` from defaults through extends, and a trigger may not add a workflow to it', async () => {
    const yaml = `defaults:
  feature: { pipeline: feature }
triggers:
  - { id: a, provider: schedule, extends: feature, workspace: /w, cron: "0 9 * * *" }
  - { id: b, provider: schedule, extends: feature, workflowId: w, workspace: /w, cron: "0 9 * * *" }
`;
    expect((await issuesOf(yaml)).map((i) => i.path)).toEqual(['triggers[1].pipeline']);
  });
});

describe('the router and a pipeline trigger', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('enqueues the candidate with the pipeline kind and no workflow, deduped per kind and item', async () => {
    h = await harness(PIPELINE_YAML, env);
    const out = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'delivery-1'))
      ._unsafeUnwrap();
    expect(out.status).toBe('enqueued');
    const task = (await h.queue.get(out.taskId ?? ''))._unsafeUnwrap();
    expect(task.payload).toMatchObject({ pipeline: 'feature', triggerId: 'gh-ready' });
    expect(task.payload).not.toHaveProperty('workflowId');
    expect(task.dedupeKey).toBe('pipeline:feature:github:octo-org/octo-repo#issue/1');
    expect(TaskCandidateSchema.safeParse(task.payload).success).toBe(true);
    // The same issue labelled again (another delivery) makes no second task.
    const again = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'delivery-2'))
      ._unsafeUnwrap();
    expect(again).toMatchObject({ status: 'duplicate', taskId: out.taskId });
  });

  it('keeps what an admitted task runs when the trigger is reloaded as a workflow trigger', async () => {
    h = await harness(PIPELINE_YAML, env);
    const out = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'delivery-1'))
      ._unsafeUnwrap();
    h.router.setConfig((await load(GH_READY_YAML))._unsafeUnwrap());
    const task = (await h.queue.get(out.taskId ?? ''))._unsafeUnwrap();
    expect(task.payload).toMatchObject({ pipeline: 'feature' });
  });
});

describe('TaskCandidateSchema', () => {
  const base = {
    sourceId: 's',
    title: 't',
    body: '',
    url: null,
    labels: [],
    author: null,
    goal: 'g',
    workspace: '/w',
    metadata: {},
    triggerId: 'a',
  };
  it('takes exactly one of workflowId or pipeline', () => {
    expect(TaskCandidateSchema.safeParse({ ...base, workflowId: 'w' }).success).toBe(true);
    expect(TaskCandidateSchema.safeParse({ ...base, pipeline: 'feature' }).success).toBe(true);
    expect(TaskCandidateSchema.safeParse({ ...base, workflowId: 'w', pipeline: 'feature' }).success).toBe(
      false,
    );
    expect(TaskCandidateSchema.safeParse(base).success).toBe(false);
  });
});
