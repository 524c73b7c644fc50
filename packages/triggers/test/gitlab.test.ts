import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeGitLab, startFakeGitLab } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { gitlabProvider, TriggerScheduler, type WebhookRequest } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/third-party/gitlab/', import.meta.url));
const TOKEN = 'gitlab-hook-token';
const SIGNING = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const fixture = (dir: string, name: string): string => readFileSync(join(FIXTURES, dir, name), 'utf8');
const request = (
  raw: string,
  headers: Record<string, string> = {},
  receivedAt = Date.now(),
): WebhookRequest => ({
  headers: { 'x-gitlab-token': TOKEN, 'x-gitlab-event': 'Issue Hook', ...headers },
  rawBody: Buffer.from(raw),
  receivedAt,
});
const config = gitlabProvider.configSchema.parse({ webhook: { token: TOKEN, signingToken: SIGNING } });

describe('gitlab webhook parsing over the go-gitlab testdata payloads', () => {
  it('turns every webhook and system hook payload into a draft or a reason, never a crash', () => {
    let drafts = 0;
    let total = 0;
    for (const dir of ['webhooks', 'systemhooks']) {
      for (const name of readdirSync(join(FIXTURES, dir))) {
        total++;
        const parsed = gitlabProvider.webhook?.parse(request(fixture(dir, name)), config);
        expect(parsed?.isOk(), `${dir}/${name}`).toBe(true);
        const e = parsed?._unsafeUnwrap();
        if (e?.draft) drafts++;
        else expect(e?.reason, `${dir}/${name}`).toBeTruthy();
      }
    }
    expect(total).toBe(45);
    expect(drafts).toBeGreaterThanOrEqual(6);
  });

  it.each([
    ['issue.json', 'issue.open', 'gitlab:gitlabhq/gitlab-test#issue/23'],
    ['merge_request.json', 'merge_request.open', 'gitlab:gitlabhq/gitlab-test#merge_request/1'],
    ['note_issue.json', 'note.create', 'gitlab:gitlab-org/gitlab-test#issue/17'],
    ['note_merge_request.json', 'note.create', 'gitlab:gitlab-org/gitlab-test#merge_request/1'],
    ['pipeline.json', 'pipeline', 'gitlab:gitlab-org/gitlab-test#pipeline/31'],
  ])('%s → %s with source %s', (file, event, sourceId) => {
    const e = gitlabProvider.webhook?.parse(request(fixture('webhooks', file)), config)._unsafeUnwrap();
    expect(e?.event).toBe(event);
    expect(e?.draft?.sourceId).toBe(sourceId);
  });

  it('checks X-Gitlab-Token in constant time and rejects a wrong or missing one', () => {
    const raw = fixture('webhooks', 'issue.json');
    expect(gitlabProvider.webhook?.verify(request(raw), config).isOk()).toBe(true);
    expect(
      gitlabProvider.webhook?.verify(request(raw, { 'x-gitlab-token': 'nope' }), config)._unsafeUnwrapErr()
        .code,
    ).toBe('SIGNATURE_INVALID');
    const { 'x-gitlab-token': _t, ...bare } = request(raw).headers;
    expect(
      gitlabProvider.webhook?.verify({ ...request(raw), headers: bare }, config)._unsafeUnwrapErr().code,
    ).toBe('SIGNATURE_INVALID');
  });

  it('verifies the signed Standard Webhooks variant, rejecting bad signatures and stale timestamps', () => {
    const raw = fixture('webhooks', 'merge_request.json');
    const now = Date.UTC(2026, 10, 25, 12);
    const sign = (id: string, ts: number, body: string) =>
      `v1,${createHmac('sha256', Buffer.from(SIGNING.slice(6), 'base64'))
        .update(`${id}.${ts}.${body}`)
        .digest('base64')}`;
    const ts = now / 1000;
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,AAAA ${sign('msg_1', ts, raw)}`,
    };
    expect(gitlabProvider.webhook?.verify(request(raw, headers, now), config).isOk()).toBe(true);
    expect(
      gitlabProvider.webhook?.verify(request(`${raw} `, headers, now), config)._unsafeUnwrapErr().code,
    ).toBe('SIGNATURE_INVALID');
    const stale = {
      ...headers,
      'webhook-timestamp': String(ts - 600),
      'webhook-signature': sign('msg_1', ts - 600, raw),
    };
    expect(
      gitlabProvider.webhook?.verify(request(raw, stale, now), config)._unsafeUnwrapErr().message,
    ).toContain('tolerance');
    expect(gitlabProvider.webhook?.deliveryId?.(request(raw, headers, now), config)).toBe('msg_1');
  });
});

let fake: FakeGitLab | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

describe('gitlab polling through @gitbeaker/rest against the testkit FakeGitLab (self-managed prefix)', () => {
  const PROJECT = 'gitlab-org/gitlab-ee';
  const yaml = (
    url: string,
    poll = '{ intervalSeconds: 60, mergeRequests: { labels: ["database::review pending"] } }',
  ) => `
triggers:
  - id: gl-review
    provider: gitlab
    project: ${PROJECT}
    baseUrl: ${url}
    token: $GITLAB_TOKEN
    workflowId: wr.mr-review
    workspace: /w
    poll: ${poll}
`;
  async function start() {
    let now = Date.UTC(2026, 10, 25, 12);
    const gl = await startFakeGitLab({
      tokens: { 'glpat-secret': 'worktrain-bot' },
      pathPrefix: '/gitlab',
      now: () => new Date(now),
    });
    const project = gl.state.addProject(PROJECT);
    gl.state.addMergeRequest(project, {
      title: 'Add a partial index',
      sourceBranch: 'index',
      labels: ['database::review pending', 'backend'],
    });
    gl.state.addMergeRequest(project, { title: 'Docs typo', sourceBranch: 'docs', labels: ['docs'] });
    gl.state.addMergeRequest(project, {
      title: 'Drop a column',
      sourceBranch: 'drop',
      labels: ['database::review pending'],
      reviewers: ['dba'],
    });
    fake = gl;
    return { gl, project, tick: (ms: number) => (now += ms) };
  }

  it('polls merge requests by label with PRIVATE-TOKEN under the instance prefix, within the documented API', async () => {
    const { gl } = await start();
    h = await harness(yaml(gl.url), { GITLAB_TOKEN: 'glpat-secret' });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const r = await s.runOnce('gl-review');
    expect(r.error).toBeNull();
    expect(r.outcomes.map((o) => o.candidate?.sourceId).sort()).toEqual([
      `gitlab:${PROJECT}#merge_request/1`,
      `gitlab:${PROJECT}#merge_request/3`,
    ]);
    const first = new URL(gl.state.requests[0]?.url ?? '', 'http://x');
    expect(first.pathname).toBe('/gitlab/api/v4/projects/gitlab-org%2Fgitlab-ee/merge_requests');
    expect(first.searchParams.get('labels')).toBe('database::review pending');
    expect(first.searchParams.get('state')).toBe('opened');
    expect(gl.state.requests[0]?.username).toBe('worktrain-bot');
    expect(gl.state.schemaViolations).toEqual([]);
  });

  it('sends the newest updated_at back as updated_after, so an unchanged project yields no new task', async () => {
    const { gl, project, tick } = await start();
    h = await harness(yaml(gl.url), { GITLAB_TOKEN: 'glpat-secret' });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    await s.runOnce('gl-review');
    const cursor = h.store.getPollState('gl-review')._unsafeUnwrap().cursor as {
      since: Record<string, string>;
    };
    expect(cursor.since.merge_requests).toBe(new Date(Date.UTC(2026, 10, 25, 12)).toISOString());
    tick(60_000);
    const again = await s.runOnce('gl-review');
    expect(again.outcomes.every((o) => o.status === 'duplicate')).toBe(true);
    expect(new URL(gl.state.requests[1]?.url ?? '', 'http://x').searchParams.get('updated_after')).toBe(
      cursor.since.merge_requests,
    );
    tick(60_000);
    gl.state.addMergeRequest(project, {
      title: 'New one',
      sourceBranch: 'new',
      labels: ['database::review pending'],
    });
    const third = await s.runOnce('gl-review');
    expect(third.outcomes.filter((o) => o.status === 'enqueued').map((o) => o.candidate?.sourceId)).toEqual([
      `gitlab:${PROJECT}#merge_request/4`,
    ]);
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(3);
    expect(gl.state.schemaViolations).toEqual([]);
  });

  it('polls issues by assignee and merge requests by reviewer', async () => {
    const { gl, project } = await start();
    gl.state.addIssue(project, { title: 'Mine', assignees: ['ana'], labels: ['bug'] });
    gl.state.addIssue(project, { title: 'Not mine', assignees: ['bob'] });
    h = await harness(yaml(gl.url, '{ issues: { assignee: ana }, mergeRequests: { reviewer: dba } }'), {
      GITLAB_TOKEN: 'glpat-secret',
    });
    const r = await new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock }).runOnce(
      'gl-review',
    );
    expect(r.error).toBeNull();
    expect(r.outcomes.map((o) => o.candidate?.title)).toEqual(['Mine', 'Drop a column']);
    expect(gl.state.requests.map((q) => q.route)).toEqual(['listIssues', 'listMergeRequests']);
    expect(gl.state.schemaViolations).toEqual([]);
  });

  it('disables on 401 with a clear error, backs off on 503 and recovers', async () => {
    const { gl } = await start();
    h = await harness(yaml(gl.url), { GITLAB_TOKEN: 'wrong' });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const denied = await s.runOnce('gl-review');
    expect(denied.error?.code).toBe('UPSTREAM_AUTH');
    expect(denied.error?.message).toContain('401');
    expect(h.store.getPollState('gl-review')._unsafeUnwrap().disabledReason).toContain('token');
    await h.close();
    h = await harness(yaml(gl.url), { GITLAB_TOKEN: 'glpat-secret' });
    gl.state.injectFault({ route: 'listMergeRequests', status: 503 });
    const s2 = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const r = await s2.runOnce('gl-review');
    expect(r.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(r.nextRunAt).toBe(h.clock.now() + 60_000);
    expect(
      h.store
        .listEvents({ triggerId: 'gl-review' })
        ._unsafeUnwrap()
        .map((e) => e.kind),
    ).toContain('poll_error');
    expect((await s2.runOnce('gl-review')).outcomes).toHaveLength(2);
  });
});
