import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeGitLab,
  gitlabMergeRequestDetailSchema,
  gitlabMergeRequestSchema,
  startFakeGitLab,
} from '../src/index.js';

const TOKEN = 'glpat-testTokenOnly0000';
let gl: FakeGitLab;
beforeEach(async () => {
  gl = await startFakeGitLab({ tokens: { [TOKEN]: 'worktrain-bot' }, pathPrefix: '/gitlab' });
  gl.state.addProject('acme/widgets');
});
afterEach(async () => {
  expect(gl.state.schemaViolations).toEqual([]);
  await gl.close();
});

const api = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
  fetch(`${gl.url}/api/v4${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { 'private-token': token }),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/gitlab/${name}`, import.meta.url), 'utf8'));

describe('fake GitLab', () => {
  it('derives its merge request schemas from real gitlab.com answers', () => {
    expect(gitlabMergeRequestDetailSchema.safeParse(fixture('get_merge_request.json')).success).toBe(true);
    const list = fixture('get_merge_requests.json');
    expect(Array.isArray(list) && list.every((m) => gitlabMergeRequestSchema.safeParse(m).success)).toBe(
      true,
    );
    // A wrong type in a real answer is caught, so the check can fail.
    const broken = { ...(fixture('get_merge_request.json') as object), iid: 'x' };
    expect(gitlabMergeRequestDetailSchema.safeParse(broken).success).toBe(false);
  });

  it('answers projects by id and by URL-encoded path under the self-managed prefix; 404 for unknown', async () => {
    const byPath = await api('/projects/acme%2Fwidgets');
    expect(byPath.status).toBe(200);
    const project = (await byPath.json()) as { id: number; path_with_namespace: string };
    expect(project.path_with_namespace).toBe('acme/widgets');
    expect((await api(`/projects/${project.id}`)).status).toBe(200);
    const missing = await api('/projects/999999');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: '404 Project Not Found' });
    expect(new URL(gl.url).pathname).toBe('/gitlab');
  });

  it('needs PRIVATE-TOKEN or Bearer; a revoked token answers 401', async () => {
    const none = await api('/projects/acme%2Fwidgets', {}, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: '401 Unauthorized' });
    const bearer = await fetch(`${gl.url}/api/v4/projects/acme%2Fwidgets`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bearer.status).toBe(200);
    gl.state.revokeToken(TOKEN);
    expect((await api('/projects/acme%2Fwidgets')).status).toBe(401);
  });

  it('creates one open MR per source branch (409 with GitLab body), lists by branch and state, updates', async () => {
    const body = { source_branch: 'feat', target_branch: 'main', title: 'Add', labels: 'a,b' };
    const created = await api('/projects/acme%2Fwidgets/merge_requests', {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(201);
    const mr = (await created.json()) as { iid: number; labels: string[]; web_url: string };
    expect(mr.labels).toEqual(['a', 'b']);
    expect(mr.web_url).toBe(`${gl.url}/acme/widgets/-/merge_requests/1`);
    const again = await api('/projects/acme%2Fwidgets/merge_requests', {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      message: ['Another open merge request already exists for this source branch: !1'],
    });
    const listed = (await (
      await api('/projects/acme%2Fwidgets/merge_requests?source_branch=feat&state=opened')
    ).json()) as unknown[];
    expect(listed).toHaveLength(1);
    expect(
      await (await api('/projects/acme%2Fwidgets/merge_requests?source_branch=feat&state=merged')).json(),
    ).toEqual([]);
    const updated = await api(`/projects/acme%2Fwidgets/merge_requests/${mr.iid}`, {
      method: 'PUT',
      body: JSON.stringify({ title: 'Add more', add_labels: 'c', remove_labels: 'a' }),
    });
    expect(await updated.json()).toMatchObject({ title: 'Add more', labels: ['b', 'c'] });
    const missingTitle = await api('/projects/acme%2Fwidgets/merge_requests', {
      method: 'POST',
      body: JSON.stringify({ source_branch: 'x', target_branch: 'main' }),
    });
    expect(missingTitle.status).toBe(400);
    expect(await missingTitle.json()).toEqual({ error: 'title is missing' });
    gl.state.schemaViolations.length = 0; // the 400 above is recorded on purpose
  });

  it('paginates notes with X-Total, X-Next-Page and Link; updates a note; ETag 304', async () => {
    const project = gl.state.project('acme/widgets');
    if (project === undefined) throw new Error('no project');
    const issue = gl.state.addIssue(project, { title: 'Bug' });
    for (let i = 0; i < 3; i += 1) {
      const r = await api(`/projects/${project.id}/issues/${issue.iid}/notes`, {
        method: 'POST',
        body: JSON.stringify({ body: `note ${i}` }),
      });
      expect(r.status).toBe(201);
    }
    const page1 = await api(`/projects/${project.id}/issues/${issue.iid}/notes?per_page=2&sort=asc`);
    expect(page1.headers.get('x-total')).toBe('3');
    expect(page1.headers.get('x-total-pages')).toBe('2');
    expect(page1.headers.get('x-next-page')).toBe('2');
    expect(page1.headers.get('link')).toContain('rel="next"');
    const notes = (await page1.json()) as { id: number; body: string }[];
    expect(notes.map((n) => n.body)).toEqual(['note 0', 'note 1']);
    const page2 = await api(`/projects/${project.id}/issues/${issue.iid}/notes?per_page=2&sort=asc&page=2`);
    expect(page2.headers.get('x-next-page')).toBe('');
    const first = notes[0];
    if (first === undefined) throw new Error('no note');
    const edited = await api(`/projects/${project.id}/issues/${issue.iid}/notes/${first.id}`, {
      method: 'PUT',
      body: JSON.stringify({ body: 'edited' }),
    });
    expect(await edited.json()).toMatchObject({ id: first.id, body: 'edited', noteable_type: 'Issue' });
    const got = await api(`/projects/${project.id}/issues/${issue.iid}`);
    const etag = got.headers.get('etag') ?? '';
    expect(
      (await api(`/projects/${project.id}/issues/${issue.iid}`, { headers: { 'if-none-match': etag } }))
        .status,
    ).toBe(304);
    const labelled = await api(`/projects/${project.id}/issues/${issue.iid}`, {
      method: 'PUT',
      body: JSON.stringify({ add_labels: 'worktrain' }),
    });
    expect(await labelled.json()).toMatchObject({ labels: ['worktrain'] });
  });

  it('injects faults on a route', async () => {
    gl.state.injectFault({ route: 'getProject', status: 502, message: '502 Bad Gateway' });
    expect((await api('/projects/acme%2Fwidgets')).status).toBe(502);
    expect((await api('/projects/acme%2Fwidgets')).status).toBe(200);
  });

  it('lists issues and merge requests with the documented filters and refuses undocumented query parameters', async () => {
    const project = gl.state.project('acme/widgets');
    if (project === undefined) throw new Error('no project');
    gl.state.addIssue(project, { title: 'Mine', labels: ['bug', 'ready'], assignees: ['ana'] });
    gl.state.addIssue(project, { title: 'Other', labels: ['bug'] });
    gl.state.addMergeRequest(project, { title: 'Review me', sourceBranch: 'a', reviewers: ['dba'] });
    gl.state.addMergeRequest(project, { title: 'Not me', sourceBranch: 'b' });
    const issues = (await (
      await api('/projects/acme%2Fwidgets/issues?state=opened&labels=bug,ready&assignee_username[]=ana')
    ).json()) as Array<{ title: string; assignees: Array<{ username: string }> }>;
    expect(issues.map((i) => i.title)).toEqual(['Mine']);
    expect(issues[0]?.assignees.map((u) => u.username)).toEqual(['ana']);
    const mrs = (await (
      await api(
        '/projects/acme%2Fwidgets/merge_requests?state=opened&reviewer_username=dba&order_by=updated_at',
      )
    ).json()) as Array<{ title: string }>;
    expect(mrs.map((m) => m.title)).toEqual(['Review me']);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await (await api(`/projects/acme%2Fwidgets/issues?updated_after=${future}`)).json()).toEqual([]);
    const bad = await api('/projects/acme%2Fwidgets/issues?labelz=bug');
    expect(bad.status).toBe(400);
    expect(gl.state.schemaViolations.splice(0)).toEqual([expect.stringContaining('labelz')]);
    expect((await api('/projects/acme%2Fwidgets/merge_requests?state=open')).status).toBe(400);
    expect(gl.state.schemaViolations.splice(0)).toEqual([expect.stringContaining('state')]);
  });
});
