import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type FakeGitHub, startFakeGitHub } from '../src/index.js';

let gh: FakeGitHub;
let bot: Octokit;
let reviewer: Octokit;
const repo = { owner: 'acme', repo: 'widgets' };
const pull_number = 1;
const HEAD = 'a'.repeat(40);
// Lines 1-3 of the new file are shown: 1 context, 2 added, 3 context; old line 2 was deleted.
const PATCH = '@@ -1,3 +1,3 @@\n line one\n-line two\n+line 2\n line three';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { 'ghp-bot': 'worktrain-bot', 'ghp-ana': 'ana' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', branches: { 'worktrain/s1': HEAD } });
  bot = new Octokit({ auth: 'ghp-bot', baseUrl: gh.url, log: quiet });
  reviewer = new Octokit({ auth: 'ghp-ana', baseUrl: gh.url, log: quiet });
  await bot.rest.pulls.create({ ...repo, title: 'Fix', head: 'worktrain/s1', base: 'main' });
  gh.state.setPullFiles('acme', 'widgets', pull_number, { 'src/a.ts': PATCH });
});
afterEach(async () => {
  expect(gh.state.specViolations).toEqual([]);
  await gh.close();
});

function failure(promise: Promise<unknown>): Promise<{ status?: number; errors?: unknown }> {
  return promise.then(
    () => ({}),
    (error: unknown) => ({
      status: (error as { status?: number }).status,
      errors: (error as { response?: { data?: { errors?: unknown } } }).response?.data?.errors,
    }),
  );
}

describe('reviews', () => {
  it('records a review with inline comments on diff lines, listed as review comments', async () => {
    const { data: review } = await reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      event: 'REQUEST_CHANGES',
      body: 'Two things',
      comments: [
        { path: 'src/a.ts', line: 2, side: 'RIGHT', body: 'Spell it out' },
        { path: 'src/a.ts', line: 2, side: 'LEFT', body: 'Why drop this?' },
      ],
    });
    expect(review).toMatchObject({ state: 'CHANGES_REQUESTED', body: 'Two things', commit_id: HEAD });
    expect(review.user?.login).toBe('ana');
    const { data: comments } = await bot.rest.pulls.listReviewComments({ ...repo, pull_number });
    expect(comments.map((c) => [c.path, c.line, c.side, c.position, c.pull_request_review_id])).toEqual([
      ['src/a.ts', 2, 'RIGHT', 3, review.id],
      ['src/a.ts', 2, 'LEFT', 2, review.id],
    ]);
    expect(comments[0]?.diff_hunk).toBe('@@ -1,3 +1,3 @@\n line one\n-line two\n+line 2');
    const { data: reviews } = await bot.rest.pulls.listReviews({ ...repo, pull_number });
    expect(reviews.map((r) => r.state)).toEqual(['CHANGES_REQUESTED']);
    const { data: pull } = await bot.rest.pulls.get({ ...repo, pull_number });
    expect(pull.review_comments).toBe(2);
  });

  it('answers 422 for a line or a path outside the diff, and records nothing', async () => {
    const outside = reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      event: 'COMMENT',
      body: 'x',
      comments: [{ path: 'src/a.ts', line: 40, body: 'not in the diff' }],
    });
    expect(await failure(outside)).toEqual({ status: 422, errors: ['Line could not be resolved'] });
    const deletedOnRight = reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      event: 'COMMENT',
      body: 'x',
      comments: [{ path: 'src/a.ts', line: 4, side: 'RIGHT', body: 'past the hunk' }],
    });
    expect((await failure(deletedOnRight)).status).toBe(422);
    const otherFile = reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      event: 'COMMENT',
      body: 'x',
      comments: [{ path: 'README.md', line: 1, body: 'untouched file' }],
    });
    expect(await failure(otherFile)).toEqual({ status: 422, errors: ['Path could not be resolved'] });
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number })).data).toEqual([]);
    expect((await bot.rest.pulls.listReviewComments({ ...repo, pull_number })).data).toEqual([]);
  });

  it('refuses what GitHub refuses: no body, own-PR approval, a second pending review', async () => {
    expect(
      await failure(reviewer.rest.pulls.createReview({ ...repo, pull_number, event: 'REQUEST_CHANGES' })),
    ).toEqual({
      status: 422,
      errors: ['Review Can not request changes on a pull request without a body'],
    });
    expect(await failure(bot.rest.pulls.createReview({ ...repo, pull_number, event: 'APPROVE' }))).toEqual({
      status: 422,
      errors: ['Review Can not approve your own pull request'],
    });
    const { data: pending } = await reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      comments: [{ path: 'src/a.ts', line: 1, body: 'draft note' }],
    });
    expect(pending.state).toBe('PENDING');
    expect(pending.submitted_at).toBeUndefined();
    expect((await failure(reviewer.rest.pulls.createReview({ ...repo, pull_number }))).status).toBe(422);
    // A pending review and its comments are visible to their author only.
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number })).data).toEqual([]);
    expect((await bot.rest.pulls.listReviewComments({ ...repo, pull_number })).data).toEqual([]);
    expect((await reviewer.rest.pulls.listReviewComments({ ...repo, pull_number })).data).toHaveLength(1);
    const { data: approved } = await reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      event: 'APPROVE',
    });
    expect(approved.state).toBe('APPROVED');
  });

  it('answers a review comment in its thread, with its own COMMENTED review; 404 for an unknown comment', async () => {
    await reviewer.rest.pulls.createReview({
      ...repo,
      pull_number,
      event: 'COMMENT',
      body: 'see inline',
      comments: [{ path: 'src/a.ts', line: 3, body: 'rename?' }],
    });
    const [first] = (await bot.rest.pulls.listReviewComments({ ...repo, pull_number })).data;
    if (first === undefined) throw new Error('no comment');
    const { data: reply, headers } = await bot.rest.pulls.createReplyForReviewComment({
      ...repo,
      pull_number,
      comment_id: first.id,
      body: 'Renamed in abc123',
    });
    expect(reply).toMatchObject({
      in_reply_to_id: first.id,
      path: 'src/a.ts',
      line: 3,
      body: 'Renamed in abc123',
    });
    expect(headers.location).toBe(reply.url);
    const again = await reviewer.rest.pulls.createReplyForReviewComment({
      ...repo,
      pull_number,
      comment_id: reply.id,
      body: 'thanks',
    });
    expect(again.data.in_reply_to_id).toBe(first.id);
    const { data: reviews } = await bot.rest.pulls.listReviews({ ...repo, pull_number });
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([
      ['ana', 'COMMENTED'],
      ['worktrain-bot', 'COMMENTED'],
      ['ana', 'COMMENTED'],
    ]);
    const missing = bot.rest.pulls.createReplyForReviewComment({
      ...repo,
      pull_number,
      comment_id: 1,
      body: 'x',
    });
    expect((await failure(missing)).status).toBe(404);
  });
});

it('places review comments on the diff of a real bare origin (base...head)', async () => {
  const fixture = await createGitFixture({ files: { 'src/a.ts': 'one\ntwo\nthree\n' } });
  try {
    gh.state.addRepo({ owner: 'acme', name: 'real', originDir: fixture.originDir });
    await fixture.git(['switch', '-q', '-c', 'feat']);
    await fixture.commitFiles({ 'src/a.ts': 'one\n2\nthree\n' }, 'two is 2');
    await fixture.git(['push', '-q', 'origin', 'feat']);
    const { data: pr } = await bot.rest.pulls.create({
      owner: 'acme',
      repo: 'real',
      title: 'T',
      head: 'feat',
      base: 'main',
    });
    const { data } = await reviewer.rest.pulls.createReview({
      owner: 'acme',
      repo: 'real',
      pull_number: pr.number,
      event: 'COMMENT',
      body: 'inline',
      comments: [{ path: 'src/a.ts', line: 2, body: 'ok' }],
    });
    expect(data.state).toBe('COMMENTED');
    const bad = reviewer.rest.pulls.createReview({
      owner: 'acme',
      repo: 'real',
      pull_number: pr.number,
      event: 'COMMENT',
      body: 'inline',
      comments: [{ path: 'src/a.ts', line: 9, body: 'no' }],
    });
    expect((await failure(bad)).status).toBe(422);
  } finally {
    await fixture.cleanup();
  }
});
