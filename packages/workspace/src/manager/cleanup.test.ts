import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../../test/helpers/git-fixture.js';
import { createBaseFetcher } from './base-fetch.js';
import { cleanWorktrees, pruneOrphans, removeWorktree } from './cleanup.js';
import { managerContext } from './context.js';
import { createWorktree } from './create-worktree.js';
import { createRepoLookups } from './repo-lookups.js';

let fx: GitFixture;
beforeEach(async () => {
  fx = await createGitFixture();
});
afterEach(() => fx.cleanup());

const clock = manualClock();
function setup() {
  const ctx = managerContext({ worktreesDir: join(fx.root, 'worktrees'), clock });
  const lookups = createRepoLookups(clock);
  const make = async (sessionId: string) =>
    (
      await createWorktree(
        { ctx, lookups, fetcher: createBaseFetcher(ctx, lookups) },
        { repoPath: fx.repo, sessionId },
      )
    )._unsafeUnwrap();
  return { ctx, lookups, make };
}

const branches = async () => (await fx.git(fx.repo, 'branch', '--format=%(refname:short)')).split('\n');

describe('removeWorktree', () => {
  it('removes the directory and keeps the branch unless asked', async () => {
    const { ctx, lookups, make } = setup();
    const wt = await make('s1');
    const removed = (
      await removeWorktree(ctx, lookups, { sessionId: 's1', repoPath: fx.repo })
    )._unsafeUnwrap();
    expect(removed).toEqual({ sessionId: 's1', path: wt.path, removed: true, branchDeleted: false });
    expect(existsSync(wt.path)).toBe(false);
    expect(await branches()).toContain('worktrain/s1');
    const again = (
      await removeWorktree(ctx, lookups, { sessionId: 's1', repoPath: fx.repo, deleteBranch: true })
    )._unsafeUnwrap();
    expect(again).toMatchObject({ removed: false, branchDeleted: true });
  });
});

describe('cleanWorktrees', () => {
  it('only reports in a dry run, and removes the selection otherwise', async () => {
    const { ctx, lookups, make } = setup();
    await make('old');
    await make('kept');
    const dry = (await cleanWorktrees(ctx, lookups, { keepSessionIds: ['kept'] }))._unsafeUnwrap();
    expect(dry.selected.map((e) => e.sessionId)).toEqual(['old']);
    expect(dry.removed).toEqual([]);
    const wet = (
      await cleanWorktrees(ctx, lookups, { dryRun: false, keepSessionIds: ['kept'] })
    )._unsafeUnwrap();
    expect(wet.removed).toEqual(['old']);
    expect(existsSync(ctx.pathFor('kept'))).toBe(true);
  });
});

describe('pruneOrphans', () => {
  it('removes worktrees no live session owns and prunes their repository', async () => {
    const { ctx, lookups, make } = setup();
    await make('live');
    await make('orphan');
    const pruned = (await pruneOrphans(ctx, lookups, { liveSessionIds: ['live'] }))._unsafeUnwrap();
    expect(pruned.removed).toEqual(['orphan']);
    expect(pruned.failed).toEqual([]);
    expect(pruned.prunedRepos).toHaveLength(1);
    expect(existsSync(ctx.pathFor('live'))).toBe(true);
  });
});
