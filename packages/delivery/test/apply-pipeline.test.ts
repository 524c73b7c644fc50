import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionEvent } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPatch, deliver, planDelivery, rollbackDelivery } from '../src/index.js';
import { createGitLabHarness, type GitLabHarness } from './gitlab-setup.js';
import { createHarness, type Harness, OWNER, pullsFor, REPO } from './setup.js';

const LINES = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
const text = (lines: readonly string[]) => `${lines.join('\n')}\n`;

let h: Harness;
beforeEach(async () => {
  h = await createHarness({
    files: {
      'README.md': '# widgets\n',
      'src/page.ts': 'export const page = 1;\n',
      'src/list.txt': text(LINES),
    },
  });
});
afterEach(async () => {
  expect(h.gh.state.specViolations).toEqual([]);
  await h.close();
});

const records = async (stage: string) =>
  [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()].filter(
    (e): e is SessionEvent & { kind: 'delivery_recorded' } =>
      e.kind === 'delivery_recorded' && e.data.stage === stage,
  );

describe('dry run (planDelivery)', () => {
  it('shows branch, commits, diff stat, title, body and target without committing, pushing or opening', async () => {
    await h.write({ 'src/page.ts': 'export const page = 2;\n' });
    await h.git(['commit', '-qam', 'agent: first step']);
    await h.write({ 'test/page.test.ts': 'ok\n' });
    const head = await h.git(['rev-parse', 'HEAD']);
    const plan = (await planDelivery(h.input(), h.deps()))._unsafeUnwrap();
    expect(plan).toMatchObject({
      target: `github:${OWNER}/${REPO}`,
      branch: `worktrain/${h.sessionId}`,
      baseBranch: 'main',
      commits: [{ sha: head, subject: 'agent: first step' }],
      issueNumber: 1,
      changeRequest: { title: 'fix(page): Clamp the page index', draft: false, template: null },
    });
    expect(plan.newCommit?.message).toMatch(/^fix\(page\): Clamp the page index\n/);
    expect(plan.diffStat.files.map((f) => [f.path, f.status])).toEqual([
      ['src/page.ts', 'modified'],
      ['test/page.test.ts', 'added'],
    ]);
    expect(plan.diffStat).toMatchObject({ insertions: 2, deletions: 1 });
    expect(plan.diffStat.text).toContain('2 files changed');
    expect(plan.changeRequest.body).toContain('Closes #1');
    // Nothing happened outside: no new commit, no branch on origin, no forge call.
    expect(await h.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBeUndefined();
    expect(h.gh.state.requests).toEqual([]);
    // Recorded as its own stage, and a real delivery afterwards runs every stage.
    expect((await records('dry_run'))[0]?.data.outcome).toBe('succeeded');
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(result.replayed).toBe(false);
    expect(pullsFor(h.gh, result.branch)).toHaveLength(1);
  });

  it('reports what a delivery would refuse, and records it', async () => {
    await h.write({ 'src/page.ts': 'export const page = 3;\n', '.github/workflows/ci.yml': 'on: push\n' });
    const error = (await planDelivery(h.input({ targets: ['.github/**'] }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('NEEDS_APPROVAL');
    expect((await records('dry_run'))[0]?.data).toMatchObject({
      outcome: 'failed',
      details: { code: 'NEEDS_APPROVAL' },
    });
  });
});

describe('applyPatch', () => {
  const patchChanging = async (index: number, value: string) => {
    const lines = [...LINES];
    lines[index] = value;
    writeFileSync(join(h.worktree, 'src/list.txt'), text(lines));
    const patch = await h.git(['diff']);
    await h.git(['checkout', '--', 'src/list.txt']);
    return `${patch}\n`;
  };
  const commitLine = async (index: number, value: string) => {
    const lines = [...LINES];
    lines[index] = value;
    writeFileSync(join(h.worktree, 'src/list.txt'), text(lines));
    await h.git(['commit', '-qam', `change line ${index + 1}`]);
  };

  it('applies a clean patch plainly', async () => {
    const patch = await patchChanging(4, 'five');
    const r = (await applyPatch(h.worktree, patch))._unsafeUnwrap();
    expect(r).toEqual({ method: 'plain', files: ['src/list.txt'], checkOnly: false });
    expect(await h.git(['diff', '--cached', '--name-only'])).toBe('src/list.txt');
  });

  it('falls back to --3way when the context moved, merging cleanly', async () => {
    const patch = await patchChanging(4, 'five');
    await commitLine(6, 'seven'); // inside the patch's context, not on its line
    const plain = (await applyPatch(h.worktree, patch, { threeWay: false }))._unsafeUnwrapErr();
    expect(plain.code).toBe('APPLY_FAILED');
    expect(plain.details?.failures).toEqual([
      { path: 'src/list.txt', line: 2, message: 'context does not match' },
    ]);
    const r = (await applyPatch(h.worktree, patch))._unsafeUnwrap();
    expect(r.method).toBe('3way');
    const content = await h.git(['show', ':src/list.txt']);
    expect(content).toContain('five');
    expect(content).toContain('seven');
  });

  it('reports conflicting files and hunks when the 3-way merge conflicts', async () => {
    const patch = await patchChanging(4, 'patch five');
    await commitLine(4, 'worktree five');
    const error = (await applyPatch(h.worktree, patch))._unsafeUnwrapErr();
    expect(error.code).toBe('APPLY_CONFLICT');
    expect(error.details?.conflicts).toEqual([
      {
        path: 'src/list.txt',
        hunks: [{ startLine: 5, endLine: 9, ours: 'worktree five', theirs: 'patch five' }],
      },
    ]);
    // And delivery refuses the conflicted worktree.
    expect((await deliver(h.input(), h.deps()))._unsafeUnwrapErr().code).toBe('WORKTREE_DIRTY');
  });

  it('check-only changes nothing', async () => {
    const patch = await patchChanging(4, 'five');
    expect((await applyPatch(h.worktree, patch, { checkOnly: true }))._unsafeUnwrap().method).toBe('plain');
    expect(await h.git(['status', '--porcelain'])).toBe('');
  });
});

describe('rollback (GitHub)', () => {
  it('closes the PR with a note and reverts the branch; a second run changes nothing', async () => {
    await h.write({ 'src/page.ts': 'export const page = 9;\n' });
    const delivered = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const input = {
      sessionId: h.sessionId,
      repoPath: h.fx.repoDir,
      reason: 'broke staging',
      actor: 'cli:alice',
    };
    const result = (await rollbackDelivery(input, h.deps()))._unsafeUnwrap();
    expect(result).toMatchObject({
      reverted: true,
      replayed: false,
      changeRequest: { number: 2, closedNow: true },
    });
    const branch = `worktrain/${h.sessionId}`;
    const head = await h.fx.originRef(branch);
    expect(head).toBe(result.revertSha);
    expect(await h.git(['rev-parse', `${head}^`], h.fx.originDir)).toBe(delivered.commitSha);
    expect(await h.git(['diff', '--stat', 'main', branch], h.fx.originDir)).toBe('');
    expect(await h.git(['log', '-1', '--format=%B', branch], h.fx.originDir)).toContain(
      `WorkTrain-Rollback: ${h.sessionId}`,
    );
    const [pr] = pullsFor(h.gh, branch);
    expect(pr?.state).toBe('closed');
    expect(pr?.comments.map((c) => c.body).join('\n')).toContain('Reason: broke staging');

    const requests = h.gh.state.requests.length;
    const again = (await rollbackDelivery(input, h.deps()))._unsafeUnwrap();
    expect(again.replayed).toBe(true);
    expect(h.gh.state.requests.length).toBe(requests);
    expect(await h.fx.originRef(branch)).toBe(head);
  });

  it('is idempotent after a crash between closing and recording: no second note, no second revert', async () => {
    await h.write({ 'src/page.ts': 'export const page = 10;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const input = { sessionId: h.sessionId, repoPath: h.fx.repoDir };
    const first = (await rollbackDelivery(input, h.deps()))._unsafeUnwrap();
    // Forget the record, as if the process died before writing it.
    const events = (await h.store.readEvents(h.sessionId))._unsafeUnwrap();
    const rollbackRecord = events.find((e) => e.kind === 'delivery_recorded' && e.data.stage === 'rollback');
    expect(rollbackRecord).toBeDefined();
    const fresh = await createHarness();
    try {
      // Same outside world (forge, origin) but a session log without the rollback record.
      for (const e of events.filter((x) => x !== rollbackRecord && x.kind !== 'session_created')) {
        const last = (await fresh.store.readEvents(fresh.sessionId))._unsafeUnwrap().at(-1)?.seq ?? 0;
        await fresh.store.append({
          sessionId: fresh.sessionId,
          expectedSeq: last,
          ...(e.idempotencyKey == null ? {} : { idempotencyKey: e.idempotencyKey }),
          events: [{ kind: e.kind, data: e.data } as never],
        });
      }
      const again = (
        await rollbackDelivery(
          { sessionId: fresh.sessionId, repoPath: h.fx.repoDir },
          { ...h.deps(), store: fresh.store },
        )
      )._unsafeUnwrap();
      expect(again).toMatchObject({ replayed: false, reverted: false, changeRequest: { closedNow: false } });
      expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBe(first.revertSha);
      const [pr] = pullsFor(h.gh, `worktrain/${h.sessionId}`);
      expect(pr?.comments.filter((c) => c.body.includes('worktrain:rollback='))).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('fails clearly when nothing was delivered', async () => {
    const error = (
      await rollbackDelivery({ sessionId: h.sessionId, repoPath: h.fx.repoDir }, h.deps())
    )._unsafeUnwrapErr();
    expect(error.code).toBe('NOTHING_DELIVERED');
    expect(error.message).toContain('has no recorded delivery');
  });
});

describe('rollback (GitLab)', () => {
  let g: GitLabHarness;
  beforeEach(async () => {
    g = await createGitLabHarness();
  });
  afterEach(async () => {
    await g.close();
  });

  it('closes the MR with a note and reverts the branch', async () => {
    await g.write({ 'src/page.ts': 'export const page = 11;\n' });
    (await deliver(g.input(), g.deps()))._unsafeUnwrap();
    const result = (
      await rollbackDelivery({ sessionId: g.sessionId, repoPath: g.fx.repoDir }, g.deps())
    )._unsafeUnwrap();
    expect(result).toMatchObject({ reverted: true, changeRequest: { number: 1, closedNow: true } });
    const [mr] = g.mergeRequests();
    expect(mr?.state).toBe('closed');
    expect(await g.git(['diff', '--stat', 'main', `worktrain/${g.sessionId}`], g.fx.originDir)).toBe('');
  });

  it('refuses to roll back a merged MR (PR_MERGED) and leaves the branch alone', async () => {
    await g.write({ 'src/page.ts': 'export const page = 12;\n' });
    const delivered = (await deliver(g.input(), g.deps()))._unsafeUnwrap();
    const [mr] = g.mergeRequests();
    if (mr !== undefined) mr.state = 'merged';
    const error = (
      await rollbackDelivery({ sessionId: g.sessionId, repoPath: g.fx.repoDir }, g.deps())
    )._unsafeUnwrapErr();
    expect(error.code).toBe('PR_MERGED');
    expect(await g.fx.originRef(`worktrain/${g.sessionId}`)).toBe(delivered.commitSha);
  });
});
