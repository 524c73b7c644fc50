import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../../test/helpers/git-fixture.js';
import { createBaseFetcher } from './base-fetch.js';
import { managerContext } from './context.js';
import { createRepoLookups } from './repo-lookups.js';

let fx: GitFixture;
const clock = manualClock(Date.UTC(2026, 10, 1));
beforeEach(async () => {
  fx = await createGitFixture();
});
afterEach(() => fx.cleanup());

function fetcher() {
  const ctx = managerContext({ worktreesDir: join(fx.root, 'worktrees'), clock });
  return createBaseFetcher(ctx, createRepoLookups(clock));
}

describe('createBaseFetcher', () => {
  it('fetches the base branch and gives the commit origin has', async () => {
    const pushed = await fx.pushFromElsewhere('main', { 'NEW.md': 'x\n' });
    expect((await fetcher().freshBase({ repoPath: fx.repo }))._unsafeUnwrap()).toEqual({
      baseBranch: 'main',
      commit: pushed,
    });
  });

  it('reuses a fetch started at or after `since` and fetches again for a later `since`', async () => {
    const f = fetcher();
    const first = (await f.freshFetch(fx.repo, 'main', undefined))._unsafeUnwrap();
    const since = clock.now();
    const pushed = await fx.pushFromElsewhere('main', { 'LATE.md': 'x\n' });
    expect((await f.freshFetch(fx.repo, 'main', since))._unsafeUnwrap()).toBe(first);
    clock.advance(1);
    expect((await f.freshFetch(fx.repo, 'main', clock.now()))._unsafeUnwrap()).toBe(pushed);
  });

  it('answers BASE_BRANCH_NOT_FOUND for a branch origin does not have', async () => {
    const result = await fetcher().freshBase({ repoPath: fx.repo, baseBranch: 'nope' });
    expect(result._unsafeUnwrapErr().code).toBe('BASE_BRANCH_NOT_FOUND');
  });

  it('never fails a prefetch, even of a missing branch', async () => {
    await expect(fetcher().prefetchBase({ repoPath: fx.repo, baseBranch: 'nope' })).resolves.toBeUndefined();
  });
});
