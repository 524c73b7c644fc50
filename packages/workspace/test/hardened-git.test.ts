import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspaceManager, type WorkspaceManager, type Worktree } from '../src/index.js';
import { createGitFixture, type GitFixture } from './helpers/git-fixture.js';

// The workspace manager's git on a session worktree must not run anything the agent planted there
// (DESIGN §7, issue #12): it runs pinned to the worktree's trusted ref and refuses a tampered `.git`.

let fx: GitFixture;
let manager: WorkspaceManager;
let wt: Worktree;
let marker: string;
let planted: string;

beforeEach(async () => {
  fx = await createGitFixture({ 'README.md': '# demo\n' });
  manager = createWorkspaceManager({
    worktreesDir: join(fx.root, 'worktrees'),
    clock: manualClock(Date.now()),
  });
  wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
  marker = join(fx.root, 'PLANTED-COMMAND-RAN');
  planted = join(fx.root, 'planted.sh');
  writeFileSync(planted, `#!/bin/sh\necho "$0 $*" >> '${marker}'\n`, { mode: 0o755 });
});
afterEach(() => fx.cleanup());

/** The agent replaces the worktree's `.git` file by a repository whose config runs `planted`. */
async function plantRepository(): Promise<void> {
  rmSync(join(wt.path, '.git'));
  await fx.git(wt.path, 'init', '-q');
  await fx.git(wt.path, 'config', 'core.fsmonitor', planted);
  // Control: git that trusts the worktree's .git runs the planted fsmonitor.
  await fx.git(wt.path, 'status', '--short');
  expect(existsSync(marker)).toBe(true);
  rmSync(marker);
}

describe('the trusted ref of a session worktree', () => {
  it('is created with the worktree, and derived the same from the repository alone', async () => {
    const common = realpathSync(join(fx.repo, '.git'));
    expect(wt.git).toEqual({ worktree: wt.path, gitDir: join(common, 'worktrees', 's1'), commonDir: common });
    expect((await manager.gitRefFor({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap()).toEqual(wt.git);
    const reused = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    expect(reused).toMatchObject({ outcome: 'reused', git: wt.git });
  });

  it('gives the same status as the path on an intact worktree', async () => {
    writeFileSync(join(wt.path, 'new.txt'), 'x\n');
    expect((await manager.repoState(wt.git))._unsafeUnwrap()).toEqual(
      (await manager.repoState(wt.path))._unsafeUnwrap(),
    );
  });
});

describe('a tampered session worktree', () => {
  it('makes status answer WORKTREE_TAMPERED without running the planted fsmonitor', async () => {
    await plantRepository();
    const error = (await manager.repoState(wt.git))._unsafeUnwrapErr();
    expect(error.code).toBe('WORKTREE_TAMPERED');
    expect(error.message).toContain('.git is a directory');
    expect(existsSync(marker)).toBe(false);
  });

  it('is not reused for the session (WORKTREE_TAMPERED) and runs nothing', async () => {
    await plantRepository();
    const again = await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' });
    expect(again._unsafeUnwrapErr().code).toBe('WORKTREE_TAMPERED');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a .git file pointing at another git directory', async () => {
    const evil = join(fx.root, 'evil.git');
    await fx.git(fx.root, 'init', '-q', '--bare', evil);
    await fx.git(evil, 'config', 'core.fsmonitor', planted);
    writeFileSync(join(wt.path, '.git'), `gitdir: ${evil}\n`);
    expect((await manager.repoState(wt.git))._unsafeUnwrapErr()).toMatchObject({
      code: 'WORKTREE_TAMPERED',
      details: { found: expect.stringContaining(evil) },
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an admin folder whose commondir leads to a hostile repository', async () => {
    const evil = join(fx.root, 'evil-common.git');
    await fx.git(fx.root, 'init', '-q', '--bare', evil);
    await fx.git(evil, 'config', 'core.fsmonitor', planted);
    writeFileSync(join(wt.git.gitDir, 'commondir'), `${evil}\n`);
    expect((await manager.repoState(wt.git))._unsafeUnwrapErr().code).toBe('WORKTREE_TAMPERED');
    expect(existsSync(marker)).toBe(false);
  });

  it('runs no hook planted in the common dir or the admin folder', async () => {
    for (const dir of [join(wt.git.commonDir, 'hooks'), join(wt.git.gitDir, 'hooks')]) {
      mkdirSync(dir, { recursive: true });
      for (const hook of ['post-checkout', 'reference-transaction', 'post-index-change'])
        writeFileSync(join(dir, hook), `#!/bin/sh\necho hook >> '${marker}'\n`, { mode: 0o755 });
    }
    writeFileSync(join(wt.path, 'README.md'), 'changed\n');
    (await manager.repoState(wt.git))._unsafeUnwrap();
    (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's2' }))._unsafeUnwrap();
    expect(existsSync(marker)).toBe(false);
  });

  it('is still removed (its directory deleted) without running anything', async () => {
    await plantRepository();
    const removed = (await manager.removeWorktree({ sessionId: 's1', repoPath: fx.repo }))._unsafeUnwrap();
    expect(removed.removed).toBe(true);
    expect(existsSync(wt.path)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });
});
