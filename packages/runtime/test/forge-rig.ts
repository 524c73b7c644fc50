/**
 * A daemon home wired to the fake GitLab and the fake Jira (and the fake GitHub): a real git repository with
 * a bare origin (holding GitLab's default MR template), `forge.gitlab`, `forge.github` and `jira` in
 * config.yaml with the tokens in `.env`, and webhook triggers for GitLab issues and Jira tickets. The
 * webhook payloads are real ones (go-gitlab testdata, a Jira Server webhook), re-targeted to the doubles.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createGitFixture,
  type FakeGitHub,
  type FakeGitLab,
  type FakeJira,
  type GitFixture,
  githubWebhookRequest,
  startFakeGitHub,
  startFakeGitLab,
  startFakeJira,
} from '@worktrain/testkit';
import { expect } from 'vitest';
import {
  BUGGY_ADD,
  type Daemon,
  fixturesDir,
  type Home,
  makeHome,
  startDaemon,
  WEBHOOK_SECRET,
} from './helpers.js';
import { cleanups } from './rig.js';

export const GITLAB_TOKEN = 'glpat-runtimeE2eTokenOnly000';
export const GITLAB_WEBHOOK_TOKEN = 'gitlab-hook-token-123';
export const JIRA_EMAIL = 'bot@acme.example';
export const JIRA_TOKEN = 'jira-api-token-e2e-only';
export const JIRA_WEBHOOK_SECRET = 'jira-hook-secret-123';
export const PROJECT = 'acme/widgets';

export const MR_TEMPLATE = [
  '## What does this MR do?',
  '',
  '## How to test',
  '',
  '## Related issues',
  '',
].join('\n');

export interface ForgeRig {
  readonly git: GitFixture;
  readonly gitlab: FakeGitLab;
  readonly jira: FakeJira;
  readonly github: FakeGitHub;
  readonly home: Home;
  readonly glIssueIid: number;
  readonly jiraKey: string;
}

/**
 * Builds the rig. `jiraProjects` is the `jira.projects` YAML flow map; `onOpened` the Jira status asked
 * for when the PR/MR opens.
 */
export async function forgeRig(options: {
  readonly turns: Parameters<typeof makeHome>[0]['turns'];
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  readonly jiraProjects?: string;
  readonly onOpened?: string;
}): Promise<ForgeRig> {
  const git = await createGitFixture({
    files: {
      'src/add.js': BUGGY_ADD,
      'README.md': '# widgets\n',
      '.gitlab/merge_request_templates/Default.md': MR_TEMPLATE,
    },
  });
  cleanups.push(() => git.cleanup());
  const gitlab = await startFakeGitLab({
    tokens: { [GITLAB_TOKEN]: 'worktrain-bot' },
    pathPrefix: '/gitlab',
  });
  cleanups.push(() => gitlab.close());
  const project = gitlab.state.addProject(PROJECT);
  const issue = gitlab.state.addIssue(project, { title: 'add() subtracts', labels: ['bug'] });
  const jira = await startFakeJira({ users: { [JIRA_EMAIL]: JIRA_TOKEN } });
  cleanups.push(() => jira.close());
  const ticket = jira.state.addIssue({ projectKey: 'WT', summary: 'add() subtracts' });
  const github = await startFakeGitHub();
  cleanups.push(() => github.close());
  github.state.addRepo({ owner: 'acme', name: 'widgets', originDir: git.originDir });

  const home = makeHome({ turns: options.turns, leaseMs: options.leaseMs ?? 3000 });
  cleanups.push(() => home.cleanup());
  const config = [
    'port: 0',
    'maxConcurrentSessions: 2',
    'model: { provider: scripted, script: model-script.json }',
    `workflowDirs: [${JSON.stringify(join(home.root, 'workflows'))}]`,
    `queue: { leaseMs: ${options.leaseMs ?? 3000}, sweepIntervalMs: 500, maxAttempts: ${options.maxAttempts ?? 5} }`,
    'drainTimeoutMs: 5000',
    'forge:',
    `  gitlab: { baseUrl: ${JSON.stringify(gitlab.url)}, token: $GITLAB_TOKEN, labels: [worktrain] }`,
    `  github: { token: $GITHUB_TOKEN, apiBaseUrl: ${JSON.stringify(github.url)} }`,
    'jira:',
    `  baseUrl: ${JSON.stringify(jira.url)}`,
    `  email: ${JIRA_EMAIL}`,
    '  apiToken: $JIRA_API_TOKEN',
    `  transitions: { onOpened: ${JSON.stringify(options.onOpened ?? 'In Review')} }`,
    `  projects: ${options.jiraProjects ?? `{ WT: { forge: gitlab, project: ${PROJECT} } }`}`,
  ];
  writeFileSync(join(home.home, 'config.yaml'), `${config.join('\n')}\n`);
  writeFileSync(
    join(home.home, '.env'),
    [
      `GITLAB_TOKEN=${GITLAB_TOKEN}`,
      `JIRA_API_TOKEN=${JIRA_TOKEN}`,
      'GITHUB_TOKEN=ghp_testtoken',
      `GH_WEBHOOK_SECRET=${WEBHOOK_SECRET}`,
      `GL_WEBHOOK_TOKEN=${GITLAB_WEBHOOK_TOKEN}`,
      `JIRA_WEBHOOK_SECRET=${JIRA_WEBHOOK_SECRET}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(
    join(home.home, 'triggers.yaml'),
    `triggers:
  - id: gl-issues
    provider: gitlab
    project: ${PROJECT}
    workflowId: test.daemon-fix
    workspace: ${JSON.stringify(git.repoDir)}
    events: [issue.open]
    goalTemplate: "Fix GitLab issue #{{$.object_attributes.iid}}: {{$.object_attributes.title}}"
    webhook: { token: $GL_WEBHOOK_TOKEN }
  - id: gl-merges
    provider: gitlab
    project: ${PROJECT}
    workflowId: test.daemon-fix
    workspace: ${JSON.stringify(git.repoDir)}
    events: [merge_request.merge]
    webhook: { token: $GL_WEBHOOK_TOKEN }
  - id: gh-merges
    provider: github
    repo: acme/widgets
    workflowId: test.daemon-fix
    workspace: ${JSON.stringify(git.repoDir)}
    events: [pull_request.closed]
    webhook: { secret: $GH_WEBHOOK_SECRET }
  - id: jira-tickets
    provider: jira
    baseUrl: ${JSON.stringify(jira.url)}
    workflowId: test.daemon-fix
    workspace: ${JSON.stringify(git.repoDir)}
    events: [jira:issue_created]
    goalTemplate: "Fix {{$.issue.key}}: {{$.issue.fields.summary}}"
    webhook: { secret: $JIRA_WEBHOOK_SECRET }
`,
  );
  return { git, gitlab, jira, github, home, glIssueIid: issue.iid, jiraKey: ticket.key };
}

/** Starts the daemon of the rig (webhook secrets reach triggers.yaml through the home's `.env`). */
export async function daemonOf(r: ForgeRig): Promise<Daemon> {
  const d = await startDaemon(r.home.home);
  cleanups.push(async () => {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  });
  return d;
}

const thirdParty = join(fixturesDir, 'third-party');

/** go-gitlab's `Issue Hook` payload (an `open` action), re-targeted to `acme/widgets` issue `iid`. */
export function gitlabIssueHook(iid: number): Record<string, unknown> {
  const payload = JSON.parse(readFileSync(join(thirdParty, 'go-gitlab/webhooks/issue.json'), 'utf8')) as {
    project: Record<string, unknown>;
    object_attributes: Record<string, unknown>;
  };
  payload.project = { ...payload.project, path_with_namespace: PROJECT };
  payload.object_attributes = {
    ...payload.object_attributes,
    iid,
    title: 'add() subtracts',
    action: 'open',
  };
  return payload;
}

/** POSTs the GitLab `Issue Hook` with its `X-Gitlab-Token`; resolves with the task id. */
export async function sendGitLabIssueHook(d: Daemon, iid: number): Promise<string> {
  const res = await fetch(`${d.url}/webhooks/gl-issues`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Issue Hook',
      'x-gitlab-token': GITLAB_WEBHOOK_TOKEN,
    },
    body: JSON.stringify(gitlabIssueHook(iid)),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { taskId: string }).taskId;
}

/**
 * POSTs go-gitlab's `Merge Request Hook`, re-targeted to `acme/widgets` MR `iid` from `sourceBranch`, as
 * GitLab sends it when the MR is merged (`action: merge`, `state: merged`); resolves with the task id.
 */
export async function sendGitLabMergeHook(
  d: Daemon,
  mr: { readonly iid: number; readonly sourceBranch: string; readonly url: string },
): Promise<string> {
  const payload = JSON.parse(
    readFileSync(join(thirdParty, 'go-gitlab/webhooks/merge_request.json'), 'utf8'),
  ) as { project: Record<string, unknown>; object_attributes: Record<string, unknown> };
  payload.project = { ...payload.project, path_with_namespace: PROJECT };
  payload.object_attributes = {
    ...payload.object_attributes,
    iid: mr.iid,
    source_branch: mr.sourceBranch,
    target_branch: 'main',
    url: mr.url,
    state: 'merged',
    action: 'merge',
  };
  const res = await fetch(`${d.url}/webhooks/gl-merges`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Merge Request Hook',
      'x-gitlab-token': GITLAB_WEBHOOK_TOKEN,
    },
    body: JSON.stringify(payload),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { taskId: string }).taskId;
}

/** A Jira Server `jira:issue_created` webhook, re-targeted to ticket `key` of the fake Jira. */
export function jiraIssueCreated(jiraUrl: string, key: string): Record<string, unknown> {
  const payload = JSON.parse(readFileSync(join(thirdParty, 'jira-webhooks/issue/created.json'), 'utf8')) as {
    issue: { fields: Record<string, unknown> } & Record<string, unknown>;
  };
  const project = { ...(payload.issue.fields.project as Record<string, unknown>), key: 'WT' };
  payload.issue = {
    ...payload.issue,
    key,
    self: `${jiraUrl}/rest/api/2/issue/10001`,
    fields: { ...payload.issue.fields, summary: 'add() subtracts', project },
  };
  return payload;
}

/** POSTs the Jira webhook signed like Cloud admin webhooks (`X-Hub-Signature: sha256=<hex>`). */
export async function sendJiraWebhook(d: Daemon, jiraUrl: string, key: string): Promise<string> {
  const body = JSON.stringify(jiraIssueCreated(jiraUrl, key));
  const signature = `sha256=${createHmac('sha256', JIRA_WEBHOOK_SECRET).update(body).digest('hex')}`;
  const res = await fetch(`${d.url}/webhooks/jira-tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
    body,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { taskId: string }).taskId;
}

/**
 * POSTs @octokit/webhooks-examples' `pull_request` / `closed` payload, re-targeted to `acme/widgets` pull
 * `number` from `headRef` and marked merged (`merged: true`, `merged_at`) as GitHub sends it when a person
 * merges the pull request; signed with the test webhook secret. Resolves with the task id.
 */
export async function sendGitHubMergedPull(
  d: Daemon,
  pull: { readonly number: number; readonly headRef: string; readonly url: string },
): Promise<string> {
  const payload = JSON.parse(
    readFileSync(join(thirdParty, 'octokit-webhooks-examples/pull_request.closed.json'), 'utf8'),
  ) as { repository: Record<string, unknown>; pull_request: Record<string, unknown> };
  payload.repository = {
    ...payload.repository,
    name: 'widgets',
    full_name: 'acme/widgets',
    owner: { ...(payload.repository.owner as Record<string, unknown>), login: 'acme' },
  };
  payload.pull_request = {
    ...payload.pull_request,
    number: pull.number,
    html_url: pull.url,
    merged: true,
    merged_at: '2026-11-25T12:00:00Z',
    head: { ...(payload.pull_request.head as Record<string, unknown>), ref: pull.headRef },
    base: { ...(payload.pull_request.base as Record<string, unknown>), ref: 'main' },
  };
  const req = githubWebhookRequest('pull_request', payload, WEBHOOK_SECRET);
  const res = await fetch(`${d.url}/webhooks/gh-merges`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { taskId: string }).taskId;
}
