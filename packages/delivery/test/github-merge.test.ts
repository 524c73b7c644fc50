/**
 * The merge gate's GitHub calls against the GitHub double (checked against GitHub's OpenAPI description):
 * head SHA and state, CI combined from check runs and commit statuses, and the merge with the head-SHA
 * guard (409 → MERGE_HEAD_MOVED, 405 → MERGE_NOT_ALLOWED).
 */
import { Octokit } from '@octokit/rest';
import { type FakeGitHub, startFakeGitHub } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubMergeClient, type GitHubMergeClient, SUMMARY_END, SUMMARY_START } from '../src/index.js';

const HEAD = 'a'.repeat(40);
let gh: FakeGitHub;
let client: GitHubMergeClient;
let number: number;

beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { 'ghp-bot': 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', branches: { 'worktrain/s1': HEAD } });
  const octokit = new Octokit({
    auth: 'ghp-bot',
    baseUrl: gh.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  number = (
    await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'widgets',
      title: 'Fix',
      head: 'worktrain/s1',
      base: 'main',
    })
  ).data.number;
  client = createGitHubMergeClient({ owner: 'acme', repo: 'widgets', token: 'ghp-bot', baseUrl: gh.url });
});
afterEach(async () => {
  expect(gh.state.specViolations).toEqual([]);
  await gh.close();
});

describe('the GitHub merge client', () => {
  it('reads the head SHA and the open state', async () => {
    expect((await client.changeRequestState(number))._unsafeUnwrap()).toMatchObject({
      number,
      headSha: HEAD,
      state: 'open',
      mergeCommitSha: null,
    });
  });

  it('combines check runs and statuses: none, pending, failure, success', async () => {
    expect((await client.ciStatus(HEAD))._unsafeUnwrap().state).toBe('none');
    gh.state.setCheckRun('acme', 'widgets', { headSha: HEAD, name: 'test', status: 'in_progress' });
    expect((await client.ciStatus(HEAD))._unsafeUnwrap().state).toBe('pending');
    gh.state.setCheckRun('acme', 'widgets', {
      headSha: HEAD,
      name: 'test',
      status: 'completed',
      conclusion: 'success',
    });
    gh.state.addCommitStatus('acme', 'widgets', { sha: HEAD, state: 'success', context: 'lint' });
    const green = (await client.ciStatus(HEAD))._unsafeUnwrap();
    expect(green.state).toBe('success');
    expect(green.checks.map((c) => c.name).sort()).toEqual(['lint', 'test']);
    gh.state.addCommitStatus('acme', 'widgets', { sha: HEAD, state: 'failure', context: 'e2e' });
    expect((await client.ciStatus(HEAD))._unsafeUnwrap().state).toBe('failure');
  });

  it('merges at the head SHA, and the pull then reads merged', async () => {
    const merged = (await client.merge({ number, sha: HEAD, method: 'squash' }))._unsafeUnwrap();
    expect(merged.merged).toBe(true);
    expect((await client.changeRequestState(number))._unsafeUnwrap()).toMatchObject({
      state: 'merged',
      mergeCommitSha: merged.sha,
    });
  });

  it('refuses with MERGE_HEAD_MOVED when a commit landed after the gates', async () => {
    gh.state.setBranch('acme', 'widgets', 'worktrain/s1', 'b'.repeat(40));
    const moved = await client.merge({ number, sha: HEAD, method: 'squash' });
    expect(moved._unsafeUnwrapErr()).toMatchObject({ code: 'MERGE_HEAD_MOVED', details: { status: 409 } });
    expect((await client.changeRequestState(number))._unsafeUnwrap().state).toBe('open');
  });

  it('refuses with MERGE_NOT_ALLOWED when GitHub cannot merge (405)', async () => {
    const pull = gh.state.pulls('acme', 'widgets')[0]?.pull;
    if (pull === undefined) throw new Error('no pull');
    pull.mergeable = false;
    const refused = await client.merge({ number, sha: HEAD, method: 'merge' });
    expect(refused._unsafeUnwrapErr()).toMatchObject({ code: 'MERGE_NOT_ALLOWED', details: { status: 405 } });
  });

  it('keeps the proof summary in the description: appended once, then replaced, the rest untouched', async () => {
    const item = gh.state.pulls('acme', 'widgets')[0];
    if (item === undefined) throw new Error('no pull');
    item.body = 'Fixes the widget.';
    (await client.publishSummary(number, '**Proof**: review pass'))._unsafeUnwrap();
    (await client.publishSummary(number, '**Proof**: merged'))._unsafeUnwrap();
    expect(item.body).toBe(`Fixes the widget.\n\n${SUMMARY_START}\n**Proof**: merged\n${SUMMARY_END}\n`);
  });
});
