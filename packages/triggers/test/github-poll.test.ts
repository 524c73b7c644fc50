import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createRequire } from 'node:module';
import { type FakeGitHub, startFakeGitHub } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerScheduler } from '../src/index.js';
import { githubRequest, type Harness, harness, loadConfig, SECRET } from './helpers.js';

let gh: FakeGitHub | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await gh?.close();
  h = undefined;
  gh = undefined;
});

const pollYaml = (url: string, extra = '') => `
triggers:
  - id: gh-poll
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: /w
    apiBaseUrl: ${url}
    token: $GITHUB_TOKEN
    poll:
      intervalSeconds: 60
      issues: { labels: ["worktrain:ready"] }${extra}
  - id: gh-ready
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: /w
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
`;

async function setup(extra = '', fetchImpl?: typeof fetch, tokens?: Record<string, string>) {
  gh = await startFakeGitHub(tokens ? { tokens } : {});
  gh.state.addRepo({ owner: 'octo-org', name: 'octo-repo' });
  gh.state.addIssue('octo-org', 'octo-repo', {
    title: 'Spelling error in the README file',
    labels: ['worktrain:ready'],
    body: 'Fix it',
  });
  gh.state.addIssue('octo-org', 'octo-repo', { title: 'Not ready yet', labels: ['bug'] });
  h = await harness(pollYaml(gh.url, extra), { GITHUB_TOKEN: 'tok', GITHUB_WEBHOOK_SECRET: SECRET });
  const scheduler = new TriggerScheduler({
    router: h.router,
    store: h.store,
    clock: h.clock,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  return { gh, h, scheduler };
}

const sources = async (x: Harness) =>
  (await x.queue.list())._unsafeUnwrap().map((t) => (t.payload as { sourceId: string }).sourceId);

describe('github polling against the fake GitHub (OpenAPI-checked)', () => {
  it('polls issues by label, enqueues the labelled one, and stays within the spec', async () => {
    const { gh, h, scheduler } = await setup();
    const r = await scheduler.runOnce('gh-poll');
    expect(r.error).toBeNull();
    expect(await sources(h)).toEqual(['github:octo-org/octo-repo#issue/1']);
    expect(gh.state.requests[0]?.operationId).toBe('issues/list-for-repo');
    expect(gh.state.requests[0]?.url).toContain('labels=worktrain%3Aready');
    expect(gh.state.specViolations).toEqual([]);
  });

  it('sends the stored ETag and gets 304 with no new task on an unchanged second poll', async () => {
    const { gh, h, scheduler } = await setup();
    await scheduler.runOnce('gh-poll');
    const r = await scheduler.runOnce('gh-poll');
    expect(r.outcomes).toEqual([]);
    expect(gh.state.requests.map((q) => q.status)).toEqual([200, 304]);
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().etags.issues).toMatch(/^W\//);
  });

  it('a webhook and a fallback poll of the same issue within a minute make one task', async () => {
    const { h, scheduler } = await setup();
    const examples: Array<{ name: string; examples: Array<Record<string, unknown>> }> = createRequire(
      import.meta.url,
    )('@octokit/webhooks-examples/api.github.com/index.json');
    const base =
      examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'labeled') ?? {};
    const payload = {
      ...base,
      label: { name: 'worktrain:ready' },
      repository: { ...(base.repository as object), full_name: 'octo-org/octo-repo' },
    };
    const hook = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', payload, SECRET, 'delivery-x'))
      ._unsafeUnwrap();
    expect(hook.status).toBe('enqueued');
    h.clock.advance(30_000);
    const polled = await scheduler.runOnce('gh-poll');
    expect(polled.outcomes.map((o) => o.status)).toEqual(['duplicate']);
    expect(await sources(h)).toEqual(['github:octo-org/octo-repo#issue/1']);
  });

  it('backs off exponentially on 5xx and network errors, then recovers', async () => {
    let failures = 2;
    const flaky: typeof fetch = (input, init) => {
      if (failures > 0) {
        failures--;
        return Promise.resolve(new Response('oops', { status: 503 }));
      }
      return fetch(input, init);
    };
    const { h, scheduler } = await setup('', flaky);
    const t0 = h.clock.now();
    const a = await scheduler.runOnce('gh-poll');
    expect(a.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(a.nextRunAt).toBe(t0 + 60_000);
    const b = await scheduler.runOnce('gh-poll');
    expect(b.nextRunAt).toBe(t0 + 120_000);
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().failures).toBe(2);
    const c = await scheduler.runOnce('gh-poll');
    expect(c.error).toBeNull();
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().failures).toBe(0);
    expect(
      h.store
        .listEvents({ triggerId: 'gh-poll' })
        ._unsafeUnwrap()
        .filter((e) => e.kind === 'poll_error'),
    ).toHaveLength(2);
  });

  it('disables the trigger on 401 with a clear error and stops calling GitHub', async () => {
    const { gh, h, scheduler } = await setup('', undefined, { other: 'someone' });
    const r = await scheduler.runOnce('gh-poll');
    expect(r.error?.code).toBe('UPSTREAM_AUTH');
    expect(r.error?.message).toContain('401');
    expect(r.nextRunAt).toBeNull();
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().disabledReason).toContain('token');
    const calls = gh.state.requests.length;
    expect((await scheduler.runOnce('gh-poll')).error?.code).toBe('UPSTREAM_AUTH');
    expect(gh.state.requests.length).toBe(calls);
  });

  it('re-enables a disabled poller when its config changes (a rotated token)', async () => {
    const { gh, h, scheduler } = await setup('', undefined, { good: 'octocat' });
    expect((await scheduler.runOnce('gh-poll')).error?.code).toBe('UPSTREAM_AUTH');
    h.router.setConfig(
      await loadConfig(pollYaml(gh.url), { GITHUB_TOKEN: 'good', GITHUB_WEBHOOK_SECRET: SECRET }, h.dir),
    );
    const r = await scheduler.runOnce('gh-poll');
    expect(r.error).toBeNull();
    expect(await sources(h)).toEqual(['github:octo-org/octo-repo#issue/1']);
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().disabledReason).toBeNull();
  });

  it('treats an exhausted rate limit as a back-off, not an auth failure', async () => {
    const { gh, h, scheduler } = await setup();
    gh.state.rateLimitRemaining = 0;
    const r = await scheduler.runOnce('gh-poll');
    expect(r.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().disabledReason).toBeNull();
  });

  it('waits out a secondary rate limit (403 + Retry-After) and disables on a plain 403', async () => {
    const { gh, h, scheduler } = await setup();
    gh.state.injectFault({ operationId: 'issues/list-for-repo', status: 403, retryAfterSeconds: 600 });
    const limited = await scheduler.runOnce('gh-poll');
    expect(limited.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(limited.nextRunAt).toBe(h.clock.now() + 600_000);
    gh.state.injectFault({
      operationId: 'issues/list-for-repo',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const forbidden = await scheduler.runOnce('gh-poll');
    expect(forbidden.error?.code).toBe('UPSTREAM_AUTH');
    expect(forbidden.error?.message).toContain('Resource not accessible by integration');
    expect(h.store.getPollState('gh-poll')._unsafeUnwrap().disabledReason).toContain('403');
  });

  it('polls pull requests whose review is requested from a login (pulls/list, within the spec)', async () => {
    const { gh, h, scheduler } = await setup('\n      pulls: { reviewRequested: worktrain-bot }');
    const repo = gh.state.repo('octo-org', 'octo-repo');
    if (repo === undefined) throw new Error('no repo');
    const pull = (title: string, head: string, reviewers: string[]) =>
      gh.state.addPull(repo, {
        title,
        body: null,
        state: 'open',
        assignees: [],
        author: 'octocat',
        pull: {
          head,
          headOwner: 'octo-org',
          base: 'main',
          draft: false,
          merged: false,
          headSha: 'a'.repeat(40),
          requestedReviewers: reviewers,
        },
      });
    pull('Review me', 'feature-a', ['worktrain-bot']);
    pull('Someone else', 'feature-b', ['hubot']);
    const r = await scheduler.runOnce('gh-poll');
    expect(r.error).toBeNull();
    expect(gh.state.requests.map((q) => q.operationId)).toEqual(['issues/list-for-repo', 'pulls/list']);
    expect(gh.state.specViolations).toEqual([]);
    expect(
      r.outcomes.filter((o) => o.event === 'pull_request.polled').map((o) => o.candidate?.title),
    ).toEqual(['Review me']);
    expect(await sources(h)).toContain('github:octo-org/octo-repo#pull/3');
  });

  it('gives a polled merged pull request the metadata of the webhook (merged, state, head branch)', async () => {
    const { gh, scheduler } = await setup('\n      pulls: { state: closed }');
    const repo = gh.state.repo('octo-org', 'octo-repo');
    if (repo === undefined) throw new Error('no repo');
    gh.state.addPull(repo, {
      title: 'Fix the spelling',
      body: null,
      state: 'closed',
      assignees: [],
      author: 'worktrain-bot',
      pull: {
        head: 'worktrain/sess_abc123',
        headOwner: 'octo-org',
        base: 'main',
        draft: false,
        merged: true,
        headSha: 'b'.repeat(40),
      },
    });
    const r = await scheduler.runOnce('gh-poll');
    expect(r.error).toBeNull();
    expect(gh.state.specViolations).toEqual([]);
    const polled = r.outcomes.find((o) => o.event === 'pull_request.polled');
    expect(polled?.candidate?.metadata).toMatchObject({
      repo: 'octo-org/octo-repo',
      kind: 'pull_request',
      state: 'closed',
      merged: true,
      headRef: 'worktrain/sess_abc123',
      baseRef: 'main',
    });
  });

  it('polls a search query', async () => {
    const { gh, h, scheduler } = await setup('\n      search: "repo:octo-org/octo-repo is:issue label:bug"');
    await scheduler.runOnce('gh-poll');
    expect(gh.state.requests.map((q) => q.operationId)).toEqual([
      'issues/list-for-repo',
      'search/issues-and-pull-requests',
    ]);
    expect(gh.state.specViolations).toEqual([]);
    expect((await sources(h)).sort()).toEqual([
      'github:octo-org/octo-repo#issue/1',
      'github:octo-org/octo-repo#issue/2',
    ]);
  });

  it('a hanging poller never blocks the others (independent loops)', async () => {
    // The search endpoint never answers (until the scheduler aborts it on stop, as fetch honours signals).
    const hanging: typeof fetch = (input, init) =>
      String(input).includes('/search/')
        ? new Promise<Response>((_, reject) =>
            init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
          )
        : fetch(input, init);
    gh = await startFakeGitHub();
    gh.state.addRepo({ owner: 'octo-org', name: 'octo-repo' });
    gh.state.addIssue('octo-org', 'octo-repo', { title: 'Ready', labels: ['worktrain:ready'] });
    h = await harness(
      `triggers:
  - { id: slow, provider: github, workflowId: w2, workspace: /w, apiBaseUrl: "${gh.url}", token: t, poll: { search: "is:issue" } }
  - { id: fast, provider: github, repo: octo-org/octo-repo, workflowId: w, workspace: /w, apiBaseUrl: "${gh.url}", token: t, poll: { issues: { labels: ["worktrain:ready"] } } }
`,
    );
    const scheduler = new TriggerScheduler({ router: h.router, store: h.store, fetch: hanging });
    scheduler.start();
    const deadline = Date.now() + 10_000;
    while ((await sources(h)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await scheduler.stop();
    expect(await sources(h)).toEqual(['github:octo-org/octo-repo#issue/1']);
  });
});
