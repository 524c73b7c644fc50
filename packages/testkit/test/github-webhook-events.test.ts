import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen, type StartedServer } from '../src/http-server.js';
import {
  type FakeGitHub,
  githubIssueCommentEvent,
  githubReviewCommentEvent,
  githubReviewEvent,
  sendGitHubWebhook,
  startFakeGitHub,
} from '../src/index.js';
import { shapeDrift } from './shape-drift.js';

let gh: FakeGitHub;
const repo = { owner: 'acme', repo: 'widgets' };
const ref = { ...repo, number: 1 };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { 'ghp-bot': 'worktrain-bot', 'ghp-ana': 'ana' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', branches: { 'worktrain/s1': 'a'.repeat(40) } });
  const bot = new Octokit({ auth: 'ghp-bot', baseUrl: gh.url, log: quiet });
  await bot.rest.pulls.create({ ...repo, title: 'Fix', head: 'worktrain/s1', base: 'main' });
  gh.state.setPullFiles('acme', 'widgets', 1, { 'src/a.ts': '@@ -1,1 +1,1 @@\n-a\n+b' });
});
afterEach(async () => {
  expect(gh.state.specViolations).toEqual([]);
  await gh.close();
});

const example = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/github-webhooks/${name}.json`, import.meta.url), 'utf8'));

async function seedConversation() {
  const ana = new Octokit({ auth: 'ghp-ana', baseUrl: gh.url, log: quiet });
  const { data: review } = await ana.rest.pulls.createReview({
    ...repo,
    pull_number: 1,
    event: 'REQUEST_CHANGES',
    body: 'please fix',
    comments: [{ path: 'src/a.ts', line: 1, body: '@worktrain fix the null check' }],
  });
  const [comment] = (await ana.rest.pulls.listReviewComments({ ...repo, pull_number: 1 })).data;
  const { data: issueComment } = await ana.rest.issues.createComment({
    ...repo,
    issue_number: 1,
    body: '@worktrain fix it',
  });
  if (comment === undefined) throw new Error('no review comment');
  return { review, comment, issueComment };
}

describe('webhook payloads from the fake state', () => {
  it('carry every key of the real @octokit/webhooks-examples payloads, with the same types', async () => {
    const { review, comment, issueComment } = await seedConversation();
    const reviewEvent = githubReviewEvent(gh, ref, review.id);
    expect(shapeDrift(example('pull_request_review.submitted'), reviewEvent)).toEqual([]);
    const commentEvent = githubReviewCommentEvent(gh, ref, comment.id);
    expect(shapeDrift(example('pull_request_review_comment.created'), commentEvent)).toEqual([]);
    const issueEvent = githubIssueCommentEvent(gh, ref, issueComment.id);
    expect(shapeDrift(example('issue_comment.created'), issueEvent)).toEqual([]);
    // The drift check itself catches a missing key.
    expect(shapeDrift({ a: { b: 1 } }, { a: {} })).toEqual(['.a.b: missing']);
  });

  it('describe the state: lower-case review state, the commented line, the PR marker on issue comments', async () => {
    const { review, comment, issueComment } = await seedConversation();
    expect(githubReviewEvent(gh, ref, review.id)).toMatchObject({
      action: 'submitted',
      review: { id: review.id, state: 'changes_requested', body: 'please fix', user: { login: 'ana' } },
      pull_request: { number: 1, head: { ref: 'worktrain/s1' }, user: { login: 'worktrain-bot' } },
      repository: { full_name: 'acme/widgets' },
      sender: { login: 'ana' },
    });
    expect(githubReviewCommentEvent(gh, ref, comment.id)).toMatchObject({
      action: 'created',
      comment: {
        id: comment.id,
        path: 'src/a.ts',
        line: 1,
        side: 'RIGHT',
        body: '@worktrain fix the null check',
      },
    });
    const issueEvent = githubIssueCommentEvent(gh, ref, issueComment.id, 'edited');
    expect(issueEvent).toMatchObject({
      action: 'edited',
      issue: { number: 1, pull_request: { url: `${gh.url}/repos/acme/widgets/pulls/1` } },
      comment: { body: '@worktrain fix it', user: { login: 'ana' } },
    });
    expect(() => githubReviewEvent(gh, ref, 424242)).toThrow(/no review 424242/);
  });
});

describe('sendGitHubWebhook', () => {
  let receiver: StartedServer;
  const received: Array<{ headers: Record<string, string>; body: string }> = [];
  beforeEach(async () => {
    received.length = 0;
    const app = new Hono();
    app.post('/hook', async (c) => {
      received.push({ headers: Object.fromEntries(c.req.raw.headers), body: await c.req.text() });
      return c.body(null, 204);
    });
    receiver = await listen(app as never);
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('POSTs the payload signed with X-Hub-Signature-256, with the event and delivery headers', async () => {
    const { comment } = await seedConversation();
    const payload = githubReviewCommentEvent(gh, ref, comment.id);
    const response = await sendGitHubWebhook(
      `${receiver.url}/hook`,
      'pull_request_review_comment',
      payload,
      's3cret',
      {
        deliveryId: 'delivery-1',
      },
    );
    expect(response.status).toBe(204);
    const [delivery] = received;
    if (delivery === undefined) throw new Error('nothing delivered');
    expect(delivery.headers['x-github-event']).toBe('pull_request_review_comment');
    expect(delivery.headers['x-github-delivery']).toBe('delivery-1');
    expect(delivery.headers['x-hub-signature-256']).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(delivery.body).digest('hex')}`,
    );
    expect(JSON.parse(delivery.body)).toEqual(payload);
  });
});
