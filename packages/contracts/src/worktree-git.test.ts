import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { checkWorktreeLink, gitInvocation, HARDENED_GIT_CONFIG, worktreeGitRef } from './worktree-git.js';

const root = mkdtempSync(join(tmpdir(), 'wt-link-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const common = join(root, 'repo', '.git');
const worktree = join(root, 'worktrees', 'sess_1');
const ref = worktreeGitRef(worktree, common);

beforeEach(() => {
  rmSync(join(root, 'worktrees'), { recursive: true, force: true });
  rmSync(join(root, 'repo'), { recursive: true, force: true });
  mkdirSync(ref.gitDir, { recursive: true });
  mkdirSync(worktree, { recursive: true });
  writeFileSync(join(common, 'config'), '[core]\n\tbare = false\n');
  writeFileSync(join(worktree, '.git'), `gitdir: ${ref.gitDir}\n`);
  writeFileSync(join(ref.gitDir, 'commondir'), '../..\n');
});

describe('worktreeGitRef', () => {
  it('puts the admin folder under <commonDir>/worktrees/<basename of the worktree> unless named', () => {
    expect(ref).toEqual({ worktree, gitDir: join(common, 'worktrees', 'sess_1'), commonDir: common });
    expect(worktreeGitRef(worktree, common, 'sess_12').gitDir).toBe(join(common, 'worktrees', 'sess_12'));
  });
});

describe('gitInvocation', () => {
  it('pins GIT_DIR, GIT_WORK_TREE and GIT_COMMON_DIR of a worktree and adds the hardening config', () => {
    const inv = gitInvocation(ref, ['status']);
    expect(inv.env).toEqual({ GIT_DIR: ref.gitDir, GIT_WORK_TREE: worktree, GIT_COMMON_DIR: common });
    expect(inv.args.slice(0, 2)).toEqual(['-C', worktree]);
    expect(inv.args.at(-1)).toBe('status');
    for (const c of [...HARDENED_GIT_CONFIG, `safe.directory=${worktree}`])
      expect(inv.args[inv.args.indexOf(c) - 1]).toBe('-c');
    expect(HARDENED_GIT_CONFIG).toEqual(
      expect.arrayContaining([
        'core.hooksPath=/dev/null',
        'core.fsmonitor=false',
        'core.untrackedCache=false',
      ]),
    );
  });

  it('runs in a repository path without pinning but with the same hardening config', () => {
    const inv = gitInvocation('/srv/repo', ['fetch']);
    expect(inv.env).toEqual({});
    expect(inv.args).toEqual(['-C', '/srv/repo', ...HARDENED_GIT_CONFIG.flatMap((c) => ['-c', c]), 'fetch']);
  });
});

describe('checkWorktreeLink', () => {
  it('accepts the .git file git wrote (absolute, or relative to the worktree)', async () => {
    expect(await checkWorktreeLink(ref)).toEqual({ status: 'intact' });
    writeFileSync(join(worktree, '.git'), 'gitdir: ../../repo/.git/worktrees/sess_1\n');
    expect(await checkWorktreeLink(ref)).toEqual({ status: 'intact' });
  });

  it('says missing when the worktree directory is gone, tampered when only its .git is', async () => {
    rmSync(join(worktree, '.git'));
    expect(await checkWorktreeLink(ref)).toMatchObject({
      status: 'tampered',
      found: expect.stringContaining('missing'),
    });
    rmSync(worktree, { recursive: true });
    expect(await checkWorktreeLink(ref)).toEqual({ status: 'missing' });
  });

  it('refuses a .git directory, a symlink, another gitdir and extra content', async () => {
    const cases: [() => void, string][] = [
      [
        () => {
          rmSync(join(worktree, '.git'));
          mkdirSync(join(worktree, '.git'));
        },
        'is a directory',
      ],
      [
        () => {
          rmSync(join(worktree, '.git'));
          writeFileSync(join(root, 'elsewhere'), `gitdir: ${ref.gitDir}\n`);
          symlinkSync(join(root, 'elsewhere'), join(worktree, '.git'));
        },
        'symbolic link',
      ],
      [() => writeFileSync(join(worktree, '.git'), `gitdir: ${join(root, 'evil')}\n`), 'points at'],
      [() => writeFileSync(join(worktree, '.git'), `gitdir: ${ref.gitDir}\nextra\n`), 'gitdir line'],
    ];
    for (const [tamper, found] of cases) {
      rmSync(join(worktree, '.git'), { recursive: true, force: true });
      writeFileSync(join(worktree, '.git'), `gitdir: ${ref.gitDir}\n`);
      tamper();
      expect(await checkWorktreeLink(ref)).toMatchObject({
        status: 'tampered',
        found: expect.stringContaining(found),
      });
    }
  });

  it('refuses an admin folder whose commondir file no longer leads to the common dir', async () => {
    writeFileSync(join(ref.gitDir, 'commondir'), `${common}\n`);
    expect(await checkWorktreeLink(ref)).toEqual({ status: 'intact' });
    writeFileSync(join(ref.gitDir, 'commondir'), `${join(root, 'evil')}\n`);
    expect(await checkWorktreeLink(ref)).toMatchObject({
      status: 'tampered',
      found: expect.stringContaining('commondir points at'),
    });
    rmSync(join(ref.gitDir, 'commondir'));
    expect((await checkWorktreeLink(ref)).status).toBe('tampered');
  });

  it('refuses a config.worktree only while the common config enables extensions.worktreeConfig', async () => {
    writeFileSync(join(ref.gitDir, 'config.worktree'), '[core]\n\tfsmonitor = /tmp/x\n');
    expect(await checkWorktreeLink(ref)).toEqual({ status: 'intact' });
    writeFileSync(join(common, 'config'), '[core]\n\tbare = false\n[extensions]\n\tworktreeConfig = true\n');
    expect(await checkWorktreeLink(ref)).toMatchObject({
      status: 'tampered',
      found: expect.stringContaining('config.worktree'),
    });
    writeFileSync(join(common, 'config'), '[Extensions]\n\tWorktreeConfig\n');
    expect((await checkWorktreeLink(ref)).status).toBe('tampered');
    writeFileSync(join(common, 'config'), '[extensions]\n\tworktreeConfig = false\n');
    expect(await checkWorktreeLink(ref)).toEqual({ status: 'intact' });
  });
});
