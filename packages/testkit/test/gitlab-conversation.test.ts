import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen, type StartedServer } from '../src/http-server.js';
import {
  type FakeGitLab,
  type FakeGitLabMergeRequest,
  type FakeGitLabProject,
  gitlabNoteHookEvent,
  sendGitLabWebhook,
  startFakeGitLab,
} from '../src/index.js';
import { shapeDrift } from './shape-drift.js';

const BOT = 'glpat-bot000000000000000';
const ANA = 'glpat-ana000000000000000';
let gl: FakeGitLab;
let project: FakeGitLabProject;
let mr: FakeGitLabMergeRequest;
// New lines 1-3: 1 context, 2 added, 3 context; old line 2 was removed.
const PATCH = '@@ -1,3 +1,3 @@\n one\n-two\n+2\n three';

beforeEach(async () => {
  gl = await startFakeGitLab({ tokens: { [BOT]: 'worktrain-bot', [ANA]: 'ana' } });
  project = gl.state.addProject('acme/widgets');
  mr = gl.state.addMergeRequest(project, { title: 'Fix', sourceBranch: 'worktrain/s1' });
  mr.files = { 'src/a.ts': PATCH };
});
afterEach(async () => {
  expect(gl.state.schemaViolations).toEqual([]);
  await gl.close();
});

const api = (path: string, init: RequestInit = {}, token = BOT) =>
  fetch(`${gl.url}/api/v4/projects/${project.id}/merge_requests/${mr.iid}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'private-token': token },
  });
const position = (lines: { new_line?: number; old_line?: number }) => ({
  base_sha: mr.baseSha,
  start_sha: mr.baseSha,
  head_sha: mr.sha,
  position_type: 'text',
  old_path: 'src/a.ts',
  new_path: 'src/a.ts',
  ...lines,
});
interface Discussion {
  id: string;
  individual_note: boolean;
  notes: Array<{ id: number; type: string | null; body: string; position?: Record<string, unknown> }>;
}

describe('discussions on a merge request', () => {
  it('opens a thread on a diff line, replies to it, and lists it with the plain notes', async () => {
    const created = await api(
      '/discussions',
      {
        method: 'POST',
        body: JSON.stringify({ body: '@worktrain fix the null check', position: position({ new_line: 2 }) }),
      },
      ANA,
    );
    expect(created.status).toBe(201);
    const thread = (await created.json()) as Discussion;
    expect(thread).toMatchObject({ individual_note: false, notes: [{ type: 'DiffNote' }] });
    expect(thread.notes[0]?.position).toMatchObject({ new_path: 'src/a.ts', new_line: 2, old_line: null });
    const reply = await api(`/discussions/${thread.id}/notes`, {
      method: 'POST',
      body: JSON.stringify({ body: 'Fixed in abc123' }),
    });
    expect(reply.status).toBe(201);
    expect(await reply.json()).toMatchObject({
      body: 'Fixed in abc123',
      type: 'DiffNote',
      author: { username: 'worktrain-bot' },
    });
    await api('/notes', { method: 'POST', body: JSON.stringify({ body: 'general remark' }) });
    const list = (await (await api('/discussions')).json()) as Discussion[];
    expect(list.map((d) => [d.individual_note, d.notes.map((n) => n.body)])).toEqual([
      [false, ['@worktrain fix the null check', 'Fixed in abc123']],
      [true, ['general remark']],
    ]);
    const general = await api('/discussions', { method: 'POST', body: JSON.stringify({ body: 'a thread' }) });
    expect(await general.json()).toMatchObject({
      individual_note: false,
      notes: [{ type: 'DiscussionNote' }],
    });
  });

  it('accepts a removed line by old_line and form-encoded positions', async () => {
    const removed = await api('/discussions', {
      method: 'POST',
      body: JSON.stringify({ body: 'why remove?', position: position({ old_line: 2 }) }),
    });
    expect(removed.status).toBe(201);
    const form = new URLSearchParams({ body: 'form' });
    for (const [key, value] of Object.entries(position({ new_line: 3 })))
      form.set(`position[${key}]`, String(value));
    const encoded = await fetch(
      `${gl.url}/api/v4/projects/${project.id}/merge_requests/${mr.iid}/discussions`,
      {
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'private-token': BOT },
      },
    );
    expect(encoded.status).toBe(201);
  });

  it('answers 400 for a line outside the diff or a stale head sha, 404 for an unknown thread', async () => {
    const outside = await api('/discussions', {
      method: 'POST',
      body: JSON.stringify({ body: 'x', position: position({ new_line: 40 }) }),
    });
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { message: string }).message).toMatch(/must be a valid line code/);
    const stale = position({ new_line: 2 });
    gl.state.pushToMergeRequest(mr);
    const moved = await api('/discussions', {
      method: 'POST',
      body: JSON.stringify({ body: 'x', position: stale }),
    });
    expect(moved.status).toBe(400);
    const missingBody = await api('/discussions', { method: 'POST', body: JSON.stringify({}) });
    expect(missingBody.status).toBe(400);
    gl.state.schemaViolations.length = 0; // the missing body is recorded on purpose
    const unknown = await api(`/discussions/${'0'.repeat(40)}/notes`, {
      method: 'POST',
      body: '{"body":"x"}',
    });
    expect(unknown.status).toBe(404);
    expect(mr.notes).toEqual([]);
  });
});

describe('Note Hook', () => {
  let receiver: StartedServer;
  const received: Array<{ headers: Record<string, string>; body: string }> = [];
  beforeEach(async () => {
    received.length = 0;
    const app = new Hono();
    app.post('/hook', async (c) => {
      received.push({ headers: Object.fromEntries(c.req.raw.headers), body: await c.req.text() });
      return c.json({ ok: true });
    });
    receiver = await listen(app as never);
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('carries every key of a real GitLab note hook on a merge request, with the same types', async () => {
    await api(
      '/discussions',
      {
        method: 'POST',
        body: JSON.stringify({ body: '@worktrain fix it', position: position({ new_line: 2 }) }),
      },
      ANA,
    );
    const note = mr.notes[0];
    if (note === undefined) throw new Error('no note');
    const payload = gitlabNoteHookEvent(gl, project, mr, note);
    const real: unknown = JSON.parse(
      readFileSync(new URL('../fixtures/gitlab/webhook_note_merge_request.json', import.meta.url), 'utf8'),
    );
    expect(shapeDrift(real, payload)).toEqual([]);
    expect(payload).toMatchObject({
      object_kind: 'note',
      user: { username: 'ana' },
      object_attributes: {
        note: '@worktrain fix it',
        noteable_type: 'MergeRequest',
        type: 'DiffNote',
        position: { new_line: 2 },
      },
      merge_request: { iid: mr.iid, source_branch: 'worktrain/s1', state: 'opened' },
    });
    expect(() => gitlabNoteHookEvent(gl, project, mr, { ...note, id: 1 })).toThrow(/not on/);
  });

  it('delivers it with X-Gitlab-Event and the secret in X-Gitlab-Token', async () => {
    const note = { id: 1, body: 'hi', authorId: 1, createdAt: gl.state.now(), updatedAt: gl.state.now() };
    mr.notes.push(note);
    const payload = gitlabNoteHookEvent(gl, project, mr, note);
    const response = await sendGitLabWebhook(`${receiver.url}/hook`, 'Note Hook', payload, 'hook-secret', {
      eventUuid: 'uuid-1',
    });
    expect(response.status).toBe(200);
    const [delivery] = received;
    expect(delivery?.headers['x-gitlab-event']).toBe('Note Hook');
    expect(delivery?.headers['x-gitlab-token']).toBe('hook-secret');
    expect(delivery?.headers['x-gitlab-event-uuid']).toBe('uuid-1');
    expect(JSON.parse(delivery?.body ?? 'null')).toEqual(payload);
  });
});
