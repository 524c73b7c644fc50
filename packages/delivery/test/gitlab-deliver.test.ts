import { errAsync, type SessionEvent } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitLabForge, DELIVERY_STAGES, deliver, stageKey } from '../src/index.js';
import { createGitLabHarness, GITLAB_TOKEN, type GitLabHarness, PROJECT } from './gitlab-setup.js';

let h: GitLabHarness;
beforeEach(async () => {
  h = await createGitLabHarness();
});
afterEach(async () => {
  expect(h.gl.state.schemaViolations).toEqual([]);
  await h.close();
});

const branch = () => `worktrain/${h.sessionId}`;
const marker = () => `worktrain:session=${h.sessionId}`;

function crashingStore(store: SessionStore, key: string): SessionStore {
  return {
    ...store,
    append: (input) =>
      input.idempotencyKey === key
        ? errAsync({ code: 'STORE_IO' as const, message: 'simulated crash before the record was written' })
        : store.append(input),
  };
}
async function events(): Promise<SessionEvent[]> {
  return [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()];
}

describe('GitLab delivery on the fake (self-managed, /gitlab prefix)', () => {
  it('pushes, opens one MR from the repo template with labels, notes and labels the source issue', async () => {
    await h.write({ 'src/page.ts': 'export const page = 2;\n' });
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const [mr] = h.mergeRequests();
    expect(h.mergeRequests()).toHaveLength(1);
    expect(mr).toMatchObject({
      title: 'fix(page): Clamp the page index',
      targetBranch: 'main',
      labels: ['worktrain'],
    });
    expect(result.pullRequest.url).toBe(`${h.gl.url}/${PROJECT}/-/merge_requests/${mr?.iid}`);
    // The template's headings were filled, its quick action kept.
    expect(mr?.description).toContain('## What does this MR do?\n\nClamped the page index');
    expect(mr?.description).toContain('Closes #1');
    expect(mr?.description).toContain('/label ~worktrain');
    expect(await h.git(['rev-parse', branch()], h.fx.originDir)).toBe(result.commitSha);
    const notes = h.issueNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain(
      `WorkTrain opened a merge request for this issue: ${result.pullRequest.url}`,
    );
    expect(notes[0]?.body).toContain(marker());
    expect(result.issueComment?.url).toMatch(new RegExp(`/${PROJECT}/-/issues/1#note_\\d+$`));
    expect(h.gl.state.project(PROJECT)?.issues[0]?.labels).toEqual(['bug', 'worktrain:in-review']);
    // Every API call carried the token as PRIVATE-TOKEN under the self-managed prefix.
    expect(
      h.gl.state.requests.every((r) => r.url.startsWith('/gitlab/api/v4/') && r.username === 'worktrain-bot'),
    ).toBe(true);
    const attempted = (await events()).filter((e) => e.kind === 'delivery_attempted');
    expect(
      attempted.every((e) => e.kind === 'delivery_attempted' && e.data.target === `gitlab:${PROJECT}`),
    ).toBe(true);
  });

  it('uses a named template and an OAuth bearer token when configured', async () => {
    await h.close();
    h = await createGitLabHarness({
      'README.md': '# w\n',
      'src/page.ts': 'export const page = 1;\n',
      '.gitlab/merge_request_templates/Bugfix.md': '## Summary\n\n## Testing\n',
      '.gitlab/merge_request_templates/Default.md': '## Default only\n',
    });
    await h.write({ 'src/page.ts': 'export const page = 3;\n' });
    const forge = h.forge({ template: 'bugfix', tokenType: 'oauth' });
    (await deliver(h.input(), h.deps({ forge })))._unsafeUnwrap();
    const [mr] = h.mergeRequests();
    expect(mr?.description).toMatch(/^## Summary\n\nClamped/);
    expect(mr?.description).not.toContain('Default only');
  });

  it.each(DELIVERY_STAGES)(
    'yields exactly one commit, MR and note when delivery died after the %s stage',
    async (stage) => {
      await h.write({ 'src/page.ts': 'export const page = 4;\n' });
      const crashed = await deliver(
        h.input(),
        h.deps({ store: crashingStore(h.store, stageKey('1', stage, 1, 'recorded')) }),
      );
      expect(crashed._unsafeUnwrapErr().code).toBe('STORE_FAILED');
      const retried = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
      expect(retried.replayed).toBe(false);
      // And once more: a completed delivery replays from its record.
      expect((await deliver(h.input(), h.deps()))._unsafeUnwrap().replayed).toBe(true);
      expect(await h.git(['rev-list', '--count', `main..${branch()}`], h.fx.originDir)).toBe('1');
      expect(h.mergeRequests()).toHaveLength(1);
      expect(h.issueNotes().filter((n) => n.body.includes(marker()))).toHaveLength(1);
      expect(
        h.gl.state.requests.filter((r) => r.route === 'createMergeRequest' && r.status === 201),
      ).toHaveLength(1);
      const succeeded = (await events()).filter(
        (e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded',
      );
      expect(succeeded.map((e) => e.kind === 'delivery_recorded' && e.data.stage)).toEqual([
        ...DELIVERY_STAGES,
      ]);
    },
  );

  it('answers GitLab 409 "Another open merge request already exists" by looking it up and updating it', async () => {
    await h.write({ 'src/page.ts': 'export const page = 5;\n' });
    const project = h.gl.state.project(PROJECT);
    let raced = false;
    h.gl.state.onRequest = (route) => {
      if (route !== 'createMergeRequest' || raced || project === undefined) return;
      raced = true; // another daemon opens the MR between our lookup and our create
      const now = h.gl.state.now();
      project.mergeRequests.push({
        id: h.gl.state.id(),
        iid: project.mergeRequests.length + 1,
        title: 'their title',
        description: '',
        state: 'opened',
        sourceBranch: branch(),
        targetBranch: 'main',
        labels: [],
        authorId: 1,
        createdAt: now,
        updatedAt: now,
        mergedAt: null,
        closedAt: null,
        notes: [],
      });
    };
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(h.mergeRequests()).toHaveLength(1);
    expect(h.mergeRequests()[0]).toMatchObject({
      iid: result.pullRequest.number,
      title: 'fix(page): Clamp the page index',
      labels: ['worktrain'],
    });
    expect(h.gl.state.requests.filter((r) => r.route === 'createMergeRequest').map((r) => r.status)).toEqual([
      409,
    ]);
  });

  it.each([
    ['closed', 'PR_CLOSED'],
    ['merged', 'PR_MERGED'],
  ] as const)('does not reopen an MR a human %s while the session ran; reports %s', async (state, code) => {
    await h.write({ 'src/page.ts': 'export const page = 6;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const mr = h.mergeRequests()[0];
    if (mr === undefined) throw new Error('no MR');
    mr.state = state;
    await h.write({ 'src/page.ts': 'export const page = 7;\n' });
    const second = (await deliver(h.input({ deliveryId: '2' }), h.deps()))._unsafeUnwrapErr();
    expect(second).toMatchObject({
      code,
      details: { number: mr.iid, url: expect.stringContaining('/-/merge_requests/') },
    });
    expect(h.mergeRequests()).toHaveLength(1);
    expect(h.mergeRequests()[0]?.state).toBe(state);
    expect(h.gl.state.requests.some((r) => r.route === 'updateMergeRequest')).toBe(false);
  });

  it('reports a project that does not exist clearly, without creating anything', async () => {
    await h.write({ 'src/page.ts': 'export const page = 8;\n' });
    for (const project of ['acme/no-such-project', 424242]) {
      const forge = createGitLabForge({ project, token: GITLAB_TOKEN, baseUrl: h.gl.url });
      const error = (
        await deliver(h.input({ deliveryId: String(project) }), h.deps({ forge }))
      )._unsafeUnwrapErr();
      expect(error.code).toBe('FORGE_NOT_FOUND');
      expect(error.message).toContain(`GitLab project '${project}' does not exist`);
      expect(error.details).toMatchObject({ status: 404, gitlabMessage: '404 Project Not Found' });
    }
    expect(h.gl.state.project(PROJECT)?.mergeRequests).toHaveLength(0);
    const failed = (await events()).filter(
      (e) => e.kind === 'delivery_recorded' && e.data.outcome === 'failed',
    );
    expect(failed.map((e) => e.kind === 'delivery_recorded' && e.data.stage)).toEqual([
      'pull_request',
      'pull_request',
    ]);
  });

  it('stops on a token that expires mid-delivery (401), never leaks it, and finishes once it is renewed', async () => {
    await h.write({ 'src/page.ts': 'export const page = 9;\n' });
    h.gl.state.onRequest = (route) => {
      if (route === 'getIssue') h.gl.state.revokeToken(GITLAB_TOKEN); // after the MR was opened
    };
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('FORGE_AUTH_FAILED');
    expect(error.message).toMatch(/expired or revoked/);
    expect(JSON.stringify(await events())).not.toContain(GITLAB_TOKEN);
    expect(h.mergeRequests()).toHaveLength(1);
    expect(h.issueNotes()).toHaveLength(0);
    h.gl.state.onRequest = undefined;
    h.gl.state.addToken(GITLAB_TOKEN, 'worktrain-bot');
    const done = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(done.issueComment).not.toBeNull();
    expect(h.mergeRequests()).toHaveLength(1);
    expect(h.issueNotes()).toHaveLength(1);
  });

  it('notes the source MR instead of an issue when noteOn is merge_request', async () => {
    await h.write({ 'src/page.ts': 'export const page = 10;\n' });
    const project = h.gl.state.project(PROJECT);
    if (project === undefined) throw new Error('no project');
    const now = h.gl.state.now();
    project.mergeRequests.push({
      id: h.gl.state.id(),
      iid: 1,
      title: 'Human MR asking for help',
      description: '',
      state: 'opened',
      sourceBranch: 'human/feature',
      targetBranch: 'main',
      labels: [],
      authorId: 1,
      createdAt: now,
      updatedAt: now,
      mergedAt: null,
      closedAt: null,
      notes: [],
    });
    const forge = h.forge({ noteOn: 'merge_request' });
    const result = (await deliver(h.input({ issueNumber: 1 }), h.deps({ forge })))._unsafeUnwrap();
    expect(project.mergeRequests[0]?.notes.map((n) => n.body.includes(marker()))).toEqual([true]);
    expect(result.issueComment?.url).toContain('/-/merge_requests/1#note_');
    expect(h.issueNotes()).toHaveLength(0);
  });
});
