import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type WorktreeGitRef, worktreeGitRef } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../src/index.js';
import { createHarness, type Harness } from './setup.js';

// Delivery's git runs outside the sandbox with the daemon's rights: nothing the agent could plant in its
// worktree or the worktree's admin folder may run during a delivery (DESIGN §7, issue #12).

let h: Harness;
let ref: WorktreeGitRef;
/** Every planted command appends to this file; it must never exist after a delivery. */
let marker: string;
/** A planted command (hook, fsmonitor). */
let planted: string;
/** A planted filter driver: records that it ran, then passes its input through. */
let plantedFilter: string;
const change = { 'src/page.ts': 'export const page = (n: number) => Math.max(n, 1);\n' };
const branch = 'worktrain/sess_deliver1';

beforeEach(async () => {
  h = await createHarness();
  ref = worktreeGitRef(h.worktree, realpathSync(join(h.fx.repoDir, '.git')));
  marker = join(h.fx.rootDir, 'PLANTED-COMMAND-RAN');
  planted = join(h.fx.rootDir, 'planted.sh');
  plantedFilter = join(h.fx.rootDir, 'planted-filter.sh');
  writeFileSync(planted, `#!/bin/sh\necho "$0 $*" >> '${marker}'\n`, { mode: 0o755 });
  writeFileSync(plantedFilter, `#!/bin/sh\necho filter >> '${marker}'\nexec cat\n`, { mode: 0o755 });
});
afterEach(async () => {
  await h.close();
});

const deliverHardened = () => deliver(h.input({ worktreeGit: ref }), h.deps());

/** The value of a result, or a failure that shows the delivery error. */
function unwrap<T, E>(r: { isOk(): boolean; _unsafeUnwrap(): T; _unsafeUnwrapErr(): E }): T {
  if (!r.isOk()) throw new Error(`expected ok, got ${JSON.stringify(r._unsafeUnwrapErr())}`);
  return r._unsafeUnwrap();
}

/** The content of `path` in the commit origin's session branch points at. */
const delivered = async (path: string) => h.git(['show', `${await h.fx.originRef(branch)}:${path}`]);

describe('deliver with a tampered worktree', () => {
  it('refuses a .git file replaced by a planted repository whose config sets core.fsmonitor, running nothing', async () => {
    await h.write(change);
    rmSync(join(h.worktree, '.git'));
    await h.git(['init', '-q']);
    await h.git(['config', 'core.fsmonitor', planted]);
    // Control: a git command that trusts the worktree's .git runs the planted command.
    await h.git(['status', '--short']);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);

    const error = (await deliverHardened())._unsafeUnwrapErr();
    expect(error.code).toBe('WORKTREE_TAMPERED');
    expect(error.message).toMatch(/\.git is a directory.*delivery was refused/);
    expect(existsSync(marker)).toBe(false);
    expect(await h.fx.originRef(branch)).toBeUndefined();
  });

  it('refuses a .git file rewritten to point at another git directory', async () => {
    await h.write(change);
    const evil = join(h.fx.rootDir, 'evil.git');
    await h.fx.git(['init', '-q', '--bare', evil]);
    await h.fx.git(['config', 'core.fsmonitor', planted], evil);
    writeFileSync(join(h.worktree, '.git'), `gitdir: ${evil}\n`);

    const error = (await deliverHardened())._unsafeUnwrapErr();
    expect(error).toMatchObject({
      code: 'WORKTREE_TAMPERED',
      details: { found: expect.stringContaining(evil) },
    });
    expect(existsSync(marker)).toBe(false);
    expect(await h.fx.originRef(branch)).toBeUndefined();
  });

  it('refuses an admin folder whose commondir was rewritten to a hostile repository, running nothing', async () => {
    await h.write(change);
    const evil = join(h.fx.rootDir, 'evil-common.git');
    await h.fx.git(['init', '-q', '--bare', evil]);
    await h.fx.git(['config', 'core.fsmonitor', planted], evil);
    await h.fx.git(['config', 'core.hooksPath', h.fx.rootDir], evil);
    writeFileSync(join(ref.gitDir, 'commondir'), `${evil}\n`);

    // GIT_COMMON_DIR keeps config, hooks and objects on the real common dir, but git's ref store still
    // follows the commondir file, so delivering would read and move branch refs in the hostile one.
    const error = (await deliverHardened())._unsafeUnwrapErr();
    expect(error).toMatchObject({
      code: 'WORKTREE_TAMPERED',
      details: { found: expect.stringContaining(evil) },
    });
    expect(existsSync(marker)).toBe(false);
    expect(await h.fx.originRef(branch)).toBeUndefined();
  });

  it("runs no hook planted in the admin folder or the common dir's hooks while committing and pushing", async () => {
    await h.write(change);
    for (const dir of [join(ref.gitDir, 'hooks'), join(ref.commonDir, 'hooks')]) {
      mkdirSync(dir, { recursive: true });
      for (const hook of ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'pre-push'])
        writeFileSync(join(dir, hook), readFileSync(planted), { mode: 0o755 });
    }
    // Control: git runs the common dir's pre-commit hook for anyone who lets it.
    await h.git(['hook', 'run', 'pre-commit'], h.fx.repoDir);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);

    const result = unwrap(await deliverHardened());
    expect(await h.fx.originRef(branch)).toBe(result.commitSha);
    expect(existsSync(marker)).toBe(false);
  });

  it('runs no filter or diff driver a .gitattributes names when only the agent-writable config.worktree defines it', async () => {
    await h.write({ ...change, '.gitattributes': '* filter=planted diff=planted\n' });
    writeFileSync(
      join(ref.gitDir, 'config.worktree'),
      `[filter "planted"]\n\tclean = ${plantedFilter}\n\tsmudge = ${plantedFilter}\n[diff "planted"]\n\ttextconv = ${plantedFilter}\n\tcommand = ${planted}\n`,
    );

    const input = h.input({
      worktreeGit: ref,
      targets: ['.gitattributes'],
      policy: { approvedProtectedPaths: ['.gitattributes'] },
    });
    const result = unwrap(await deliver(input, h.deps()));
    expect(await h.fx.originRef(branch)).toBe(result.commitSha);
    expect(await delivered('src/page.ts')).toBe(change['src/page.ts'].trim());
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a config.worktree once the repository enables extensions.worktreeConfig (git would read it)', async () => {
    await h.write(change);
    await h.git(['config', 'extensions.worktreeConfig', 'true'], h.fx.repoDir);
    writeFileSync(join(ref.gitDir, 'config.worktree'), `[core]\n\tfsmonitor = ${planted}\n`);
    // Control: git now reads the admin folder's config.worktree in the worktree.
    expect(await h.git(['config', '--get', 'core.fsmonitor'])).toBe(planted);

    const error = (await deliverHardened())._unsafeUnwrapErr();
    expect(error).toMatchObject({
      code: 'WORKTREE_TAMPERED',
      details: { found: expect.stringContaining('config.worktree') },
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('starts no git inside a nested repository planted where HEAD records a submodule', async () => {
    // The base branch records a submodule (gitlink) at vendor/lib; the session branch starts from it.
    const sub = join(h.worktree, 'vendor', 'lib');
    const base = await h.git(['rev-parse', 'HEAD'], h.fx.repoDir);
    await h.git(['update-index', '--add', '--cacheinfo', `160000,${base},vendor/lib`], h.fx.repoDir);
    await h.git(['commit', '-q', '--no-verify', '-m', 'vendor lib'], h.fx.repoDir);
    await h.git(['push', '-q', 'origin', 'main'], h.fx.repoDir);
    await h.git(['fetch', '-q', 'origin']);
    await h.git(['reset', '-q', '--hard', 'refs/remotes/origin/main']);
    mkdirSync(sub, { recursive: true });
    await h.git(['init', '-q'], sub);
    await h.git(['config', 'filter.planted.clean', plantedFilter], sub);
    await h.git(['config', 'core.fsmonitor', planted], sub);
    writeFileSync(join(sub, '.gitattributes'), '* filter=planted\n');
    writeFileSync(join(sub, 'lib.txt'), 'one\n');
    await h.git(['add', 'lib.txt'], sub);
    rmSync(marker, { force: true });
    writeFileSync(join(sub, 'lib.txt'), 'two\n');
    await h.write(change);
    // Control: a plain `git status` of the worktree looks inside the submodule and runs its filter.
    await h.git(['status', '--short']);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);

    const result = unwrap(await deliverHardened());
    expect(await h.fx.originRef(branch)).toBe(result.commitSha);
    expect(await delivered('src/page.ts')).toBe(change['src/page.ts'].trim());
    expect(existsSync(marker)).toBe(false);
  });
});

describe('deliver with an intact worktree', () => {
  it('delivers through the trusted ref exactly as through the path', async () => {
    await h.write({ ...change, 'test/page.test.ts': 'ok\n' });
    const result = unwrap(await deliverHardened());
    expect(result).toMatchObject({ branch, replayed: false, pullRequest: { number: 2 } });
    expect(await h.fx.originRef(branch)).toBe(result.commitSha);
    expect(await h.git(['show', '--name-only', '--format=%s', result.commitSha])).toBe(
      'fix(page): Clamp the page index\n\nsrc/page.ts\ntest/page.test.ts',
    );
    expect(unwrap(await deliverHardened()).replayed).toBe(true);
  });

  it('refuses a ref of another worktree than worktreePath (INVALID_INPUT)', async () => {
    const other = worktreeGitRef(join(h.fx.rootDir, 'worktrees', 'other'), ref.commonDir);
    const error = (await deliver(h.input({ worktreeGit: other }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('INVALID_INPUT');
  });

  it("re-hashes files whose index entry names a blob only the agent's private object directory holds", async () => {
    // Inside the sandbox the agent's `git add` writes blobs to a private object directory.
    await h.write(change);
    const privateObjects = join(h.fx.rootDir, 'agent-objects');
    mkdirSync(privateObjects);
    const { execa } = await import('execa');
    await execa('git', ['add', 'src/page.ts'], {
      cwd: h.worktree,
      env: {
        GIT_OBJECT_DIRECTORY: privateObjects,
        GIT_ALTERNATE_OBJECT_DIRECTORIES: join(ref.commonDir, 'objects'),
      },
    });
    const blob = (await h.git(['ls-files', '-s', 'src/page.ts'])).split(' ')[1] ?? '';
    await expect(h.git(['cat-file', '-e', blob])).rejects.toThrow();

    const result = unwrap(await deliverHardened());
    expect(await h.fx.originRef(branch)).toBe(result.commitSha);
    expect(await delivered('src/page.ts')).toBe(change['src/page.ts'].trim());
    expect(await h.git(['rev-parse', `${result.commitSha}:src/page.ts`])).toBe(blob);
  });
});
