/**
 * The merge gate's GitLab calls against the GitLab double (shapes checked against GitLab's documented
 * answers): head SHA and state, CI from the newest pipeline and the commit's statuses, and the merge with
 * the `sha` guard (409 → MERGE_HEAD_MOVED, 405/406 → MERGE_NOT_ALLOWED).
 */
import {
  type FakeGitLab,
  type FakeGitLabMergeRequest,
  type FakeGitLabProject,
  startFakeGitLab,
} from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitLabMergeClient, type MergeClient, SUMMARY_END, SUMMARY_START } from '../src/index.js';

const TOKEN = 'glpat-mergeGateTokenOnly0000';
let gl: FakeGitLab;
let project: FakeGitLabProject;
let mr: FakeGitLabMergeRequest;
let head: string;
let client: MergeClient;

beforeEach(async () => {
  gl = await startFakeGitLab({ tokens: { [TOKEN]: 'worktrain-bot' }, pathPrefix: '/gitlab' });
  project = gl.state.addProject('acme/widgets');
  mr = gl.state.addMergeRequest(project, { title: 'Fix pagination', sourceBranch: 'worktrain/s1' });
  head = mr.sha ?? '';
  client = createGitLabMergeClient({ project: 'acme/widgets', token: TOKEN, baseUrl: gl.url });
});
afterEach(async () => {
  expect(gl.state.schemaViolations).toEqual([]);
  await gl.close();
});

const mergeRequests = () => gl.state.requests.filter((r) => r.route === 'mergeMergeRequest');

describe('the GitLab merge client: state', () => {
  it('reads the head SHA, the open state and the mergeability of an open MR', async () => {
    expect((await client.changeRequestState(mr.iid))._unsafeUnwrap()).toEqual({
      number: mr.iid,
      url: `${gl.url}/acme/widgets/-/merge_requests/${mr.iid}`,
      headSha: head,
      state: 'open',
      mergeable: true,
      mergeCommitSha: null,
    });
  });

  it('reads mergeable null while GitLab checks, false for a draft, and works by numeric project id', async () => {
    mr.mergeable = null;
    expect((await client.changeRequestState(mr.iid))._unsafeUnwrap().mergeable).toBeNull();
    mr.mergeable = true;
    mr.title = 'Draft: Fix pagination';
    const byId = createGitLabMergeClient({ project: project.id, token: TOKEN, baseUrl: gl.url });
    expect((await byId.changeRequestState(mr.iid))._unsafeUnwrap().mergeable).toBe(false);
  });

  it('maps an unknown MR to FORGE_NOT_FOUND and a revoked token to FORGE_AUTH_FAILED', async () => {
    expect((await client.changeRequestState(99))._unsafeUnwrapErr().code).toBe('FORGE_NOT_FOUND');
    gl.state.revokeToken(TOKEN);
    expect((await client.changeRequestState(mr.iid))._unsafeUnwrapErr().code).toBe('FORGE_AUTH_FAILED');
  });
});

describe('the GitLab merge client: CI', () => {
  it('answers none when the SHA has no pipeline and no status', async () => {
    expect((await client.ciStatus(head))._unsafeUnwrap()).toEqual({ sha: head, state: 'none', checks: [] });
  });

  it('follows the newest pipeline: pending while it runs, failure when it fails, success when it passes', async () => {
    const first = gl.state.addPipeline(project, { sha: head, ref: 'worktrain/s1', status: 'running' });
    const ci = async () => (await client.ciStatus(head))._unsafeUnwrap();
    expect((await ci()).state).toBe('pending');
    gl.state.setPipelineStatus(first, 'failed');
    expect(await ci()).toMatchObject({
      state: 'failure',
      checks: [{ name: `pipeline #${first.id} (worktrain/s1)`, state: 'failure' }],
    });
    // A new run for the same SHA supersedes the failed one.
    const rerun = gl.state.addPipeline(project, { sha: head, ref: 'worktrain/s1', status: 'success' });
    expect(await ci()).toMatchObject({
      state: 'success',
      checks: [
        {
          name: `pipeline #${rerun.id} (worktrain/s1)`,
          url: `${gl.url}/acme/widgets/-/pipelines/${rerun.id}`,
        },
      ],
    });
    // Another SHA's pipeline is not this SHA's CI.
    gl.state.addPipeline(project, { sha: 'c'.repeat(40), status: 'failed' });
    expect((await ci()).state).toBe('success');
  });

  it('treats a manual pipeline as pending and a skipped one as failure', async () => {
    const pipeline = gl.state.addPipeline(project, { sha: head, ref: 'worktrain/s1', status: 'manual' });
    expect((await client.ciStatus(head))._unsafeUnwrap().state).toBe('pending');
    gl.state.setPipelineStatus(pipeline, 'skipped');
    expect((await client.ciStatus(head))._unsafeUnwrap().state).toBe('failure');
  });

  it('combines commit statuses with the pipeline; an allowed failure does not block', async () => {
    gl.state.addPipeline(project, { sha: head, ref: 'worktrain/s1', status: 'success' });
    const status = (name: string, s: 'pending' | 'running' | 'success' | 'failed', allowFailure = false) =>
      gl.state.setCommitStatus(project, {
        sha: head,
        ref: 'worktrain/s1',
        name,
        status: s,
        allowFailure,
        targetUrl: `https://ci.example/${name}`,
      });
    status('external-ci', 'running');
    const pending = (await client.ciStatus(head))._unsafeUnwrap();
    expect(pending.state).toBe('pending');
    expect(pending.checks).toContainEqual({
      name: 'external-ci',
      state: 'pending',
      url: 'https://ci.example/external-ci',
    });
    status('external-ci', 'success');
    status('optional-audit', 'failed', true);
    const green = (await client.ciStatus(head))._unsafeUnwrap();
    expect(green.state).toBe('success');
    expect(green.checks.map((c) => c.name)).not.toContain('optional-audit');
    status('security-scan', 'failed');
    expect((await client.ciStatus(head))._unsafeUnwrap().state).toBe('failure');
  });

  it('reads statuses alone when no CI pipeline ran', async () => {
    gl.state.setCommitStatus(project, { sha: head, name: 'jenkins', status: 'success' });
    expect((await client.ciStatus(head))._unsafeUnwrap()).toEqual({
      sha: head,
      state: 'success',
      checks: [{ name: 'jenkins', state: 'success', url: null }],
    });
  });
});

describe('the GitLab merge client: merge', () => {
  it('merges at the head SHA, and the MR then reads merged with its merge commit', async () => {
    const merged = (await client.merge({ number: mr.iid, sha: head, method: 'merge' }))._unsafeUnwrap();
    expect(merged).toEqual({ number: mr.iid, sha: mr.mergeCommitSha, merged: true });
    expect(mergeRequests()[0]?.body).toMatchObject({ sha: head, squash: false });
    expect((await client.changeRequestState(mr.iid))._unsafeUnwrap()).toMatchObject({
      state: 'merged',
      mergeCommitSha: merged.sha,
    });
  });

  it('squashes with squash: true and the title as the squash commit message', async () => {
    const merged = await client.merge({ number: mr.iid, sha: head, method: 'squash', title: 'fix: pages' });
    expect(merged._unsafeUnwrap().merged).toBe(true);
    expect(mergeRequests()[0]?.body).toEqual({
      sha: head,
      squash: true,
      squash_commit_message: 'fix: pages',
    });
    expect(mr).toMatchObject({ state: 'merged', squash: true });
  });

  it('refuses with MERGE_HEAD_MOVED when a push landed after the gates, and merges nothing', async () => {
    const moved = gl.state.pushToMergeRequest(mr);
    const refused = await client.merge({ number: mr.iid, sha: head, method: 'squash' });
    expect(refused._unsafeUnwrapErr()).toMatchObject({
      code: 'MERGE_HEAD_MOVED',
      details: { status: 409, number: mr.iid, sha: head, head: moved },
    });
    expect(mr.state).toBe('opened');
    expect((await client.changeRequestState(mr.iid))._unsafeUnwrap()).toMatchObject({
      state: 'open',
      headSha: moved,
    });
  });

  it('refuses with MERGE_NOT_ALLOWED when the MR cannot be merged (406) or is a draft (405)', async () => {
    mr.mergeable = false;
    const conflicted = await client.merge({ number: mr.iid, sha: head, method: 'merge' });
    expect(conflicted._unsafeUnwrapErr()).toMatchObject({
      code: 'MERGE_NOT_ALLOWED',
      details: { status: 406, number: mr.iid, gitlabMessage: 'Branch cannot be merged' },
    });
    mr.mergeable = true;
    mr.title = 'Draft: Fix pagination';
    const draft = await client.merge({ number: mr.iid, sha: head, method: 'merge' });
    expect(draft._unsafeUnwrapErr()).toMatchObject({ code: 'MERGE_NOT_ALLOWED', details: { status: 405 } });
    expect(mr.state).toBe('opened');
  });

  it('refuses a rebase merge with INVALID_INPUT without asking GitLab', async () => {
    const refused = await client.merge({ number: mr.iid, sha: head, method: 'rebase' });
    expect(refused._unsafeUnwrapErr()).toMatchObject({
      code: 'INVALID_INPUT',
      details: { method: 'rebase' },
    });
    expect(mergeRequests()).toEqual([]);
  });
});

describe('the GitLab merge client: proof summary', () => {
  it('keeps the proof summary in the MR description: appended once, then replaced, the rest untouched', async () => {
    mr.description = 'Fixes pagination.';
    (await client.publishSummary(mr.iid, '**Proof**: review pass'))._unsafeUnwrap();
    (await client.publishSummary(mr.iid, '**Proof**: merged'))._unsafeUnwrap();
    expect(mr.description).toBe(`Fixes pagination.\n\n${SUMMARY_START}\n**Proof**: merged\n${SUMMARY_END}\n`);
  });
});
