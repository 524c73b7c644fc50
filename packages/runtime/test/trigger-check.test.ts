/**
 * The daemon's trigger check in a real daemon process: a webhook for a trigger that cannot run (unknown
 * workflow, missing workspace, origin without a default branch) is answered 422 with the reason and makes
 * no task; hot reload refuses such a triggers.yaml; a task for a missing workspace dead-letters at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture, type GitFixture, githubWebhookRequest } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUGGY_ADD,
  type Daemon,
  fixScript,
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

async function setup(): Promise<{ git: GitFixture; home: ReturnType<typeof makeHome> }> {
  const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
  cleanups.push(() => git.cleanup());
  const home = makeHome({ turns: fixScript(), repoDir: git.repoDir, triggers: true });
  cleanups.push(() => home.cleanup());
  return { git, home };
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

const trigger = (id: string, workflowId: string, workspace: string) =>
  `  - id: ${id}\n    provider: github\n    workflowId: ${workflowId}\n    workspace: ${JSON.stringify(workspace)}\n    events: [issues.labeled]\n    repo: acme/widgets\n    webhook: { secret: $GH_WEBHOOK_SECRET }\n`;

/** A clone whose origin is a bare repository nobody pushed to: a remote, but no default branch. */
function cloneOfEmptyOrigin(root: string): string {
  const origin = join(root, 'empty-origin.git');
  const clone = join(root, 'empty-clone');
  execFileSync('git', ['init', '--bare', '--quiet', origin]);
  mkdirSync(clone);
  execFileSync('git', ['init', '--quiet'], { cwd: clone });
  execFileSync('git', ['remote', 'add', 'origin', origin], { cwd: clone });
  return clone;
}

const logOf = (home: string) => readFileSync(join(home, 'logs', 'daemon.log'), 'utf8');

describe('the daemon checks that a trigger can run', () => {
  it('answers a webhook for a trigger that cannot run with 422 and the reason, and makes no task', async () => {
    const { git, home } = await setup();
    const empty = cloneOfEmptyOrigin(home.root);
    writeFileSync(
      join(home.home, 'triggers.yaml'),
      `triggers:\n${trigger('gh-unknown-workflow', 'no.such-workflow', git.repoDir)}${trigger('gh-missing-workspace', 'test.daemon-fix', join(home.root, 'nope'))}${trigger('gh-empty-origin', 'test.daemon-fix', empty)}`,
    );
    const d = await start(home.home);
    const expected = {
      'gh-unknown-workflow': {
        path: 'triggers[0].workflowId',
        message: "no workflow with id 'no.such-workflow'",
      },
      'gh-missing-workspace': { path: 'triggers[1].workspace', message: 'does not exist' },
      'gh-empty-origin': { path: 'triggers[2].workspace', message: 'origin has no default branch' },
    };
    for (const [id, problem] of Object.entries(expected)) {
      const req = githubWebhookRequest('issues', readWebhookExample(), WEBHOOK_SECRET, { deliveryId: id });
      const res = await fetch(`${d.url}/webhooks/${id}`, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
      });
      expect(res.status, id).toBe(422);
      const body = (await res.json()) as { code: string; message: string; details: { issues: unknown[] } };
      expect(body.code).toBe('TRIGGER_NOT_RUNNABLE');
      expect(body.message).toContain(`trigger "${id}" cannot run`);
      expect(body.details.issues).toEqual([
        expect.objectContaining({
          triggerId: id,
          path: problem.path,
          message: expect.stringContaining(problem.message),
        }),
      ]);
    }
    const queue = (await (await d.api('/queue')).json()) as { tasks: unknown[] };
    expect(queue.tasks).toEqual([]);
    // An unsigned webhook learns nothing about the trigger: the signature is checked first.
    const unsigned = await fetch(`${d.url}/webhooks/gh-missing-workspace`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issues' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    // The daemon said so when it started, too.
    await waitFor('the start-up warnings', () =>
      logOf(home.home).includes('trigger gh-empty-origin cannot run') ? true : undefined,
    );
  });

  it('refuses a hot reload whose trigger cannot run and keeps the previous triggers', async () => {
    const { home } = await setup();
    const d = await start(home.home);
    const file = join(home.home, 'triggers.yaml');
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}${trigger('gh-typo', 'test.daemon-fx', join(home.root, 'nope'))}`,
    );
    await waitFor('the refused reload', () =>
      logOf(home.home).includes('reload refused') ? true : undefined,
    );
    const refused = logOf(home.home)
      .split('\n')
      .find((l) => l.includes('reload refused'));
    expect(JSON.parse(refused ?? '{}')).toMatchObject({
      level: 40,
      code: 'TRIGGER_NOT_RUNNABLE',
      msg: expect.stringContaining("gh-typo: no workflow with id 'test.daemon-fx'"),
    });
    expect(refused).toContain('does not exist');
    const triggers = (await (await d.api('/triggers')).json()) as { triggers: Array<{ id: string }> };
    expect(triggers.triggers.map((t) => t.id)).toEqual(['gh-issues']);
  });

  it('dead-letters a task for a workspace that does not exist at once, as validation', async () => {
    const { home } = await setup();
    const d = await start(home.home);
    const res = await d.api('/dispatch', {
      method: 'POST',
      body: JSON.stringify({
        workflowId: 'test.daemon-fix',
        goal: 'Fix add()',
        workspace: join(home.root, 'gone'),
      }),
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { task: { id: string } }).task.id;
    const dead = await waitFor('the task to be dead-lettered', async () => {
      const r = (await (await d.api('/queue')).json()) as {
        tasks: Array<{
          id: string;
          state: string;
          attempt: number;
          lastError: { class: string; message: string } | null;
        }>;
      };
      const t = r.tasks.find((x) => x.id === taskId);
      return t?.state === 'dead' ? t : undefined;
    });
    // One attempt, not five: no retry creates the directory.
    expect(dead).toMatchObject({
      attempt: 1,
      lastError: { class: 'validation', message: expect.stringContaining('does not exist') },
    });
  });
});
