import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../src/index.js';
import { createHarness, type Harness, pullsFor } from './setup.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

describe('commit signing', () => {
  it('honours the repository signing config (SSH signatures) instead of disabling it', async () => {
    const key = join(h.fx.rootDir, 'signing-key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'worktrain-test', '-f', key]);
    await h.git(['config', 'gpg.format', 'ssh']);
    await h.git(['config', 'user.signingkey', `${key}.pub`]);
    await h.git(['config', 'commit.gpgsign', 'true']);
    await h.write({ 'src/page.ts': 'export const page = 30;\n' });
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const commit = await h.git(['cat-file', 'commit', result.commitSha]);
    expect(commit).toContain('gpgsig -----BEGIN SSH SIGNATURE-----');
    expect(readFileSync(`${key}.pub`, 'utf8')).toContain('worktrain-test');
  });

  it('reports SIGNING_FAILED when signing is required but impossible', async () => {
    await h.git(['config', 'gpg.format', 'ssh']);
    await h.git(['config', 'user.signingkey', join(h.fx.rootDir, 'missing.pub')]);
    await h.git(['config', 'commit.gpgsign', 'true']);
    await h.write({ 'src/page.ts': 'export const page = 31;\n' });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('SIGNING_FAILED');
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBeUndefined();
  });
});

describe('a worktree deleted under the session', () => {
  it('fails with WORKTREE_MISSING and opens nothing', async () => {
    rmSync(h.worktree, { recursive: true, force: true });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('WORKTREE_MISSING');
    expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)).toEqual([]);
    const recorded = [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()].filter(
      (e) => e.kind === 'delivery_recorded',
    );
    expect(recorded.at(-1)).toMatchObject({
      data: { stage: 'validate', outcome: 'failed', details: { code: 'WORKTREE_MISSING' } },
    });
  });
});

describe('a stale git index.lock left in the worktree', () => {
  it('fails with INDEX_LOCKED, and delivers once prepareWorktree clears it', async () => {
    const { writeFileSync, rmSync: remove } = await import('node:fs');
    const { ResultAsync } = await import('@worktrain/contracts');
    await h.write({ 'src/page.ts': 'export const page = 40;\n' });
    const gitDir = await h.git(['rev-parse', '--absolute-git-dir']);
    writeFileSync(join(gitDir, 'index.lock'), '');
    expect((await deliver(h.input(), h.deps()))._unsafeUnwrapErr().code).toBe('INDEX_LOCKED');
    const cleared: string[] = [];
    const prepareWorktree = (path: string) =>
      ResultAsync.fromSafePromise(
        (async () => {
          cleared.push(path);
          remove(join(gitDir, 'index.lock'), { force: true });
        })(),
      );
    const result = await deliver(h.input(), h.deps({ prepareWorktree }));
    expect(result.isOk()).toBe(true);
    expect(cleared).toEqual([h.worktree]);
  });
});
