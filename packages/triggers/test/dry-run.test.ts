import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dryRunEvent, type TriggerDefinition } from '../src/index.js';
import { loadConfig } from './helpers.js';

const THIRD = fileURLToPath(new URL('./fixtures/third-party/', import.meta.url));
const text = (path: string) => readFileSync(join(THIRD, path), 'utf8');
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.json') ? [join(dir, n)] : [],
  );
const examples: Array<{ name: string; examples: Array<Record<string, unknown>> }> = createRequire(
  import.meta.url,
)('@octokit/webhooks-examples/api.github.com/index.json');
const labeled = examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'labeled') ?? {};

const config = await loadConfig(
  `
triggers:
  - id: gh-ready
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: /w
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
  - id: gh-poll
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: /w
    token: t
    poll: { issues: { labels: [bug] } }
  - id: gl
    provider: gitlab
    workflowId: wr.mr-review
    workspace: /w
    webhook: { token: gitlab-hook-token }
    events: [issue, merge_request, note]
  - id: gl-poll
    provider: gitlab
    project: gitlab-org/gitlab-ee
    workflowId: wr.mr-review
    workspace: /w
    token: t
    poll: { mergeRequests: {} }
  - id: jira
    provider: jira
    workflowId: wr.coding-task
    workspace: /w
    webhook: { secret: jira-hook-secret }
    events: ["jira:issue_updated", "jira:issue_created"]
    dispatchCondition: { path: "$.issue.fields.status.name", exists: true }
  - id: jira-poll
    provider: jira
    baseUrl: https://acme.atlassian.net
    workflowId: wr.coding-task
    workspace: /w
    token: t
    project: WT
    poll: {}
  - id: hook
    provider: webhook
    workflowId: wr.coding-task
    workspace: /w
    webhook: { secret: generic-secret }
    eventHeader: x-event
    sourceIdPath: $.id
    titlePath: $.title
    events: [alert]
  - id: nightly
    provider: schedule
    workflowId: wr.report
    workspace: /w
    cron: "0 3 * * *"
`,
  { GITHUB_WEBHOOK_SECRET: 'a-secret-to-everybody' },
);
const trigger = (id: string): TriggerDefinition => {
  const t = config.triggers.find((x) => x.id === id);
  if (t === undefined) throw new Error(`no trigger ${id}`);
  return t;
};
const dry = (id: string, event: string, payload: string) =>
  dryRunEvent(trigger(id), event, payload, Date.UTC(2026, 10, 25, 12))._unsafeUnwrap();

describe('dryRunEvent (worktrain trigger test) for every provider, on real payloads', () => {
  it('github: issues.labeled from octokit webhooks-examples matches; another label says why not', () => {
    const body = (label: string) =>
      JSON.stringify({
        ...labeled,
        label: { name: label },
        repository: { ...(labeled.repository as object), full_name: 'octo-org/octo-repo' },
      });
    expect(dry('gh-ready', 'issues.labeled', body('worktrain:ready'))).toMatchObject({
      matched: true,
      reason: null,
      candidate: { sourceId: 'github:octo-org/octo-repo#issue/1', triggerId: 'gh-ready' },
    });
    expect(dry('gh-ready', 'issues.labeled', body('bug'))).toEqual({
      matched: false,
      candidate: null,
      reason: 'dispatchCondition: $.label.name is "bug", expected to equal "worktrain:ready"',
    });
    // GitHub's header carries only the type: an --event whose action the body contradicts is refused.
    const mismatch = dryRunEvent(
      trigger('gh-ready'),
      'issues.opened',
      body('worktrain:ready'),
      Date.UTC(2026, 10, 25),
    )._unsafeUnwrapErr();
    expect(mismatch.code).toBe('PAYLOAD_INVALID');
    expect(mismatch.message).toBe(
      '--event is issues.opened but the payload is a delivery of issues.labeled (its action field says labeled)',
    );
    expect(dry('gh-ready', 'issues', body('worktrain:ready')).matched).toBe(true);
    // The example's own repository is not the configured one.
    expect(dry('gh-ready', 'issues.labeled', JSON.stringify(labeled)).reason).toBe(
      'repository Codertocat/Hello-World is not octo-org/octo-repo',
    );
  });

  it('github poll-only trigger: the payload is one REST issue, evaluated as issues.polled', () => {
    const issue = {
      ...(labeled.issue as Record<string, unknown>),
      number: 7,
      repository_url: 'https://api.github.com/repos/octo-org/octo-repo',
    };
    const r = dry('gh-poll', 'issues.polled', JSON.stringify(issue));
    expect(r).toMatchObject({ matched: true, candidate: { sourceId: 'github:octo-org/octo-repo#issue/7' } });
  });

  it('gitlab: Issue Hook, Merge Request Hook and Note Hook payloads from go-gitlab testdata', () => {
    expect(dry('gl', 'Issue Hook', text('gitlab/webhooks/issue.json'))).toMatchObject({
      matched: true,
      candidate: { sourceId: 'gitlab:gitlabhq/gitlab-test#issue/23' },
    });
    expect(dry('gl', 'Merge Request Hook', text('gitlab/webhooks/merge_request.json'))).toMatchObject({
      matched: true,
      candidate: { sourceId: 'gitlab:gitlabhq/gitlab-test#merge_request/1' },
    });
    expect(dry('gl', 'Note Hook', text('gitlab/webhooks/note_issue.json')).matched).toBe(true);
    expect(dry('gl', 'Pipeline Hook', text('gitlab/webhooks/pipeline.json')).reason).toBe(
      'event pipeline is not in events [issue, merge_request, note]',
    );
  });

  it('gitlab poll-only trigger: a REST merge request (go-gitlab get_merge_requests) as merge_request.polled', () => {
    const list = JSON.parse(text('gitlab/get_merge_requests.json')) as unknown[];
    const r = dry('gl-poll', 'merge_request.polled', JSON.stringify(list[0]));
    expect(r.matched).toBe(true);
    expect(r.candidate?.sourceId).toMatch(/^gitlab:gitlab-org\/gitlab-ee#merge_request\/\d+$/);
  });

  it('jira: jira:issue_updated from the Server/DC corpus; a poll-only trigger takes a Cloud issue', () => {
    const r = dry(
      'jira',
      'jira:issue_updated',
      text('jira/webhooks-server-dc/issue/updated/status-changed.json'),
    );
    expect(r).toMatchObject({ matched: true, candidate: { sourceId: 'jira:jira.test-example.ru/INDEV-6' } });
    const comment = dry('jira', 'comment_created', text('jira/webhooks-server-dc/comment/created.json'));
    expect(comment.matched).toBe(false);
    const polled = dry(
      'jira-poll',
      'jira:issue_polled',
      JSON.stringify({
        id: '10001',
        key: 'WT-1',
        self: 'https://acme.atlassian.net/rest/api/3/issue/10001',
        fields: { summary: 'Fix the login', status: { name: 'To Do' } },
      }),
    );
    expect(polled).toMatchObject({
      matched: true,
      candidate: { sourceId: 'jira:acme.atlassian.net/WT-1', url: 'https://acme.atlassian.net/browse/WT-1' },
    });
  });

  it('generic webhook: the event comes from --event through the configured header', () => {
    const body = JSON.stringify({ id: 'a-1', title: 'Disk full' });
    expect(dry('hook', 'alert', body)).toMatchObject({
      matched: true,
      candidate: { sourceId: 'webhook:a-1', title: 'Disk full' },
    });
    expect(dry('hook', 'resolved', body).reason).toBe('event resolved is not in events [alert]');
  });

  it('schedule: one tick at now, whatever the payload', () => {
    expect(dry('nightly', 'tick', '{}').matched).toBe(true);
  });

  it('reports a payload that is not JSON, or not an item, as PAYLOAD_INVALID', () => {
    const t = Date.UTC(2026, 10, 25);
    expect(dryRunEvent(trigger('gh-poll'), 'issues.polled', 'nope', t)._unsafeUnwrapErr().code).toBe(
      'PAYLOAD_INVALID',
    );
    expect(dryRunEvent(trigger('jira-poll'), 'jira:issue_polled', '[1]', t)._unsafeUnwrapErr().code).toBe(
      'PAYLOAD_INVALID',
    );
    expect(dryRunEvent(trigger('gl'), 'Issue Hook', '{', t)._unsafeUnwrapErr().code).toBe('PAYLOAD_INVALID');
  });

  it('never throws on any octokit, GitLab or Jira fixture, for any trigger', () => {
    const payloads: Array<[string, string]> = [];
    for (const group of examples)
      for (const p of group.examples)
        payloads.push([`${group.name}.${String(p.action ?? '')}`, JSON.stringify(p)]);
    for (const f of [...walk(join(THIRD, 'gitlab')), ...walk(join(THIRD, 'jira/webhooks-server-dc'))])
      payloads.push(['x', readFileSync(f, 'utf8')]);
    expect(payloads.length).toBeGreaterThan(329);
    let outcomes = 0;
    // Each payload as a delivery of its event and as one polled item (REST answers are in the corpus too).
    const polled = ['issues.polled', 'merge_request.polled', 'jira:issue_polled'];
    for (const t of config.triggers)
      for (const [event, body] of payloads)
        for (const e of [event, ...polled]) {
          const r = dryRunEvent(t, e, body, Date.UTC(2026, 10, 25));
          // Either an evaluation with a reason when unmatched, or a typed error: never an exception.
          if (r.isOk()) expect(r.value.matched || typeof r.value.reason === 'string').toBe(true);
          else expect(['PAYLOAD_INVALID', 'NOT_SUPPORTED']).toContain(r.error.code);
          outcomes++;
        }
    expect(outcomes).toBe(config.triggers.length * payloads.length * 4);
  });
});
