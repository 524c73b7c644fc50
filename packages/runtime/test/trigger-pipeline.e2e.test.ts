/**
 * A trigger that names a pipeline (`pipeline: feature`) in a real daemon process: a signed GitHub webhook
 * starts exactly one `feature` pipeline with the issue's goal, whose first child (`classify`) is spawned;
 * the same webhook delivered twice (a replay, then a redelivery of the same issue) starts no second one;
 * a trigger naming an unknown kind is refused (422) like one naming an unknown workflow.
 * The scripted model has no turns, so the children fail; only the pipeline's start is asserted here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture, githubWebhookRequest } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUGGY_ADD,
  type Daemon,
  makeHome,
  readWebhookExample,
  startDaemon,
  WEBHOOK_SECRET,
  waitFor,
} from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Summary {
  readonly pipelineId: string;
  readonly kind: string;
  readonly goal: string;
}

interface Detail {
  readonly summary: Summary;
  readonly children: readonly { key: string; sessionId: string; workflowId: string }[];
}

async function start(home: string): Promise<Daemon> {
  const d = await startDaemon(home);
  cleanups.push(async () => {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  });
  return d;
}

async function post(
  d: Daemon,
  deliveryId: string,
  triggerId = 'gh-feature',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const req = githubWebhookRequest('issues', readWebhookExample(42), WEBHOOK_SECRET, { deliveryId });
  const res = await fetch(`${d.url}/webhooks/${triggerId}`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a trigger naming a pipeline', () => {
  it('starts one feature pipeline per issue from a signed webhook, delivered twice', async () => {
    const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
    cleanups.push(() => git.cleanup());
    const home = makeHome({ turns: [], repoDir: git.repoDir });
    cleanups.push(() => home.cleanup());
    writeFileSync(
      join(home.home, 'triggers.yaml'),
      `triggers:
  - id: gh-feature
    provider: github
    pipeline: feature
    workspace: ${JSON.stringify(git.repoDir)}
    events: [issues.labeled]
    goalTemplate: "Build issue #{{$.issue.number}}: {{$.issue.title}}"
    repo: acme/widgets
    webhook: { secret: $GH_WEBHOOK_SECRET }
  - id: gh-typo
    provider: github
    pipeline: featur
    workspace: ${JSON.stringify(git.repoDir)}
    repo: acme/widgets
    webhook: { secret: $GH_WEBHOOK_SECRET }
`,
    );
    const d = await start(home.home);

    const triggers = (await (await d.api('/triggers')).json()) as {
      triggers: Array<Record<string, unknown>>;
    };
    expect(triggers.triggers).toEqual([
      expect.objectContaining({ id: 'gh-feature', pipeline: 'feature', workflowId: null }),
      expect.objectContaining({ id: 'gh-typo', pipeline: 'featur', workflowId: null }),
    ]);
    // An unknown pipeline kind is refused like an unknown workflow: 422 at its path, no task.
    const typo = await post(d, 'delivery-0', 'gh-typo');
    expect(typo.status).toBe(422);
    expect(typo.body).toMatchObject({
      code: 'TRIGGER_NOT_RUNNABLE',
      details: {
        issues: [
          expect.objectContaining({
            path: 'triggers[1].pipeline',
            message: "no pipeline kind 'featur' (this daemon runs: feature)",
          }),
        ],
      },
    });

    const first = await post(d, 'delivery-1');
    expect(first.status).toBe(202);
    const taskId = String(first.body.taskId);
    // The same delivery replayed, then the same issue delivered again: no second task.
    expect((await post(d, 'delivery-1')).status).toBe(200);
    const again = await post(d, 'delivery-2');
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', taskId } });

    const title = String((readWebhookExample(42).issue as { title: unknown }).title);
    const goal = `Build issue #42: ${title}`;
    const listed = await waitFor('the pipeline of the webhook', async () => {
      const r = (await (await d.api('/pipelines')).json()) as { pipelines: Summary[] };
      return r.pipelines.length > 0 ? r.pipelines : undefined;
    });
    expect(listed).toEqual([expect.objectContaining({ kind: 'feature', goal })]);
    const pipelineId = listed[0]?.pipelineId ?? '';

    const detail = await waitFor('the classify child', async () => {
      const r = (await (await d.api(`/pipelines/${pipelineId}`)).json()) as Detail;
      return r.children.some((c) => c.key === 'classify') ? r : undefined;
    });
    expect(detail.children[0]).toMatchObject({ key: 'classify', workflowId: 'wr.classify-task' });

    // The trigger's task ran no session of its own: it started the pipeline and succeeded.
    await waitFor('the trigger task to succeed', async () => {
      const q = (await (await d.api('/queue?state=succeeded')).json()) as { tasks: Array<{ id: string }> };
      return q.tasks.some((t) => t.id === taskId) ? true : undefined;
    });
    const sessions = (await (await d.api('/sessions')).json()) as {
      sessions: Array<{ sessionId: string; taskId: string | null }>;
    };
    expect(sessions.sessions.filter((s) => s.taskId === taskId)).toEqual([]);
    const after = (await (await d.api('/pipelines')).json()) as { pipelines: Summary[] };
    expect(after.pipelines.map((p) => p.pipelineId)).toEqual([pipelineId]);
  }, 180_000);
});
