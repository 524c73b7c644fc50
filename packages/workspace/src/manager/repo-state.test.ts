import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../../test/helpers/git-fixture.js';
import { createBaseFetcher } from './base-fetch.js';
import { managerContext } from './context.js';
import { createWorktree } from './create-worktree.js';
import { createRepoLookups } from './repo-lookups.js';
import { gitRefFor, releaseStaleIndexLock, repoState } from './repo-state.js';

let fx: GitFixture;
beforeEach(async () => {
  fx = await createGitFixture();
});
afterEach(() => fx.cleanup());

describe('repo state and refs', () => {
  it("derives a session's ref from its repository, the one worktree creation returned", async () => {
    const clock = manualClock();
    const ctx = managerContext({ worktreesDir: join(fx.root, 'worktrees'), clock });
    const lookups = createRepoLookups(clock);
    const wt = (
      await createWorktree(
        { ctx, lookups, fetcher: createBaseFetcher(ctx, lookups) },
        { repoPath: fx.repo, sessionId: 's1' },
      )
    )._unsafeUnwrap();
    expect((await gitRefFor(ctx, lookups, { repoPath: fx.repo, sessionId: 's1' }))._unsafeUnwrap()).toEqual(
      wt.git,
    );

    writeFileSync(join(wt.path, 'new.txt'), 'x\n');
    const state = (await repoState(wt.git))._unsafeUnwrap();
    expect(state).toMatchObject({ path: wt.path, head: wt.head, branch: 'worktrain/s1' });
    expect(state.dirty.map((d) => d.path)).toEqual(['new.txt']);
    expect((await releaseStaleIndexLock(ctx, wt.git))._unsafeUnwrap()).toBe('absent');
  });

  it('answers WORKTREE_MISSING for a path that does not exist', async () => {
    const result = await repoState(join(fx.root, 'gone'));
    expect(result._unsafeUnwrapErr().code).toBe('WORKTREE_MISSING');
  });
});
