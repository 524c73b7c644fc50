import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeJira, startFakeJira } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildJql, jiraProvider, TriggerScheduler, type WebhookRequest } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const DC = fileURLToPath(new URL('./fixtures/third-party/jira/webhooks-server-dc/', import.meta.url));
const SECRET = 'jira-hook-secret';
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.json') ? [join(dir, n)] : [],
  );
const signed = (raw: string, secret = SECRET): WebhookRequest => ({
  headers: {
    'x-hub-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
    'x-atlassian-webhook-identifier': 'wh-1',
  },
  rawBody: Buffer.from(raw),
  receivedAt: 0,
});
const config = jiraProvider.configSchema.parse({ webhook: { secret: SECRET } });

describe('jira webhooks over the Server/DC payload corpus', () => {
  it('turns every payload into a draft or a reason, never a crash', () => {
    const files = walk(DC);
    expect(files.length).toBe(17);
    let drafts = 0;
    for (const f of files) {
      const req = signed(readFileSync(f, 'utf8'));
      expect(jiraProvider.webhook?.verify(req, config).isOk()).toBe(true);
      const e = jiraProvider.webhook?.parse(req, config)._unsafeUnwrap();
      if (e?.draft) {
        drafts++;
        expect(e.draft.sourceId).toMatch(/^jira:[a-z0-9.-]+(\/jira)?\/[A-Z]+-\d+$/);
        expect(e.draft.url).toMatch(/^https?:\/\/[a-z0-9.-]+(\/jira)?\/browse\/[A-Z]+-\d+$/);
      } else expect(e?.reason).toBeTruthy();
    }
    expect(drafts).toBeGreaterThanOrEqual(10);
  });

  it('names events webhookEvent.issue_event_type_name and rejects a bad X-Hub-Signature', () => {
    const raw = readFileSync(join(DC, 'issue/updated/issue-assigned.json'), 'utf8');
    expect(jiraProvider.webhook?.parse(signed(raw), config)._unsafeUnwrap().event).toBe(
      'jira:issue_updated.issue_assigned',
    );
    expect(jiraProvider.webhook?.verify(signed(raw, 'another-secret'), config)._unsafeUnwrapErr().code).toBe(
      'SIGNATURE_INVALID',
    );
  });
});

describe('buildJql', () => {
  it('ANDs structured filters with quoted values and keeps functions', () => {
    expect(
      buildJql(
        jiraProvider.configSchema.parse({
          project: 'WT',
          status: ['Ready for Dev', 'To "Do"'],
          assignee: 'currentUser()',
        }),
      ),
    ).toBe(
      'project = "WT" AND status in ("Ready for Dev", "To \\"Do\\"") AND assignee = currentUser() ORDER BY updated DESC',
    );
  });
});

let fake: FakeJira | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

describe('jira JQL polling through jira.js against the testkit FakeJira (OpenAPI-validated)', () => {
  const yaml = (url: string, extra = '') => `
triggers:
  - id: jira-queue
    provider: jira
    baseUrl: ${url}
    email: me@example.com
    token: $JIRA_API_TOKEN
    project: WT
    status: To Do
    maxResults: 2
    workflowId: wr.coding-task
    workspace: /w
    poll: { intervalSeconds: 120 }${extra}
`;
  async function start() {
    fake = await startFakeJira({ users: { 'me@example.com': 'api-token' } });
    for (const n of [1, 2, 3])
      fake.state.addIssue({
        projectKey: 'WT',
        summary: `Task ${n}`,
        status: 'To Do',
        description: `Do thing ${n}`,
      });
    fake.state.addIssue({ projectKey: 'WT', summary: 'Doing', status: 'In Progress' });
    fake.state.addIssue({ projectKey: 'OPS', summary: 'Other project', status: 'To Do' });
    return fake;
  }

  it('runs the JQL on GET /rest/api/3/search/jql, pages with nextPageToken, and uses URL + description as the goal', async () => {
    const jira = await start();
    h = await harness(yaml(jira.url), { JIRA_API_TOKEN: 'api-token' });
    const r = await new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock }).runOnce(
      'jira-queue',
    );
    expect(r.error).toBeNull();
    expect(jira.state.specViolations).toEqual([]);
    expect(jira.state.requests.map((q) => [q.operationId, q.status])).toEqual([
      ['searchAndReconsileIssuesUsingJql', 200],
      ['searchAndReconsileIssuesUsingJql', 200],
    ]);
    const first = new URL(jira.state.requests[0]?.url ?? '', 'http://x');
    expect(first.searchParams.get('jql')).toBe('project = "WT" AND status = "To Do" ORDER BY updated DESC');
    expect(first.searchParams.get('fields')?.split(',')).toContain('description');
    expect(
      new URL(jira.state.requests[1]?.url ?? '', 'http://x').searchParams.get('nextPageToken'),
    ).not.toBeNull();
    expect(r.outcomes.map((o) => o.candidate?.title)).toEqual([
      'WT-1: Task 1',
      'WT-2: Task 2',
      'WT-3: Task 3',
    ]);
    const c = r.outcomes[0]?.candidate;
    expect(c?.sourceId).toBe(`jira:${jira.url.replace('http://', '')}/WT-1`);
    expect(c?.goal).toBe(`WT-1: Task 1\n\nSource: ${jira.url}/browse/WT-1\n\nDo thing 1`);
  });

  it('does not re-dispatch issues still in the same status on the next poll', async () => {
    const jira = await start();
    h = await harness(yaml(jira.url), { JIRA_API_TOKEN: 'api-token' });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    await s.runOnce('jira-queue');
    h.clock.advance(120_000);
    expect((await s.runOnce('jira-queue')).outcomes.map((o) => o.status)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(3);
  });

  it('disables on 401 with a clear error; backs off on 503 and reports it', async () => {
    const jira = await start();
    h = await harness(yaml(jira.url), { JIRA_API_TOKEN: 'revoked' });
    const denied = await new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock }).runOnce(
      'jira-queue',
    );
    expect(denied.error?.code).toBe('UPSTREAM_AUTH');
    expect(denied.error?.message).toContain('401');
    await h.close();
    h = await harness(yaml(jira.url), { JIRA_API_TOKEN: 'api-token' });
    jira.state.injectFault({ operationId: 'searchAndReconsileIssuesUsingJql', status: 503 });
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const r = await s.runOnce('jira-queue');
    expect(r.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(r.nextRunAt).toBe(h.clock.now() + 120_000);
    expect(h.store.getPollState('jira-queue')._unsafeUnwrap().disabledReason).toBeNull();
    expect((await s.runOnce('jira-queue')).outcomes).toHaveLength(3);
  });
});
