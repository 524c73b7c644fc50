import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspaceManager, type WorkspaceManager } from '../src/index.js';
import { PREFETCH_REUSE_MS } from '../src/manager.js';
import { createGitFixture, type GitFixture } from './helpers/git-fixture.js';

let fx: GitFixture;
let manager: WorkspaceManager;
const clock = manualClock(Date.UTC(2026, 10, 1));

beforeEach(async () => {
  fx = await createGitFixture({ 'README.md': '# demo\n' });
  manager = createWorkspaceManager({ worktreesDir: join(fx.root, 'worktrees'), clock });
});
afterEach(() => fx.cleanup());

describe('prefetchBase', () => {
  it('lets createWorktree reuse a fetch started at or after fetchedSince instead of fetching again', async () => {
    const enqueuedAt = clock.now();
    const early = await fx.pushFromElsewhere('main', { 'EARLY.md': 'before the prefetch\n' });
    await manager.prefetchBase({ repoPath: fx.repo });
    clock.advance(5);
    const late = await fx.pushFromElsewhere('main', { 'LATE.md': 'after the prefetch\n' });

    const reused = (
      await manager.createWorktree({ repoPath: fx.repo, sessionId: 's_pre', fetchedSince: enqueuedAt })
    )._unsafeUnwrap();
    expect(reused.head).toBe(early);
    expect(existsSync(join(reused.path, 'LATE.md'))).toBe(false);

    // A prefetch older than fetchedSince is not fresh enough: createWorktree fetches.
    const fresh = (
      await manager.createWorktree({ repoPath: fx.repo, sessionId: 's_new', fetchedSince: clock.now() })
    )._unsafeUnwrap();
    expect(fresh.head).toBe(late);
  });

  it('always fetches when createWorktree gets no fetchedSince', async () => {
    await manager.prefetchBase({ repoPath: fx.repo });
    const late = await fx.pushFromElsewhere('main', { 'LATE.md': 'after the prefetch\n' });
    const wt = (await manager.createWorktree({ repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap();
    expect(wt.head).toBe(late);
  });

  it('freshBase gives the fetched base commit, the one createWorktree with the same fetchedSince starts at', async () => {
    const enqueuedAt = clock.now();
    const pushed = await fx.pushFromElsewhere('main', { 'NEW.md': 'x\n' });
    const base = (await manager.freshBase({ repoPath: fx.repo, fetchedSince: enqueuedAt }))._unsafeUnwrap();
    expect(base).toEqual({ baseBranch: 'main', commit: pushed });
    const wt = (
      await manager.createWorktree({ repoPath: fx.repo, sessionId: 's_base', fetchedSince: enqueuedAt })
    )._unsafeUnwrap();
    expect(wt.head).toBe(pushed);
  });

  it('freshBase reads a packed (not loose) origin branch through git', async () => {
    const head = (await fx.git(fx.repo, 'rev-parse', 'refs/remotes/origin/main')).trim();
    await fx.git(fx.repo, 'pack-refs', '--all');
    expect(existsSync(join(fx.repo, '.git', 'refs', 'remotes', 'origin', 'main'))).toBe(false);
    expect((await manager.freshBase({ repoPath: fx.repo }))._unsafeUnwrap().commit).toBe(head);
  });

  it('freshBase fails with a typed error for a path that is not a repository', async () => {
    const r = await manager.freshBase({ repoPath: join(fx.root, 'nope') });
    expect(r._unsafeUnwrapErr().code).toMatch(/NOT_A_REPOSITORY|WORKTREE_MISSING|GIT_FAILED/);
  });

  it('reuses a fetch started less than PREFETCH_REUSE_MS before: a burst of prefetches costs one fetch', async () => {
    const originMain = async () => (await fx.git(fx.repo, 'rev-parse', 'refs/remotes/origin/main')).trim();
    const first = await fx.pushFromElsewhere('main', { 'ONE.md': '1\n' });
    // Many tasks of one repository enqueued at once: one fetch, which all of them join.
    await Promise.all(Array.from({ length: 20 }, () => manager.prefetchBase({ repoPath: fx.repo })));
    expect(await originMain()).toBe(first);

    const second = await fx.pushFromElsewhere('main', { 'TWO.md': '2\n' });
    clock.advance(PREFETCH_REUSE_MS - 1);
    await manager.prefetchBase({ repoPath: fx.repo });
    expect(await originMain()).toBe(first); // the earlier fetch is recent enough: no git fetch

    clock.advance(2);
    await manager.prefetchBase({ repoPath: fx.repo });
    expect(await originMain()).toBe(second);
  });

  it('never fails, even for a path that is not a repository', async () => {
    await expect(manager.prefetchBase({ repoPath: join(fx.root, 'nope') })).resolves.toBeUndefined();
  });
});
