/** A git repo + fake GitHub + daemon home for lifecycle tests; cleaned after each test. */
import {
  createGitFixture,
  type FakeGitHub,
  type GitFixture,
  githubWebhookRequest,
  startFakeGitHub,
} from '@worktrain/testkit';
import { afterEach, expect } from 'vitest';
import {
  BUGGY_ADD,
  type Daemon,
  type Home,
  makeHome,
  readWebhookExample,
  startDaemon,
  WEBHOOK_SECRET,
  waitFor,
} from './helpers.js';

export interface Rig {
  git: GitFixture;
  github: FakeGitHub;
  home: Home;
  issueNumber: number;
}

export const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export async function rig(turns: Parameters<typeof makeHome>[0]['turns'], leaseMs = 3000): Promise<Rig> {
  const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD, 'README.md': '# widgets\n' } });
  cleanups.push(() => git.cleanup());
  const github = await startFakeGitHub();
  cleanups.push(() => github.close());
  github.state.addRepo({ owner: 'acme', name: 'widgets', originDir: git.originDir });
  const issue = github.state.addIssue('acme', 'widgets', { title: 'add() subtracts', labels: ['bug'] });
  const home = makeHome({ turns, githubUrl: github.url, repoDir: git.repoDir, triggers: true, leaseMs });
  cleanups.push(() => home.cleanup());
  return { git, github, home, issueNumber: issue.number };
}

export async function daemonFor(r: Rig): Promise<Daemon> {
  const d = await startDaemon(r.home.home);
  cleanups.push(async () => {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  });
  return d;
}

export async function sendIssueWebhook(d: Daemon, issueNumber: number): Promise<string> {
  const req = githubWebhookRequest('issues', readWebhookExample(issueNumber), WEBHOOK_SECRET);
  const res = await fetch(`${d.url}/webhooks/gh-issues`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { taskId: string };
  return body.taskId;
}

export async function sessionOfTask(d: Daemon, taskId: string): Promise<string> {
  return waitFor('the session of the task', async () => {
    const r = (await (await d.api('/sessions')).json()) as {
      sessions: Array<{ sessionId: string; taskId: string | null }>;
    };
    return r.sessions.find((s) => s.taskId === taskId)?.sessionId;
  });
}

export async function taskState(d: Daemon, taskId: string): Promise<string | undefined> {
  const r = (await (await d.api('/queue')).json()) as { tasks: Array<{ id: string; state: string }> };
  return r.tasks.find((t) => t.id === taskId)?.state;
}
