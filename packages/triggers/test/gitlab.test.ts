import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { gitlabProvider, TriggerScheduler, type WebhookRequest } from '../src/index.js';
import { type GitLabDouble, startGitLabDouble } from './gitlab-double.js';
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

let double: GitLabDouble | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await double?.close();
  h = undefined;
  double = undefined;
});

describe('gitlab polling against a loopback GitLab double (self-managed base URL)', () => {
  const yaml = (url: string) => `
triggers:
  - id: gl-review
    provider: gitlab
    project: gitlab-org/gitlab-ee
    baseUrl: ${url}
    token: $GITLAB_TOKEN
    workflowId: wr.mr-review
    workspace: /w
    poll: { intervalSeconds: 60, mergeRequests: { labels: ["database::review pending"] } }
`;

  it('polls merge requests by label with PRIVATE-TOKEN, then gets 304 on the ETag', async () => {
    double = await startGitLabDouble('glpat-secret');
    h = await harness(yaml(double.url), { GITLAB_TOKEN: 'glpat-secret' });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const r = await s.runOnce('gl-review');
    expect(r.error).toBeNull();
    expect(r.outcomes.map((o) => o.candidate?.sourceId).sort()).toEqual([
      'gitlab:gitlab-org/gitlab-ee#merge_request/15440',
      'gitlab:gitlab-org/gitlab-ee#merge_request/15442',
    ]);
    expect(double.requests[0]?.url).toBe(
      '/api/v4/projects/gitlab-org%2Fgitlab-ee/merge_requests?state=opened&order_by=updated_at&sort=desc&per_page=100&labels=database%3A%3Areview+pending',
    );
    await s.runOnce('gl-review');
    expect(double.requests.map((q) => q.status)).toEqual([200, 304]);
  });

  it('disables on 401 and backs off on 502', async () => {
    double = await startGitLabDouble('glpat-secret');
    h = await harness(yaml(double.url), { GITLAB_TOKEN: 'wrong' });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    expect((await s.runOnce('gl-review')).error?.code).toBe('UPSTREAM_AUTH');
    expect(h.store.getPollState('gl-review')._unsafeUnwrap().disabledReason).not.toBeNull();
    await h.close();
    h = await harness(yaml(double.url), { GITLAB_TOKEN: 'glpat-secret' });
    double.fail(502, 1);
    const s2 = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const r = await s2.runOnce('gl-review');
    expect(r.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(r.nextRunAt).toBe(h.clock.now() + 60_000);
    expect((await s2.runOnce('gl-review')).outcomes).toHaveLength(2);
  });
});
