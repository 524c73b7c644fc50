import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeGitLab,
  type FakeGitLabMergeRequest,
  type FakeGitLabProject,
  GITLAB_ACCESS_LEVELS,
  startFakeGitLab,
} from '../src/index.js';

const TOKEN = 'glpat-testTokenOnly0000';
let gl: FakeGitLab;
let project: FakeGitLabProject;
let mr: FakeGitLabMergeRequest;
beforeEach(async () => {
  gl = await startFakeGitLab({ tokens: { [TOKEN]: 'worktrain-bot' } });
  project = gl.state.addProject('acme/widgets');
  mr = gl.state.addMergeRequest(project, { title: 'Fix', sourceBranch: 'worktrain/s1' });
});
afterEach(async () => {
  // Every answer must keep GitLab's documented shape.
  expect(gl.state.schemaViolations).toEqual([]);
  await gl.close();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${gl.url}/api/v4/projects/acme%2Fwidgets${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'private-token': TOKEN },
  });
const merge = (body: object) =>
  api(`/merge_requests/${mr.iid}/merge`, { method: 'PUT', body: JSON.stringify(body) });

describe('merging a merge request', () => {
  it('merges at the given head sha and reads as merged with its merge commit', async () => {
    const head = (await (await api(`/merge_requests/${mr.iid}`)).json()) as { sha: string };
    expect(head.sha).toMatch(/^[0-9a-f]{40}$/);
    const response = await merge({ sha: head.sha, squash: true });
    expect(response.status).toBe(200);
    const merged = (await response.json()) as Record<string, unknown>;
    expect(merged).toMatchObject({
      state: 'merged',
      sha: head.sha,
      merged_by: { username: 'worktrain-bot' },
    });
    expect(merged.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await (await api(`/merge_requests/${mr.iid}`)).json()).toMatchObject({ state: 'merged' });
    // Merged is not open any more: GitLab answers 405.
    expect((await merge({})).status).toBe(405);
  });

  it('answers 409 naming the head when a push moved it, and merges nothing', async () => {
    const before = mr.sha;
    const moved = gl.state.pushToMergeRequest(mr);
    const response = await merge({ sha: before });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ message: `SHA does not match HEAD of source branch: ${moved}` });
    expect(mr.state).toBe('opened');
  });

  it('answers 405 for a draft or closed MR and 406 for one that cannot be merged', async () => {
    mr.title = 'Draft: Fix';
    const draft = await merge({});
    expect(draft.status).toBe(405);
    expect(await draft.json()).toEqual({ message: '405 Method Not Allowed' });
    mr.title = 'Fix';
    mr.mergeable = false;
    const conflicted = await merge({ sha: mr.sha });
    expect(conflicted.status).toBe(406);
    expect(await conflicted.json()).toEqual({ message: 'Branch cannot be merged' });
    expect(await (await api(`/merge_requests/${mr.iid}`)).json()).toMatchObject({
      has_conflicts: true,
      detailed_merge_status: 'conflict',
    });
    mr.state = 'closed';
    expect((await merge({})).status).toBe(405);
    expect((await api('/merge_requests/99/merge', { method: 'PUT', body: '{}' })).status).toBe(404);
  });
});

describe('pipelines', () => {
  it('lists pipelines of a sha as a test moves them, newest first', async () => {
    const sha = mr.sha ?? '';
    const first = gl.state.addPipeline(project, { sha, ref: 'worktrain/s1', status: 'running' });
    gl.state.addPipeline(project, { sha: 'f'.repeat(40), ref: 'main', status: 'success' });
    const list = async (query: string) =>
      (await (await api(`/pipelines?${query}`)).json()) as Array<{ id: number; status: string; sha: string }>;
    expect((await list(`sha=${sha}`)).map((p) => [p.id, p.status])).toEqual([[first.id, 'running']]);
    gl.state.setPipelineStatus(first, 'failed');
    const retry = gl.state.addPipeline(project, { sha, ref: 'worktrain/s1', status: 'success' });
    expect((await list(`sha=${sha}`)).map((p) => [p.id, p.status])).toEqual([
      [retry.id, 'success'],
      [first.id, 'failed'],
    ]);
    expect((await list('status=success&sort=asc')).map((p) => p.sha)).toEqual(['f'.repeat(40), sha]);
  });

  it('lists the pipelines of a merge request: its branch and its merge request pipelines', async () => {
    const sha = mr.sha ?? '';
    const branch = gl.state.addPipeline(project, { sha, ref: 'worktrain/s1', status: 'success' });
    const detached = gl.state.addPipeline(project, {
      sha,
      ref: `refs/merge-requests/${mr.iid}/head`,
      status: 'pending',
      source: 'merge_request_event',
    });
    gl.state.addPipeline(project, { sha: 'e'.repeat(40), ref: 'main' });
    const response = await api(`/merge_requests/${mr.iid}/pipelines`);
    expect(response.headers.get('x-total')).toBe('2');
    const pipelines = (await response.json()) as Array<{ id: number; web_url: string }>;
    expect(pipelines.map((p) => p.id)).toEqual([detached.id, branch.id]);
    expect(pipelines[0]?.web_url).toBe(`${gl.url}/acme/widgets/-/pipelines/${detached.id}`);
    expect((await api('/merge_requests/99/pipelines')).status).toBe(404);
  });

  it('refuses an undocumented filter or status with 400', async () => {
    expect((await api('/pipelines?status=green')).status).toBe(400);
    expect((await api('/pipelines?commit=abc')).status).toBe(400);
    expect(gl.state.schemaViolations.splice(0)).toHaveLength(2);
  });
});

describe('squash and mergeability', () => {
  it('squashes on merge with squash: true and names the squash commit', async () => {
    const merged = (await (await merge({ sha: mr.sha, squash: true })).json()) as Record<string, unknown>;
    expect(merged.squash).toBe(true);
    expect(merged.squash_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(merged.squash_commit_sha).not.toBe(merged.merge_commit_sha);
  });

  it('reads checking while mergeability is computed, and draft_status for a draft', async () => {
    mr.mergeable = null;
    expect(await (await api(`/merge_requests/${mr.iid}`)).json()).toMatchObject({
      merge_status: 'checking',
      detailed_merge_status: 'checking',
      squash: false,
      squash_commit_sha: null,
    });
    mr.mergeable = true;
    mr.title = 'Draft: Fix';
    expect(await (await api(`/merge_requests/${mr.iid}`)).json()).toMatchObject({
      detailed_merge_status: 'draft_status',
    });
  });
});

describe('commit statuses', () => {
  it('lists the statuses of a sha in an external pipeline that follows them', async () => {
    const sha = mr.sha ?? '';
    const lint = gl.state.setCommitStatus(project, {
      sha,
      name: 'lint',
      status: 'running',
      ref: 'worktrain/s1',
    });
    gl.state.setCommitStatus(project, { sha: 'd'.repeat(40), name: 'lint', status: 'failed' });
    const statuses = async (query = '') =>
      (await (await api(`/repository/commits/${sha}/statuses${query}`)).json()) as Array<
        Record<string, unknown>
      >;
    expect(await statuses()).toEqual([
      expect.objectContaining({
        id: lint.id,
        name: 'lint',
        status: 'running',
        sha,
        pipeline_id: lint.pipelineId,
      }),
    ]);
    const pipelines = async () =>
      (await (await api(`/pipelines?sha=${sha}`)).json()) as Array<{
        id: number;
        status: string;
        source: string;
      }>;
    expect(await pipelines()).toEqual([
      expect.objectContaining({ id: lint.pipelineId, status: 'running', source: 'external' }),
    ]);
    // Setting the same name again moves that status; an allowed failure does not fail the pipeline.
    gl.state.setCommitStatus(project, { sha, name: 'lint', status: 'success', ref: 'worktrain/s1' });
    gl.state.setCommitStatus(project, {
      sha,
      name: 'audit',
      status: 'failed',
      ref: 'worktrain/s1',
      allowFailure: true,
    });
    expect((await statuses()).map((s) => [s.name, s.status, s.allow_failure])).toEqual([
      ['lint', 'success', false],
      ['audit', 'failed', true],
    ]);
    expect((await pipelines()).map((p) => p.status)).toEqual(['success']);
    expect((await statuses('?name=audit&sort=desc')).map((s) => s.name)).toEqual(['audit']);
    gl.state.setCommitStatus(project, { sha, name: 'e2e', status: 'failed', ref: 'worktrain/s1' });
    expect((await pipelines()).map((p) => p.status)).toEqual(['failed']);
    expect(await statuses('?state=failed')).toMatchObject({ error: expect.any(String) });
    expect(gl.state.schemaViolations.splice(0)).toHaveLength(1);
  });
});

describe('members', () => {
  it("answers a member's access level, and 404 for a user who is not a member", async () => {
    gl.state.setMember(project, 'maria', GITLAB_ACCESS_LEVELS.developer);
    gl.state.addUser('stranger');
    const maria = gl.state.users.find((u) => u.username === 'maria');
    const stranger = gl.state.users.find((u) => u.username === 'stranger');
    const member = await api(`/members/all/${maria?.id}`);
    expect(member.status).toBe(200);
    expect(await member.json()).toMatchObject({ username: 'maria', access_level: 30 });
    const none = await api(`/members/all/${stranger?.id}`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ message: '404 Not found' });
    expect((await api('/members/all/424242')).status).toBe(404);
  });
});
