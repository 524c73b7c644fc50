import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyWorktreeCleanup,
  createWorkspaceManager,
  inspectWorktrees,
  planWorktreeCleanup,
  type WorkspaceManager,
  type WorktreeReport,
  type WorktreeSessionFacts,
} from '../src/index.js';

let fx: GitFixture;
let manager: WorkspaceManager;
const clock = manualClock(1_700_000_000_000);
let sessions: Record<string, WorktreeSessionFacts>;
const lookupSession = (id: string) => sessions[id] ?? null;

beforeEach(async () => {
  fx = await createGitFixture({ files: { 'README.md': '# demo\n' } });
  manager = createWorkspaceManager({ worktreesDir: join(fx.rootDir, 'worktrees'), clock });
  sessions = {};
});
afterEach(() => fx.cleanup());

async function worktree(sessionId: string) {
  return (await manager.createWorktree({ repoPath: fx.repoDir, sessionId }))._unsafeUnwrap();
}
async function commitIn(path: string, file: string) {
  writeFileSync(join(path, file), `${file}\n`);
  await fx.git(['add', '-A'], path);
  await fx.git(['commit', '-q', '-m', `add ${file}`], path);
}
const byId = (reports: readonly WorktreeReport[], id: string) => reports.find((r) => r.sessionId === id);

describe('inspectWorktrees', () => {
  it('reports session status, age, dirty files and unpushed commits of each worktree', async () => {
    const a = await worktree('sess_a');
    await worktree('sess_b');
    await commitIn(a.path, 'one.txt');
    writeFileSync(join(a.path, 'scratch.txt'), 'not committed\n');
    sessions = { sess_a: { status: 'running', delivered: false } };
    clock.advance(60_000);
    const reports = (await inspectWorktrees(manager, { lookupSession, now: clock.now() }))._unsafeUnwrap();
    expect(reports.map((r) => r.sessionId)).toEqual(['sess_a', 'sess_b']);
    expect(byId(reports, 'sess_a')).toMatchObject({
      branch: 'worktrain/sess_a',
      state: 'ok',
      session: { status: 'running', delivered: false },
      dirtyFiles: 1,
      unpushedCommits: 1,
      branchExists: true,
      ageMs: 60_000,
    });
    expect(byId(reports, 'sess_b')).toMatchObject({ session: null, dirtyFiles: 0, unpushedCommits: 0 });
  });

  it('counts pushed commits as not unpushed', async () => {
    const a = await worktree('sess_a');
    await commitIn(a.path, 'one.txt');
    await fx.git(['push', '-q', 'origin', 'HEAD:refs/heads/worktrain/sess_a'], a.path);
    const reports = (await inspectWorktrees(manager, { lookupSession }))._unsafeUnwrap();
    expect(byId(reports, 'sess_a')?.unpushedCommits).toBe(0);
  });

  it('finds a worktree git still registers whose directory was deleted', async () => {
    const a = await worktree('sess_gone');
    rmSync(a.path, { recursive: true, force: true });
    const reports = (
      await inspectWorktrees(manager, { lookupSession, repoPaths: [fx.repoDir] })
    )._unsafeUnwrap();
    expect(byId(reports, 'sess_gone')).toMatchObject({
      state: 'missing',
      repoPath: fx.repoDir,
      branch: 'worktrain/sess_gone',
      branchExists: true,
    });
  });

  it('reports a plain directory under the worktrees folder as broken', async () => {
    mkdirSync(join(manager.worktreesDir, 'stray'), { recursive: true });
    const reports = (await inspectWorktrees(manager, { lookupSession }))._unsafeUnwrap();
    expect(byId(reports, 'stray')).toMatchObject({ state: 'broken', repoPath: null, dirtyFiles: null });
  });
});

describe('planWorktreeCleanup + applyWorktreeCleanup', () => {
  it('removes finished, aborted and orphan worktrees and keeps unfinished sessions', async () => {
    for (const id of ['sess_done', 'sess_killed', 'sess_orphan', 'sess_live', 'sess_gate'])
      await worktree(id);
    sessions = {
      sess_done: { status: 'completed', delivered: true },
      sess_killed: { status: 'aborted', delivered: false },
      sess_live: { status: 'running', delivered: false },
      sess_gate: { status: 'awaiting_approval', delivered: false },
    };
    const plan = planWorktreeCleanup((await inspectWorktrees(manager, { lookupSession }))._unsafeUnwrap());
    const decided = Object.fromEntries(plan.map((p) => [p.worktree.sessionId, [p.action, p.reason]]));
    expect(decided).toEqual({
      sess_done: ['remove', 'session_finished'],
      sess_gate: ['keep', 'session_active'],
      sess_killed: ['remove', 'session_aborted'],
      sess_live: ['keep', 'session_active'],
      sess_orphan: ['remove', 'orphan'],
    });
    const applied = (await applyWorktreeCleanup(manager, plan))._unsafeUnwrap();
    expect(applied.failed).toEqual([]);
    expect(applied.removed.map((r) => r.sessionId).sort()).toEqual([
      'sess_done',
      'sess_killed',
      'sess_orphan',
    ]);
    expect(existsSync(manager.pathFor('sess_done'))).toBe(false);
    expect(existsSync(manager.pathFor('sess_live'))).toBe(true);
    // Empty branches go with their worktree.
    expect(await fx.git(['branch', '--list', 'worktrain/sess_done'])).toBe('');
    expect(await fx.git(['branch', '--list', 'worktrain/sess_live'])).toContain('worktrain/sess_live');
  });

  it('keeps the branch of a removed worktree that has unpushed commits', async () => {
    const a = await worktree('sess_a');
    await commitIn(a.path, 'work.txt');
    sessions = { sess_a: { status: 'failed', delivered: false } };
    const plan = planWorktreeCleanup((await inspectWorktrees(manager, { lookupSession }))._unsafeUnwrap());
    expect(plan[0]).toMatchObject({ action: 'remove', deleteBranch: false });
    expect(plan[0]?.note).toContain('1 unpushed commit');
    await applyWorktreeCleanup(manager, plan);
    expect(existsSync(a.path)).toBe(false);
    expect(await fx.git(['rev-list', '--count', 'worktrain/sess_a', '--not', '--remotes'])).toBe('1');
  });

  it('deletes a delivered (pushed) branch with its worktree', async () => {
    const a = await worktree('sess_a');
    await commitIn(a.path, 'work.txt');
    await fx.git(['push', '-q', 'origin', 'HEAD:refs/heads/worktrain/sess_a'], a.path);
    sessions = { sess_a: { status: 'completed', delivered: true } };
    const plan = planWorktreeCleanup((await inspectWorktrees(manager, { lookupSession }))._unsafeUnwrap());
    expect(plan[0]).toMatchObject({ action: 'remove', deleteBranch: true });
    expect(plan[0]?.note).toContain('delivered');
    await applyWorktreeCleanup(manager, plan);
    expect(await fx.git(['branch', '--list', 'worktrain/sess_a'])).toBe('');
    expect(await fx.originRef('worktrain/sess_a')).toBeDefined();
  });

  it('refuses a worktree with uncommitted files unless forced', async () => {
    const a = await worktree('sess_a');
    await commitIn(a.path, 'work.txt');
    writeFileSync(join(a.path, 'draft.txt'), 'unsaved\n');
    sessions = { sess_a: { status: 'completed', delivered: false } };
    const reports = (await inspectWorktrees(manager, { lookupSession }))._unsafeUnwrap();
    const safe = planWorktreeCleanup(reports);
    expect(safe[0]).toMatchObject({ action: 'refuse', deleteBranch: false });
    expect((await applyWorktreeCleanup(manager, safe))._unsafeUnwrap().removed).toEqual([]);
    expect(existsSync(join(a.path, 'draft.txt'))).toBe(true);

    const forced = planWorktreeCleanup(reports, { force: true });
    expect(forced[0]).toMatchObject({ action: 'remove', deleteBranch: true });
    await applyWorktreeCleanup(manager, forced);
    expect(existsSync(a.path)).toBe(false);
    expect(await fx.git(['branch', '--list', 'worktrain/sess_a'])).toBe('');
  });

  it('prunes a registration whose directory is gone', async () => {
    const a = await worktree('sess_gone');
    rmSync(a.path, { recursive: true, force: true });
    sessions = { sess_gone: { status: 'running', delivered: false } };
    const reports = (
      await inspectWorktrees(manager, { lookupSession, repoPaths: [fx.repoDir] })
    )._unsafeUnwrap();
    const plan = planWorktreeCleanup(reports);
    expect(plan[0]).toMatchObject({ action: 'remove', reason: 'missing_directory', deleteBranch: true });
    await applyWorktreeCleanup(manager, plan);
    expect(await fx.git(['worktree', 'list', '--porcelain'])).not.toContain('sess_gone');
  });

  it('refuses a broken directory unless forced, and honours --older-than and session ids', async () => {
    mkdirSync(join(manager.worktreesDir, 'stray'), { recursive: true });
    await worktree('sess_new');
    const reports = (await inspectWorktrees(manager, { lookupSession, now: clock.now() }))._unsafeUnwrap();
    expect(planWorktreeCleanup(reports).find((p) => p.worktree.sessionId === 'stray')?.action).toBe('refuse');
    const forced = planWorktreeCleanup(reports, { force: true, sessionIds: ['stray'] });
    expect(forced.map((p) => [p.worktree.sessionId, p.action, p.reason])).toEqual([
      ['sess_new', 'keep', 'not_selected'],
      ['stray', 'remove', 'broken'],
    ]);
    await applyWorktreeCleanup(manager, forced);
    expect(existsSync(join(manager.worktreesDir, 'stray'))).toBe(false);
    const young = planWorktreeCleanup(reports, { olderThanMs: 86_400_000 });
    expect(young.find((p) => p.worktree.sessionId === 'sess_new')?.reason).toBe('too_recent');
  });
});
