import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '../src/index.js';

let gh: FakeGitHub;
let fixture: GitFixture;
let octokit: Octokit;
const repo = { owner: 'acme', repo: 'widgets' };

beforeEach(async () => {
  fixture = await createGitFixture({ files: { 'src/index.ts': 'export const x = 1;\n' } });
  gh = await startFakeGitHub();
  gh.state.addRepo({ owner: 'acme', name: 'widgets', originDir: fixture.originDir });
  octokit = new Octokit({
    auth: 'any-token',
    baseUrl: gh.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
});
afterEach(async () => {
  expect(gh.state.specViolations).toEqual([]);
  await gh.close();
  await fixture.cleanup();
});

it('opens a PR only for a branch pushed to the bare origin, with its real head sha', async () => {
  await fixture.git(['switch', '-q', '-c', 'worktrain/s1']);
  const sha = await fixture.commitFiles({ 'src/index.ts': 'export const x = 2;\n' }, 'fix: x is 2');
  const before = await octokit.rest.pulls
    .create({ ...repo, title: 'Fix', head: 'worktrain/s1', base: 'main' })
    .catch((caught: unknown) => caught);
  expect(before).toMatchObject({
    status: 422,
    response: { data: { errors: [{ field: 'head', code: 'invalid' }] } },
  });
  await fixture.git(['push', '-q', 'origin', 'worktrain/s1']);
  const { data } = await octokit.rest.pulls.create({
    ...repo,
    title: 'Fix',
    head: 'worktrain/s1',
    base: 'main',
  });
  expect(data.head.sha).toBe(sha);
  expect(data.base.sha).toBe(await fixture.originRef('main'));
});

it('refuses a PR whose head has no commits beyond the base, like GitHub', async () => {
  await fixture.git(['push', '-q', 'origin', 'main:refs/heads/worktrain/empty']);
  const error = await octokit.rest.pulls
    .create({ ...repo, title: 'Nothing', head: 'worktrain/empty', base: 'main' })
    .catch((caught: unknown) => caught);
  expect(error).toMatchObject({
    status: 422,
    response: {
      data: { errors: [{ code: 'custom', message: 'No commits between main and worktrain/empty' }] },
    },
  });
});

it('reports the head sha a later push moved the branch to', async () => {
  await fixture.git(['switch', '-q', '-c', 'worktrain/s2']);
  await fixture.commitFiles({ 'a.txt': '1\n' }, 'one');
  await fixture.git(['push', '-q', 'origin', 'worktrain/s2']);
  const { data } = await octokit.rest.pulls.create({
    ...repo,
    title: 'Two',
    head: 'acme:worktrain/s2',
    base: 'main',
  });
  const second = await fixture.commitFiles({ 'a.txt': '2\n' }, 'two');
  await fixture.git(['push', '-q', 'origin', 'worktrain/s2']);
  expect((await octokit.rest.pulls.get({ ...repo, pull_number: data.number })).data.head.sha).toBe(second);
});
