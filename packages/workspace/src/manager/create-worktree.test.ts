import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../../test/helpers/git-fixture.js';
import { createBaseFetcher } from './base-fetch.js';
import { managerContext } from './context.js';
import { createWorktree } from './create-worktree.js';
import { createRepoLookups } from './repo-lookups.js';

let fx: GitFixture;
beforeEach(async () => {
  fx = await createGitFixture();
});
afterEach(() => fx.cleanup());

function deps() {
  const clock = manualClock();
  const ctx = managerContext({ worktreesDir: join(fx.root, 'worktrees'), clock });
  const lookups = createRepoLookups(clock);
  return { ctx, lookups, fetcher: createBaseFetcher(ctx, lookups) };
}

describe('createWorktree', () => {
  it('creates the session branch from the fresh base, then reuses the worktree', async () => {
    const d = deps();
    const pushed = await fx.pushFromElsewhere('main', { 'NEW.md': 'x\n' });
    const created = (await createWorktree(d, { repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    expect(created).toMatchObject({
      outcome: 'created',
      branch: 'worktrain/s1',
      baseBranch: 'main',
      head: pushed,
    });
    const reused = (await createWorktree(d, { repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    expect(reused).toMatchObject({ outcome: 'reused', baseBranch: null, head: pushed, path: created.path });
  });

  it("checks the session's existing branch out again when its directory was deleted", async () => {
    const d = deps();
    const created = (await createWorktree(d, { repoPath: fx.repo, sessionId: 's2' }))._unsafeUnwrap();
    rmSync(created.path, { recursive: true, force: true });
    const again = (await createWorktree(d, { repoPath: fx.repo, sessionId: 's2' }))._unsafeUnwrap();
    expect(again).toMatchObject({ outcome: 'reattached', head: created.head });
  });

  it('starts from the change branch on origin when given one (a fix round), else from the base', async () => {
    const d = deps();
    const prHead = await fx.pushFromElsewhere('worktrain/pl_1', { 'FIX.md': 'x\n' });
    const fix = (
      await createWorktree(d, { repoPath: fx.repo, sessionId: 's4', startFrom: 'worktrain/pl_1' })
    )._unsafeUnwrap();
    expect(fix).toMatchObject({
      outcome: 'created',
      branch: 'worktrain/s4',
      baseBranch: 'main',
      head: prHead,
    });
    const first = (
      await createWorktree(d, { repoPath: fx.repo, sessionId: 's5', startFrom: 'worktrain/pl_none' })
    )._unsafeUnwrap();
    expect(first.head).not.toBe(prHead);
    expect(first.baseBranch).toBe('main');
  });

  it('refuses a plain directory at the session path (WORKTREE_CONFLICT) and a bad session id', async () => {
    const d = deps();
    mkdirSync(join(fx.root, 'worktrees', 's3'), { recursive: true });
    const conflict = await createWorktree(d, { repoPath: fx.repo, sessionId: 's3' });
    expect(conflict._unsafeUnwrapErr().code).toBe('WORKTREE_CONFLICT');
    const invalid = await createWorktree(d, { repoPath: fx.repo, sessionId: '../x' });
    expect(invalid._unsafeUnwrapErr().code).toBe('INVALID_SESSION_ID');
  });
});
