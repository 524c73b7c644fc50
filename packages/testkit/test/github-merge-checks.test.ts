import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '../src/index.js';

let gh: FakeGitHub;
let octokit: Octokit;
const repo = { owner: 'acme', repo: 'widgets' };
const HEAD = 'a'.repeat(40);

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { 'ghp-bot': 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', branches: { 'worktrain/s1': HEAD } });
  octokit = new Octokit({ auth: 'ghp-bot', baseUrl: gh.url, log: quiet });
});
afterEach(async () => {
  // Every exchange must match GitHub's OpenAPI description.
  expect(gh.state.specViolations).toEqual([]);
  await gh.close();
});

function failure(promise: Promise<unknown>): Promise<{ status?: number; message?: string }> {
  return promise.then(
    () => ({}),
    (error: unknown) => ({
      status: (error as { status?: number }).status,
      message: (error as { response?: { data?: { message?: string } } }).response?.data?.message,
    }),
  );
}

async function openPull(draft = false): Promise<number> {
  const { data } = await octokit.rest.pulls.create({
    ...repo,
    title: 'Fix',
    head: 'worktrain/s1',
    base: 'main',
    draft,
  });
  return data.number;
}

describe('merging a pull request', () => {
  it('merges at the given head sha, and the pull then reads as merged and closed', async () => {
    const number = await openPull();
    const { data } = await octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: HEAD });
    expect(data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    expect(data.sha).toMatch(/^[0-9a-f]{40}$/);
    const { data: pull } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    expect(pull).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: data.sha });
    expect(pull.merged_at).not.toBeNull();
    expect(pull.merged_by?.login).toBe('worktrain-bot');
  });

  it('answers 409 when the sha is not the head any more, and merges nothing', async () => {
    const number = await openPull();
    gh.state.setBranch('acme', 'widgets', 'worktrain/s1', 'b'.repeat(40));
    expect(await failure(octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: HEAD }))).toEqual({
      status: 409,
      message: 'Head branch was modified. Review and try the merge again.',
    });
    const { data: pull } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    expect(pull).toMatchObject({ state: 'open', merged: false, merge_commit_sha: null });
  });

  it('answers 405 for a pull that cannot be merged, a draft, and one already merged', async () => {
    const number = await openPull();
    const pull = gh.state.pulls('acme', 'widgets')[0]?.pull;
    if (pull === undefined) throw new Error('no pull');
    pull.mergeable = false;
    expect(await failure(octokit.rest.pulls.merge({ ...repo, pull_number: number }))).toEqual({
      status: 405,
      message: 'Pull Request is not mergeable',
    });
    pull.mergeable = true;
    await octokit.rest.pulls.merge({ ...repo, pull_number: number });
    expect((await failure(octokit.rest.pulls.merge({ ...repo, pull_number: number }))).status).toBe(405);
    gh.state.setBranch('acme', 'widgets', 'worktrain/s1', 'c'.repeat(40));
    const draft = await openPull(true);
    expect(await failure(octokit.rest.pulls.merge({ ...repo, pull_number: draft }))).toEqual({
      status: 405,
      message: 'Pull Request is still a draft',
    });
    expect((await failure(octokit.rest.pulls.merge({ ...repo, pull_number: 99 }))).status).toBe(404);
  });
});

describe('merging in a real bare origin', () => {
  let fixture: GitFixture;
  beforeEach(async () => {
    fixture = await createGitFixture({ files: { 'a.txt': 'one\n' } });
    gh.state.addRepo({ owner: 'acme', name: 'real', originDir: fixture.originDir });
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('writes a merge commit on the base branch with both parents', async () => {
    await fixture.git(['switch', '-q', '-c', 'feat']);
    const head = await fixture.commitFiles({ 'a.txt': 'two\n' }, 'two');
    await fixture.git(['push', '-q', 'origin', 'feat']);
    const base = (await fixture.originRef('main')) ?? '';
    const { data: pr } = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'real',
      title: 'Two',
      head: 'feat',
      base: 'main',
    });
    const { data } = await octokit.rest.pulls.merge({
      owner: 'acme',
      repo: 'real',
      pull_number: pr.number,
      sha: head,
    });
    expect(await fixture.originRef('main')).toBe(data.sha);
    const parents = await fixture.git([
      '--git-dir',
      fixture.originDir,
      'rev-list',
      '--parents',
      '-n1',
      data.sha,
    ]);
    expect(parents.split(' ').slice(1)).toEqual([base, head]);
  });

  it('answers 405 when the branches conflict, leaving the base where it was', async () => {
    await fixture.git(['switch', '-q', '-c', 'feat']);
    await fixture.commitFiles({ 'a.txt': 'feature\n' }, 'feature');
    await fixture.git(['push', '-q', 'origin', 'feat']);
    await fixture.git(['switch', '-q', 'main']);
    await fixture.commitFiles({ 'a.txt': 'main moved\n' }, 'main moved');
    await fixture.git(['push', '-q', 'origin', 'main']);
    const base = await fixture.originRef('main');
    const { data: pr } = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'real',
      title: 'Conflict',
      head: 'feat',
      base: 'main',
    });
    expect(
      (await failure(octokit.rest.pulls.merge({ owner: 'acme', repo: 'real', pull_number: pr.number })))
        .status,
    ).toBe(405);
    expect(await fixture.originRef('main')).toBe(base);
    const { data: pull } = await octokit.rest.pulls.get({
      owner: 'acme',
      repo: 'real',
      pull_number: pr.number,
    });
    expect(pull).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
  });
});

describe('CI state of a commit', () => {
  it('lists check runs for a sha or a branch as a test moves them from queued to completed', async () => {
    gh.state.setCheckRun('acme', 'widgets', { headSha: HEAD, name: 'test', status: 'queued' });
    const queued = await octokit.rest.checks.listForRef({ ...repo, ref: HEAD });
    expect(queued.data.total_count).toBe(1);
    expect(queued.data.check_runs[0]).toMatchObject({ name: 'test', status: 'queued', conclusion: null });
    gh.state.setCheckRun('acme', 'widgets', { headSha: HEAD, name: 'test', status: 'in_progress' });
    gh.state.setCheckRun('acme', 'widgets', {
      headSha: HEAD,
      name: 'lint',
      status: 'completed',
      conclusion: 'failure',
    });
    gh.state.setCheckRun('acme', 'widgets', {
      headSha: HEAD,
      name: 'test',
      status: 'completed',
      conclusion: 'success',
    });
    const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: 'worktrain/s1' });
    expect(data.check_runs.map((run) => [run.name, run.status, run.conclusion])).toEqual([
      ['lint', 'completed', 'failure'],
      ['test', 'completed', 'success'],
    ]);
    expect(data.check_runs[1]?.completed_at).not.toBeNull();
    const filtered = await octokit.rest.checks.listForRef({ ...repo, ref: HEAD, check_name: 'lint' });
    expect(filtered.data.total_count).toBe(1);
    const other = await octokit.rest.checks.listForRef({ ...repo, ref: 'b'.repeat(40) });
    expect(other.data).toMatchObject({ total_count: 0, check_runs: [] });
  });

  it('combines commit statuses by the latest per context: pending, failure, success', async () => {
    const combined = async () =>
      (await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: HEAD })).data;
    expect(await combined()).toMatchObject({ state: 'pending', total_count: 0, sha: HEAD });
    gh.state.addCommitStatus('acme', 'widgets', { sha: HEAD, state: 'pending', context: 'ci/build' });
    gh.state.addCommitStatus('acme', 'widgets', { sha: HEAD, state: 'success', context: 'ci/lint' });
    expect((await combined()).state).toBe('pending');
    gh.state.addCommitStatus('acme', 'widgets', { sha: HEAD, state: 'failure', context: 'ci/build' });
    expect(await combined()).toMatchObject({ state: 'failure', total_count: 2 });
    gh.state.addCommitStatus('acme', 'widgets', { sha: HEAD, state: 'success', context: 'ci/build' });
    expect((await combined()).state).toBe('success');
    const { data: all } = await octokit.rest.repos.listCommitStatusesForRef({ ...repo, ref: 'worktrain/s1' });
    expect(all.map((s) => s.state)).toEqual(['success', 'failure', 'success', 'pending']);
    expect(
      (await failure(octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: 'no-such-branch' }))).status,
    ).toBe(404);
  });
});

describe('collaborator permission', () => {
  it('reports the coarse permission and the exact role; the owner is admin', async () => {
    gh.state.setRole('acme', 'widgets', 'maria', 'maintain');
    gh.state.setRole('acme', 'widgets', 'tom', 'triage');
    const of = async (username: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username })).data;
    expect(await of('acme')).toMatchObject({ permission: 'admin', role_name: 'admin' });
    expect(await of('maria')).toMatchObject({ permission: 'write', role_name: 'maintain' });
    expect(await of('tom')).toMatchObject({ permission: 'read', role_name: 'triage' });
    expect(await of('stranger')).toMatchObject({ permission: 'read', role_name: 'read' });
    gh.state.addRepo({ owner: 'acme', name: 'secret', private: true });
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: 'acme',
      repo: 'secret',
      username: 'stranger',
    });
    expect(data).toMatchObject({ permission: 'none' });
  });
});
