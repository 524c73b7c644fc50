import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspaceManager, defaultBranchOf, originUrl, type WorkspaceManager } from '../src/index.js';
import { createGitFixture, type GitFixture } from './helpers/git-fixture.js';

let fx: GitFixture;
let manager: WorkspaceManager;
const clock = manualClock(Date.now());

beforeEach(async () => {
  fx = await createGitFixture({ 'README.md': '# demo\n', 'src/a.ts': 'export const a = 1;\n' });
  manager = createWorkspaceManager({ worktreesDir: join(fx.root, 'worktrees'), clock });
});
afterEach(() => fx.cleanup());

describe('createWorktree', () => {
  it('checks out worktrain/<session-id> from the freshly fetched base branch', async () => {
    const upstream = await fx.pushFromElsewhere('main', { 'NEW.md': 'pushed after our last fetch\n' });
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 'sess_one' }))._unsafeUnwrap();
    expect(wt).toMatchObject({
      branch: 'worktrain/sess_one',
      path: join(fx.root, 'worktrees', 'sess_one'),
      baseBranch: 'main',
      outcome: 'created',
      head: upstream,
    });
    expect(existsSync(join(wt.path, 'NEW.md'))).toBe(true);
    expect((await fx.git(wt.path, 'symbolic-ref', '--short', 'HEAD')).trim()).toBe('worktrain/sess_one');
    // --no-track: the session branch must not push to main by accident.
    expect(await fx.git(fx.repo, 'config', '--get-regexp', '^branch\\.worktrain/').catch(() => '')).toBe('');
  });

  it('detects the default branch from origin when origin/HEAD is not set locally', async () => {
    await fx.pushFromElsewhere('develop', { 'dev.txt': 'x\n' });
    await fx.git(fx.origin, 'symbolic-ref', 'HEAD', 'refs/heads/develop');
    await fx.git(fx.repo, 'remote', 'set-head', 'origin', '--delete');
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 'sess_dev' }))._unsafeUnwrap();
    expect(wt.baseBranch).toBe('develop');
    expect(existsSync(join(wt.path, 'dev.txt'))).toBe(true);
  });

  it('uses an explicit base branch', async () => {
    await fx.pushFromElsewhere('release', { 'rel.txt': 'r\n' });
    const wt = (
      await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1', baseBranch: 'release' })
    )._unsafeUnwrap();
    expect(existsSync(join(wt.path, 'rel.txt'))).toBe(true);
  });

  it('reuses an existing worktree of the session (idempotent)', async () => {
    const first = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    writeFileSync(join(first.path, 'work.txt'), 'in progress\n');
    const second = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    expect(second.outcome).toBe('reused');
    expect(second.path).toBe(first.path);
    expect(existsSync(join(second.path, 'work.txt'))).toBe(true);
  });

  it('refuses a worktree directory that is on another branch', async () => {
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    await fx.git(wt.path, 'checkout', '--quiet', '-b', 'other');
    const again = await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' });
    expect(again._unsafeUnwrapErr().code).toBe('WORKTREE_CONFLICT');
  });

  it('refuses a plain directory occupying the worktree path', async () => {
    mkdirSync(join(fx.root, 'worktrees', 's1'), { recursive: true });
    const result = await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' });
    expect(result._unsafeUnwrapErr().code).toBe('WORKTREE_CONFLICT');
  });

  it('re-attaches the session branch when the worktree was deleted under the session', async () => {
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    fx.write(wt.path, 'done.txt', 'work\n');
    await fx.git(wt.path, 'add', '-A');
    await fx.git(wt.path, 'commit', '--quiet', '-m', 'session work');
    const sessionHead = (await fx.git(wt.path, 'rev-parse', 'HEAD')).trim();
    rmSync(wt.path, { recursive: true, force: true });

    expect((await manager.repoState(wt.path))._unsafeUnwrapErr().code).toBe('WORKTREE_MISSING');
    const again = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    expect(again.outcome).toBe('reattached');
    expect(again.head).toBe(sessionHead);
    expect(existsSync(join(again.path, 'done.txt'))).toBe(true);
  });

  it('creates a new session worktree over a stale registration of its path (deleted, never pruned)', async () => {
    const path = join(fx.root, 'worktrees', 's_stale');
    await fx.git(fx.repo, 'worktree', 'add', '--quiet', '-b', 'someone-else', path, 'main');
    rmSync(path, { recursive: true, force: true });
    const base = (await fx.git(fx.repo, 'rev-parse', 'refs/remotes/origin/main')).trim();

    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's_stale' }))._unsafeUnwrap();
    expect(wt.path).toBe(path);
    expect(wt.head).toBe(base);
    expect((await fx.git(wt.path, 'rev-parse', 'HEAD')).trim()).toBe(base);
    expect((await fx.git(wt.path, 'symbolic-ref', '--short', 'HEAD')).trim()).toBe('worktrain/s_stale');
  });

  it('rejects session ids that cannot name a directory or branch', async () => {
    for (const sessionId of ['../escape', 'a/b', '', '.hidden', 'x.lock', 'a b']) {
      const result = await manager.createWorktree({ repoPath: fx.repo, sessionId });
      expect(result._unsafeUnwrapErr().code, sessionId).toBe('INVALID_SESSION_ID');
    }
    expect(existsSync(join(fx.root, 'escape'))).toBe(false);
  });

  it('reports NOT_A_REPOSITORY and BASE_BRANCH_NOT_FOUND', async () => {
    const plain = join(fx.root, 'plain');
    mkdirSync(plain);
    expect((await manager.createWorktree({ repoPath: plain, sessionId: 's1' }))._unsafeUnwrapErr().code).toBe(
      'NOT_A_REPOSITORY',
    );
    const missing = await manager.createWorktree({ repoPath: fx.repo, sessionId: 's2', baseBranch: 'nope' });
    expect(missing._unsafeUnwrapErr().code).toBe('BASE_BRANCH_NOT_FOUND');
  });

  it('says a repository without an origin remote has no base branch (BASE_BRANCH_NOT_FOUND, not a git failure)', async () => {
    expect((await originUrl(fx.repo))._unsafeUnwrap()).toBe(fx.origin);
    await fx.git(fx.repo, 'remote', 'remove', 'origin');
    expect((await originUrl(fx.repo))._unsafeUnwrapErr().code).toBe('BASE_BRANCH_NOT_FOUND');
    const e = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's3' }))._unsafeUnwrapErr();
    expect(e.code).toBe('BASE_BRANCH_NOT_FOUND');
    expect(e.message).toContain('has no remote named origin');
    expect(e.details).toEqual({ repoPath: fx.repo, remote: 'origin' });
  });

  it("gives origin's default branch, and says why there is none: missing directory, no branch on origin", async () => {
    expect((await defaultBranchOf(fx.repo))._unsafeUnwrap()).toBe(
      (await manager.defaultBranch(fx.repo))._unsafeUnwrap(),
    );
    expect((await defaultBranchOf(join(fx.root, 'nope')))._unsafeUnwrapErr().code).toBe('WORKTREE_MISSING');
    // A clone of a bare origin nobody pushed to: a remote, but no default branch to start sessions from.
    const empty = join(fx.root, 'empty.git');
    await fx.git(fx.root, 'init', '--bare', '--quiet', empty);
    const fresh = join(fx.root, 'fresh');
    await fx.git(fx.root, 'init', '--quiet', fresh);
    await fx.git(fresh, 'remote', 'add', 'origin', empty);
    const e = (await defaultBranchOf(fresh))._unsafeUnwrapErr();
    expect(e).toMatchObject({ code: 'BASE_BRANCH_NOT_FOUND', details: { reason: 'no_default_branch' } });
    expect((await manager.defaultBranch(fresh))._unsafeUnwrapErr().code).toBe('BASE_BRANCH_NOT_FOUND');
  });

  it('serialises concurrent sessions on one repository', async () => {
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const results = await Promise.all(
      ids.map((sessionId) => manager.createWorktree({ repoPath: fx.repo, sessionId })),
    );
    for (const r of results) expect(r._unsafeUnwrap().outcome).toBe('created');
    const listed = await fx.git(fx.repo, 'worktree', 'list', '--porcelain');
    for (const id of ids) expect(listed).toContain(`branch refs/heads/worktrain/${id}`);
  });
});

describe('removeWorktree, listWorktrees, cleanWorktrees, pruneOrphans', () => {
  it('removes a worktree and optionally its branch; a second removal is a no-op', async () => {
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    writeFileSync(join(wt.path, 'dirty.txt'), 'uncommitted\n');
    const removed = (await manager.removeWorktree({ sessionId: 's1', deleteBranch: true }))._unsafeUnwrap();
    expect(removed).toMatchObject({ removed: true, branchDeleted: true });
    expect(existsSync(wt.path)).toBe(false);
    expect(await fx.git(fx.repo, 'branch', '--list', 'worktrain/s1')).toBe('');
    const again = (await manager.removeWorktree({ sessionId: 's1', repoPath: fx.repo }))._unsafeUnwrap();
    expect(again.removed).toBe(false);
  });

  it('lists worktrees with their repository and branch, and flags broken ones', async () => {
    await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' });
    mkdirSync(join(fx.root, 'worktrees', 'stray'));
    const list = (await manager.listWorktrees())._unsafeUnwrap();
    expect(list.map((e) => [e.sessionId, e.status, e.branch, e.repoPath])).toEqual([
      ['s1', 'ok', 'worktrain/s1', fx.repo],
      ['stray', 'broken', null, null],
    ]);
  });

  it('cleans nothing by default (dry run) and only old, selected worktrees for real', async () => {
    clock.set(Date.now() - 3_600_000);
    await manager.createWorktree({ repoPath: fx.repo, sessionId: 'old' });
    clock.set(Date.now());
    await manager.createWorktree({ repoPath: fx.repo, sessionId: 'young' });
    const dry = (await manager.cleanWorktrees({ olderThanMs: 1_800_000 }))._unsafeUnwrap();
    expect(dry.dryRun).toBe(true);
    expect(dry.selected.map((e) => e.sessionId)).toEqual(['old']);
    expect(existsSync(join(fx.root, 'worktrees', 'old'))).toBe(true);

    const real = (await manager.cleanWorktrees({ dryRun: false, olderThanMs: 1_800_000 }))._unsafeUnwrap();
    expect(real.removed).toEqual(['old']);
    expect(existsSync(join(fx.root, 'worktrees', 'old'))).toBe(false);
    expect(existsSync(join(fx.root, 'worktrees', 'young'))).toBe(true);

    const kept = (await manager.cleanWorktrees({ dryRun: false, keepSessionIds: ['young'] }))._unsafeUnwrap();
    expect(kept.selected).toEqual([]);
  });

  it('prunes orphan directories and stale registrations at startup, keeping live sessions', async () => {
    await manager.createWorktree({ repoPath: fx.repo, sessionId: 'live' });
    await manager.createWorktree({ repoPath: fx.repo, sessionId: 'dead' });
    await manager.createWorktree({ repoPath: fx.repo, sessionId: 'gone' });
    rmSync(join(fx.root, 'worktrees', 'gone'), { recursive: true });
    mkdirSync(join(fx.root, 'worktrees', 'junk'));
    const result = (
      await manager.pruneOrphans({ liveSessionIds: ['live'], repoPaths: [fx.repo] })
    )._unsafeUnwrap();
    expect([...result.removed].sort()).toEqual(['dead', 'junk']);
    expect(result.prunedRepos).toContain(fx.repo);
    const listed = await fx.git(fx.repo, 'worktree', 'list', '--porcelain');
    expect(listed).toContain('worktrain/live');
    expect(listed).not.toContain('worktrain/dead');
    expect(listed).not.toContain('worktrain/gone');
    // Branches are kept: they may hold work that was never pushed.
    expect(await fx.git(fx.repo, 'branch', '--list', 'worktrain/dead')).toContain('worktrain/dead');
  });
});

describe('repoState', () => {
  it('reports head, branch and dirty files including untracked and renamed ones', async () => {
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    writeFileSync(join(wt.path, 'README.md'), 'changed\n');
    writeFileSync(join(wt.path, 'new file.txt'), 'new\n');
    await fx.git(wt.path, 'mv', 'src/a.ts', 'src/b.ts');
    const state = (await manager.repoState(wt.path))._unsafeUnwrap();
    expect(state.head).toBe(wt.head);
    expect(state.branch).toBe('worktrain/s1');
    expect(state.dirty).toEqual(
      expect.arrayContaining([
        { path: 'README.md', index: ' ', worktree: 'M' },
        { path: 'new file.txt', index: '?', worktree: '?' },
        { path: 'src/b.ts', index: 'R', worktree: ' ', from: 'src/a.ts' },
      ]),
    );
    expect(state.dirty).toHaveLength(3);
  });

  it('reports a detached HEAD and NOT_A_REPOSITORY', async () => {
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    await fx.git(wt.path, 'checkout', '--quiet', '--detach');
    expect((await manager.repoState(wt.path))._unsafeUnwrap()).toMatchObject({
      branch: null,
      head: wt.head,
      dirty: [],
    });
    const plain = join(fx.root, 'plain');
    mkdirSync(plain);
    expect((await manager.repoState(plain))._unsafeUnwrapErr().code).toBe('NOT_A_REPOSITORY');
  });
});
