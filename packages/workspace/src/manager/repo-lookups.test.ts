import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../../test/helpers/git-fixture.js';
import { createRepoLookups, DEFAULT_BRANCH_TTL_MS } from './repo-lookups.js';

let fx: GitFixture;
beforeEach(async () => {
  fx = await createGitFixture();
});
afterEach(() => fx.cleanup());

describe('createRepoLookups', () => {
  it('gives the absolute common dir of a repository', async () => {
    const lookups = createRepoLookups(manualClock());
    const dir = (await lookups.repoCommonDirOf(fx.repo))._unsafeUnwrap();
    expect(dir.endsWith('/repo/.git')).toBe(true);
  });

  it('reuses the default branch until the TTL passes, then looks it up again', async () => {
    const clock = manualClock();
    const lookups = createRepoLookups(clock);
    expect((await lookups.defaultBranch(fx.repo))._unsafeUnwrap()).toBe('main');
    await fx.pushFromElsewhere('trunk', { 'T.md': 't\n' });
    await fx.git(fx.repo, 'fetch', '--quiet', 'origin');
    await fx.git(fx.repo, 'remote', 'set-head', 'origin', 'trunk');
    clock.advance(DEFAULT_BRANCH_TTL_MS - 1);
    expect((await lookups.defaultBranch(fx.repo))._unsafeUnwrap()).toBe('main');
    clock.advance(1);
    expect((await lookups.defaultBranch(fx.repo))._unsafeUnwrap()).toBe('trunk');
  });

  it('never caches an error', async () => {
    const lookups = createRepoLookups(manualClock());
    const missing = `${fx.root}/not-yet`;
    expect((await lookups.repoCommonDirOf(missing)).isErr()).toBe(true);
    await fx.git(fx.root, 'init', '--quiet', 'not-yet');
    expect((await lookups.repoCommonDirOf(missing)).isOk()).toBe(true);
  });
});
