import { statSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, githubSpecValidator, startFakeGitHub } from '../src/index.js';

let gh: FakeGitHub;
let octokit: Octokit;
const repo = { owner: 'acme', repo: 'widgets' };

beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { 'ghp-good': 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', branches: { 'worktrain/s1': 'a'.repeat(40) } });
  octokit = new Octokit({
    auth: 'ghp-good',
    baseUrl: gh.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
});
afterEach(async () => {
  // Every exchange in these tests must match GitHub's OpenAPI description unless a test says otherwise.
  expect(gh.state.specViolations).toEqual([]);
  await gh.close();
});

function statusOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as { status?: number }).status,
  );
}

describe('repositories and auth', () => {
  it('returns the repository with its default branch, and 404 for an unknown one', async () => {
    const { data } = await octokit.rest.repos.get(repo);
    expect(data.default_branch).toBe('main');
    expect(data.full_name).toBe('acme/widgets');
    expect(await statusOf(octokit.rest.repos.get({ owner: 'acme', repo: 'nope' }))).toBe(404);
  });

  it('requires a token: 401 without one, 401 "Bad credentials" for an unknown one', async () => {
    const anonymous = await fetch(`${gh.url}/repos/acme/widgets`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ message: 'Requires authentication' });
    const wrong = await fetch(`${gh.url}/repos/acme/widgets`, { headers: { authorization: 'token nope' } });
    expect(await wrong.json()).toMatchObject({ message: 'Bad credentials' });
    for (const scheme of ['token', 'Bearer']) {
      const ok = await fetch(`${gh.url}/repos/acme/widgets`, {
        headers: { authorization: `${scheme} ghp-good` },
      });
      expect(ok.status).toBe(200);
    }
    expect(gh.state.requests.map((request) => request.login)).toEqual([
      undefined,
      undefined,
      'worktrain-bot',
      'worktrain-bot',
    ]);
  });

  it('sends rate-limit headers, and 403 once the limit is used up', async () => {
    const first = await octokit.rest.repos.get(repo);
    expect(first.headers['x-ratelimit-limit']).toBe('5000');
    expect(first.headers['x-ratelimit-remaining']).toBe('4999');
    gh.state.rateLimitRemaining = 0;
    const response = await fetch(`${gh.url}/repos/acme/widgets`, {
      headers: { authorization: 'token ghp-good' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await response.json()) as { message: string }).message).toMatch(/API rate limit exceeded/);
  });
});

describe('injected clock', () => {
  it('stamps timestamps from the given clock, without milliseconds like GitHub', async () => {
    const clocked = await startFakeGitHub({ now: () => new Date('2026-01-02T03:04:05.678Z') });
    try {
      clocked.state.addRepo({ owner: 'acme', name: 'widgets' });
      const client = new Octokit({ auth: 'x', baseUrl: clocked.url });
      const { data, headers } = await client.rest.issues.create({ ...repo, title: 'T' });
      expect(data.created_at).toBe('2026-01-02T03:04:05Z');
      expect(headers['x-ratelimit-reset']).toBe(String(Date.parse('2026-01-02T04:04:05Z') / 1000));
      expect(clocked.state.specViolations).toEqual([]);
    } finally {
      await clocked.close();
    }
  });
});

describe('issues, comments and labels', () => {
  it('creates, reads, updates and lists issues with label and state filters', async () => {
    const created = await octokit.rest.issues.create({
      ...repo,
      title: 'Crash on start',
      body: 'Steps…',
      labels: ['bug', 'worktrain'],
    });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('worktrain-bot');
    gh.state.addIssue('acme', 'widgets', { title: 'Other', labels: ['docs'] });
    const labelled = await octokit.rest.issues.listForRepo({ ...repo, labels: 'worktrain' });
    expect(labelled.data.map((issue) => issue.title)).toEqual(['Crash on start']);
    await octokit.rest.issues.update({
      ...repo,
      issue_number: created.data.number,
      state: 'closed',
      state_reason: 'completed',
    });
    const open = await octokit.rest.issues.listForRepo(repo);
    expect(open.data.map((issue) => issue.title)).toEqual(['Other']);
    const fetched = await octokit.rest.issues.get({ ...repo, issue_number: created.data.number });
    expect(fetched.data).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(fetched.data.closed_at).not.toBeNull();
  });

  it('adds and lists comments, adds labels and removes them (404 for a label not on the issue)', async () => {
    const issue = gh.state.addIssue('acme', 'widgets', { title: 'T' });
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: issue.number,
      body: 'WorkTrain opened a PR',
    });
    const comments = await octokit.rest.issues.listComments({ ...repo, issue_number: issue.number });
    expect(comments.data.map((comment) => comment.body)).toEqual(['WorkTrain opened a PR']);
    const added = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: issue.number,
      labels: ['in-progress', 'bot'],
    });
    expect(added.data.map((label) => label.name)).toEqual(['in-progress', 'bot']);
    const left = await octokit.rest.issues.removeLabel({
      ...repo,
      issue_number: issue.number,
      name: 'in-progress',
    });
    expect(left.data.map((label) => label.name)).toEqual(['bot']);
    expect(
      await statusOf(
        octokit.rest.issues.removeLabel({ ...repo, issue_number: issue.number, name: 'in-progress' }),
      ),
    ).toBe(404);
    expect(gh.state.issues('acme', 'widgets')[0]?.comments).toHaveLength(1);
  });

  it('paginates with Link headers that octokit.paginate follows', async () => {
    for (let n = 1; n <= 35; n += 1) gh.state.addIssue('acme', 'widgets', { title: `issue ${n}` });
    const page = await octokit.rest.issues.listForRepo({ ...repo, per_page: 10, page: 2 });
    expect(page.data).toHaveLength(10);
    expect(page.headers.link).toContain('rel="next"');
    expect(page.headers.link).toContain('page=4');
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, per_page: 10 });
    expect(all).toHaveLength(35);
    expect(new Set(all.map((issue) => issue.number)).size).toBe(35);
  });

  it('answers 304 to If-None-Match with the current ETag, without using rate limit', async () => {
    gh.state.addIssue('acme', 'widgets', { title: 'T' });
    const headers = { authorization: 'token ghp-good' };
    const first = await fetch(`${gh.url}/repos/acme/widgets/issues`, { headers });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const remaining = gh.state.rateLimitRemaining;
    const second = await fetch(`${gh.url}/repos/acme/widgets/issues`, {
      headers: { ...headers, 'if-none-match': etag },
    });
    expect(second.status).toBe(304);
    expect(gh.state.rateLimitRemaining).toBe(remaining);
    gh.state.addIssue('acme', 'widgets', { title: 'U' });
    const third = await fetch(`${gh.url}/repos/acme/widgets/issues`, {
      headers: { ...headers, 'if-none-match': etag },
    });
    expect(third.status).toBe(200);
  });

  it('searches issues by repo, type, state, label and text', async () => {
    gh.state.addIssue('acme', 'widgets', { title: 'Login fails', labels: ['worktrain'] });
    gh.state.addIssue('acme', 'widgets', { title: 'Logout fails', labels: ['other'] });
    gh.state.addIssue('acme', 'widgets', { title: 'Login slow', labels: ['worktrain'], state: 'closed' });
    const { data } = await octokit.rest.search.issuesAndPullRequests({
      q: 'repo:acme/widgets is:issue is:open label:worktrain login',
    });
    expect(data.total_count).toBe(1);
    expect(data.items[0]?.title).toBe('Login fails');
  });
});

describe('injected faults', () => {
  it('fails the next matching request without changing state, then recovers', async () => {
    gh.state.injectFault({ operationId: 'pulls/create', status: 502, times: 2 });
    const attempt = () =>
      octokit.rest.pulls.create({ ...repo, title: 'Fix', head: 'worktrain/s1', base: 'main' });
    expect(await statusOf(octokit.rest.repos.get(repo))).toBe('resolved');
    expect(await statusOf(attempt())).toBe(502);
    expect(await statusOf(attempt())).toBe(502);
    expect(gh.state.pulls('acme', 'widgets')).toHaveLength(0);
    expect((await attempt()).status).toBe(201);
  });

  it('answers a secondary rate limit with retry-after', async () => {
    gh.state.injectFault({ status: 403, retryAfterSeconds: 60 });
    const response = await fetch(`${gh.url}/repos/acme/widgets/issues`, {
      headers: { authorization: 'token ghp-good' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(((await response.json()) as { message: string }).message).toContain('secondary rate limit');
  });
});

describe('pull requests', () => {
  it("opens a PR, finds it by head, and refuses a second one with GitHub's 422 body", async () => {
    const created = await octokit.rest.pulls.create({
      ...repo,
      title: 'Fix crash',
      head: 'worktrain/s1',
      base: 'main',
      body: 'Fixes #1',
    });
    expect(created.status).toBe(201);
    expect(created.data.head).toMatchObject({
      ref: 'worktrain/s1',
      sha: 'a'.repeat(40),
      label: 'acme:worktrain/s1',
    });
    const found = await octokit.rest.pulls.list({ ...repo, head: 'acme:worktrain/s1', state: 'open' });
    expect(found.data.map((pull) => pull.number)).toEqual([created.data.number]);
    expect((await octokit.rest.pulls.list({ ...repo, head: 'acme:other', state: 'open' })).data).toEqual([]);

    const error = await octokit.rest.pulls
      .create({ ...repo, title: 'Again', head: 'worktrain/s1', base: 'main' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      status: 422,
      response: {
        data: {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: 'A pull request already exists for acme:worktrain/s1.',
            },
          ],
          documentation_url: expect.stringContaining('docs.github.com'),
        },
      },
    });
    expect(gh.state.pulls('acme', 'widgets')).toHaveLength(1);
  });

  it('updates and closes a PR; a closed PR no longer blocks a new one', async () => {
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      title: 'Fix',
      head: 'worktrain/s1',
      base: 'main',
    });
    const updated = await octokit.rest.pulls.update({
      ...repo,
      pull_number: data.number,
      body: 'Updated body',
      title: 'Fix v2',
    });
    expect(updated.data).toMatchObject({ body: 'Updated body', title: 'Fix v2' });
    await octokit.rest.pulls.update({ ...repo, pull_number: data.number, state: 'closed' });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: data.number })).data.state).toBe('closed');
    expect(
      (await octokit.rest.pulls.create({ ...repo, title: 'Fix', head: 'worktrain/s1', base: 'main' })).status,
    ).toBe(201);
    // PRs share the issue number space and show up in the issues list with a pull_request key.
    const issues = await octokit.rest.issues.listForRepo({ ...repo, state: 'all' });
    expect(issues.data.every((issue) => issue.pull_request !== undefined)).toBe(true);
  });

  it('refuses an unknown head or base branch with 422 invalid', async () => {
    const head = await octokit.rest.pulls
      .create({ ...repo, title: 'x', head: 'nope', base: 'main' })
      .catch((caught: unknown) => caught);
    expect(head).toMatchObject({
      status: 422,
      response: { data: { errors: [{ field: 'head', code: 'invalid' }] } },
    });
    const base = await octokit.rest.pulls
      .create({ ...repo, title: 'x', head: 'worktrain/s1', base: 'nope' })
      .catch((caught: unknown) => caught);
    expect(base).toMatchObject({
      status: 422,
      response: { data: { errors: [{ field: 'base', code: 'invalid' }] } },
    });
  });
});

describe("checked against GitHub's OpenAPI description", () => {
  it('answers 422 to a request body that breaks the description and records the violation', async () => {
    const response = await fetch(`${gh.url}/repos/acme/widgets/issues`, {
      method: 'POST',
      headers: { authorization: 'token ghp-good', 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'no title' }),
    });
    expect(response.status).toBe(422);
    expect(gh.state.specViolations.join('\n')).toContain("must have required property 'title'");
    gh.state.specViolations.length = 0;
  });

  it('rejects a response missing required fields (the check that makes drift fail loudly)', () => {
    const spec = githubSpecValidator();
    const operation = spec.operation('/repos/{owner}/{repo}/issues/{issue_number}', 'get');
    expect(operation?.operationId).toBe('issues/get');
    if (operation === undefined) return;
    expect(spec.validateResponse(operation, 200, { id: 1, number: 1, title: 'x' }).join('\n')).toContain(
      'must have required property',
    );
    expect(spec.validateResponse(operation, 418, {})).toEqual(['status 418 is not declared for issues/get']);
  });

  it('keeps the committed OpenAPI subset small', () => {
    const size = statSync(new URL('../fixtures/github-openapi-subset.json', import.meta.url)).size;
    expect(size).toBeLessThan(2 * 1024 * 1024);
  });
});
