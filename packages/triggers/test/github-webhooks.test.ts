import { vi } from 'vitest';

// The root vitest config resolves CommonJS requires with the 'import' condition, so pg's require('pg-pool')
// gets pg-pool's ESM namespace and pg crashes on load (vitest 4.1 + Node 20). The trigger tests never touch
// PostgreSQL; this stub only keeps @worktrain/queue's PostgreSQL adapter from loading pg. Reported to the lead.
vi.mock('pg', () => ({ default: {} }));

import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { githubProvider } from '../src/index.js';
import { GH_READY_YAML, githubRequest, type Harness, harness, SECRET } from './helpers.js';

interface ExampleGroup {
  readonly name: string;
  readonly examples: ReadonlyArray<Record<string, unknown>>;
}
const examples: ExampleGroup[] = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('github webhooks over every @octokit/webhooks-examples payload', () => {
  it('turns each of the 329 payloads into a draft or a stated reason, never a crash', () => {
    let drafts = 0;
    let reasons = 0;
    const config = githubProvider.configSchema.parse({ webhook: { secret: SECRET } });
    for (const group of examples) {
      for (const [i, payload] of group.examples.entries()) {
        const req = githubRequest({ now: () => 0 }, group.name, payload, SECRET, `${group.name}-${i}`);
        expect(githubProvider.webhook?.verify(req, config).isOk()).toBe(true);
        const parsed = githubProvider.webhook?.parse(req, config);
        expect(parsed?.isOk(), `${group.name}[${i}]`).toBe(true);
        const event = parsed?._unsafeUnwrap();
        if (event?.draft) {
          drafts++;
          expect(event.draft.sourceId).toMatch(/^github:[^#]+#[a-z_]+\/\S+$/);
        } else {
          reasons++;
          expect(event?.reason ?? '').not.toBe('');
        }
      }
    }
    expect(drafts + reasons).toBe(329);
    expect(drafts).toBeGreaterThan(60);
  });

  it('makes a draft for every example of the task events', () => {
    for (const name of [
      'issues',
      'issue_comment',
      'pull_request',
      'pull_request_review',
      'check_suite',
      'check_run',
      'push',
    ]) {
      const group = examples.find((g) => g.name === name);
      expect(group, name).toBeDefined();
      const config = githubProvider.configSchema.parse({ webhook: { secret: SECRET } });
      for (const payload of group?.examples ?? []) {
        const req = githubRequest({ now: () => 0 }, name, payload, SECRET, 'd');
        expect(
          githubProvider.webhook?.parse(req, config)._unsafeUnwrap().draft,
          `${name}.${String(payload.action)}`,
        ).not.toBeNull();
      }
    }
  });
});

describe('pull request merge facts (issue 6: GitHub merge → Jira Done)', () => {
  const closed = () => {
    const base =
      examples.find((g) => g.name === 'pull_request')?.examples.find((p) => p.action === 'closed') ?? {};
    return { ...base, pull_request: { ...(base.pull_request as Record<string, unknown>) } };
  };
  const parse = (payload: Record<string, unknown>, event = 'pull_request') => {
    const config = githubProvider.configSchema.parse({ webhook: { secret: SECRET } });
    return githubProvider.webhook
      ?.parse(githubRequest({ now: () => 0 }, event, payload, SECRET, 'm'), config)
      ._unsafeUnwrap().draft?.metadata;
  };

  it('a pull_request.closed that was merged carries merged, mergedAt, state and the head branch', () => {
    const payload = closed();
    payload.pull_request = {
      ...payload.pull_request,
      merged: true,
      merged_at: '2019-05-15T15:20:40Z',
      head: { ...(payload.pull_request.head as Record<string, unknown>), ref: 'worktrain/sess_abc123' },
    };
    expect(parse(payload)).toMatchObject({
      kind: 'pull_request',
      state: 'closed',
      merged: true,
      mergedAt: '2019-05-15T15:20:40Z',
      headRef: 'worktrain/sess_abc123',
      baseRef: 'master',
    });
  });

  it('a pull_request.closed without a merge says merged: false (the example as published)', () => {
    expect(parse(closed())).toMatchObject({
      state: 'closed',
      merged: false,
      mergedAt: null,
      headRef: 'changes',
    });
  });

  it('a review event on a pull request whose object has only merged_at still reports the merge', () => {
    const review =
      examples
        .find((g) => g.name === 'pull_request_review')
        ?.examples.find((p) => p.action === 'submitted') ?? {};
    const pr = review.pull_request as Record<string, unknown>;
    expect('merged' in pr).toBe(false);
    expect(
      parse({ ...review, pull_request: { ...pr, merged_at: '2019-05-15T15:20:40Z' } }, 'pull_request_review'),
    ).toMatchObject({
      merged: true,
      mergedAt: '2019-05-15T15:20:40Z',
    });
  });
});

describe('payloads missing fields the schema now requires', () => {
  it('still parse when the fields the draft needs exist', () => {
    const config = githubProvider.configSchema.parse({ webhook: { secret: SECRET } });
    const base = examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'opened') ?? {};
    const issue = base.issue as Record<string, unknown>;
    // Only number and title kept on the issue; sender, installation and most of the repository dropped.
    const slim = {
      action: 'opened',
      issue: { number: issue.number, title: issue.title },
      repository: { full_name: 'o/r' },
    };
    const e = githubProvider.webhook
      ?.parse(githubRequest({ now: () => 0 }, 'issues', slim, SECRET, 's'), config)
      ._unsafeUnwrap();
    expect(e?.draft).toMatchObject({
      sourceId: 'github:o/r#issue/1',
      title: issue.title,
      body: '',
      url: null,
      labels: [],
      author: null,
    });
    const noTitle = { ...slim, issue: { number: 1 } };
    const r = githubProvider.webhook
      ?.parse(githubRequest({ now: () => 0 }, 'issues', noTitle, SECRET, 't'), config)
      ._unsafeUnwrap();
    expect(r).toMatchObject({ draft: null, reason: 'issues payload lacks issue.number/title' });
  });
});

describe('the issue 5 gh-ready trigger', () => {
  const labeled = () => {
    const base =
      examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'labeled') ?? {};
    return {
      ...base,
      label: { ...(base.label as object), name: 'worktrain:ready' },
      repository: { ...(base.repository as object), full_name: 'octo-org/octo-repo' },
    };
  };

  it('enqueues one task for a signed issues.labeled with the ready label', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    const out = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'delivery-1'))
      ._unsafeUnwrap();
    expect(out.status).toBe('enqueued');
    expect(out.candidate?.sourceId).toBe('github:octo-org/octo-repo#issue/1');
    expect(out.candidate?.workspace).toBe('/path/to/checkout');
    const task = (await h.queue.get(out.taskId ?? ''))._unsafeUnwrap();
    expect(task.payload).toMatchObject({
      workflowId: 'wr.coding-task',
      triggerId: 'gh-ready',
      url: 'https://github.com/Codertocat/Hello-World/issues/1',
    });
  });

  it('ignores another label with the condition as the reason', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    const payload = { ...labeled(), label: { name: 'bug' } };
    const out = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', payload, SECRET, 'd2'))
      ._unsafeUnwrap();
    expect(out.status).toBe('ignored');
    expect(out.reason).toContain('$.label.name is "bug"');
  });

  it('ignores events not in events: with a reason', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    const payload = { ...labeled(), action: 'opened' };
    const out = h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', payload, SECRET, 'd3'))
      ._unsafeUnwrap();
    expect(out).toMatchObject({
      status: 'ignored',
      reason: 'event issues.opened is not in events [issues.labeled]',
    });
  });

  it('rejects a bad signature, a missing one, and a body over the limit', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    const forged = githubRequest(h.clock, 'issues', labeled(), 'wrong-secret-123', 'd4');
    expect(h.router.receiveWebhook('gh-ready', forged)._unsafeUnwrapErr().code).toBe('SIGNATURE_INVALID');
    const unsigned = githubRequest(h.clock, 'issues', labeled(), SECRET, 'd5');
    const { 'x-hub-signature-256': _drop, ...headers } = unsigned.headers;
    expect(h.router.receiveWebhook('gh-ready', { ...unsigned, headers })._unsafeUnwrapErr().code).toBe(
      'SIGNATURE_INVALID',
    );
    const huge = githubRequest(
      h.clock,
      'issues',
      { ...labeled(), pad: 'x'.repeat(1024 * 1024) },
      SECRET,
      'd6',
    );
    expect(h.router.receiveWebhook('gh-ready', huge)._unsafeUnwrapErr().code).toBe('PAYLOAD_TOO_LARGE');
    expect((await h.queue.stats())._unsafeUnwrap().total.pending).toBe(0);
  });

  it('treats a replayed delivery id as a duplicate and makes no second task', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    const req = githubRequest(h.clock, 'issues', labeled(), SECRET, 'same-delivery');
    expect(h.router.receiveWebhook('gh-ready', req)._unsafeUnwrap().status).toBe('enqueued');
    const again = h.router.receiveWebhook('gh-ready', req)._unsafeUnwrap();
    expect(again.status).toBe('duplicate');
    expect(again.reason).toContain('same-delivery');
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(1);
  });

  it('forgets delivery ids after the retention period, so only recent replays are detected', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    const { TriggerScheduler } = await import('../src/index.js');
    const s = new TriggerScheduler({
      router: h.router,
      store: h.store,
      clock: h.clock,
      retention: { deliveriesMs: 60_000 },
    });
    h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'old'))
      ._unsafeUnwrap();
    expect(s.purge().deliveries).toBe(0);
    h.clock.advance(61_000);
    expect(s.purge().deliveries).toBe(1);
  });

  it('dedupes the same issue across deliveries and across a restart', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    h.router
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'a'))
      ._unsafeUnwrap();
    const { openTriggerStore, TriggerRouter } = await import('../src/index.js');
    const reopened = openTriggerStore({ path: h.dbPath }, { clock: h.clock })._unsafeUnwrap();
    const router2 = new TriggerRouter({ config: h.config, store: reopened, clock: h.clock });
    const out = router2
      .receiveWebhook('gh-ready', githubRequest(h.clock, 'issues', labeled(), SECRET, 'b'))
      ._unsafeUnwrap();
    reopened.close();
    expect(out.status).toBe('duplicate');
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(1);
  });

  it('retries an issue whose task is dead when it is labelled again; a succeeded task still dedupes', async () => {
    const t = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    h = t;
    const label = (delivery: string) =>
      t.router.receiveWebhook('gh-ready', githubRequest(t.clock, 'issues', labeled(), SECRET, delivery));
    const first = label('a')._unsafeUnwrap();
    expect(first.status).toBe('enqueued');
    const take = async () =>
      (await t.queue.claim({ queue: 'tasks', workerId: 'w', n: 1, leaseMs: 60_000 }))._unsafeUnwrap()[0]!;
    const leased = await take();
    // While the task is unfinished, labelling again is a duplicate.
    expect(label('b')._unsafeUnwrap().status).toBe('duplicate');
    (
      await t.queue.fail({
        taskId: leased.id,
        leaseToken: leased.leaseToken,
        error: { class: 'validation', message: 'workspace does not exist' },
        retryable: false,
      })
    )._unsafeUnwrap();
    const retried = label('c')._unsafeUnwrap();
    expect(retried.status).toBe('enqueued');
    expect(retried.taskId).not.toBe(first.taskId);
    const again = await take();
    (await t.queue.complete({ taskId: again.id, leaseToken: again.leaseToken }))._unsafeUnwrap();
    expect(label('d')._unsafeUnwrap().status).toBe('duplicate');
    expect((await t.queue.list())._unsafeUnwrap()).toHaveLength(2);
  });

  it('reports unknown trigger ids and non-JSON bodies', async () => {
    h = await harness(GH_READY_YAML, { GITHUB_WEBHOOK_SECRET: SECRET });
    expect(
      h.router.receiveWebhook('nope', githubRequest(h.clock, 'issues', {}, SECRET, 'x'))._unsafeUnwrapErr()
        .code,
    ).toBe('TRIGGER_NOT_FOUND');
    const req = githubRequest(h.clock, 'issues', {}, SECRET, 'y');
    const raw = Buffer.from('{not json');
    const { createHmac } = await import('node:crypto');
    const bad = {
      ...req,
      rawBody: raw,
      headers: {
        ...req.headers,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
      },
    };
    expect(h.router.receiveWebhook('gh-ready', bad)._unsafeUnwrapErr().code).toBe('PAYLOAD_INVALID');
  });
});
