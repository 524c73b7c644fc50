/**
 * Issue #14 "One git runner": workspace and delivery both run git through contracts' hardened runner, so a
 * hook or an fsmonitor planted in the repository never runs for either — with direct spawns and through
 * the daemon's spawn helper. A plain git in the same place runs them (the plant works).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { worktreeGitRef } from '@worktrain/contracts';
import { collectWorktreeChanges, commitStaged } from '@worktrain/delivery';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { enableGitSpawnHelper, runGit } from '@worktrain/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

let fx: GitFixture;
let marker: string;
const HOOKS = [
  'pre-commit',
  'post-commit',
  'commit-msg',
  'post-checkout',
  'reference-transaction',
  'post-index-change',
];

/** A script that appends its own name to the marker file. */
function plant(path: string): void {
  writeFileSync(path, `#!/bin/sh\necho "$(basename "$0")" >> '${marker}'\nexit 0\n`);
  chmodSync(path, 0o755);
}

const ran = (): string[] =>
  existsSync(marker)
    ? readFileSync(marker, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

beforeAll(async () => {
  fx = await createGitFixture({ files: { 'README.md': '# r\n', 'src/a.ts': 'export const a = 1;\n' } });
  marker = join(fx.rootDir, 'ran.txt');
  const commonDir = join(fx.repoDir, '.git');
  const planted = join(fx.rootDir, 'planted-hooks');
  mkdirSync(planted);
  for (const hook of HOOKS) {
    plant(join(commonDir, 'hooks', hook));
    plant(join(planted, hook));
  }
  plant(join(fx.rootDir, 'fsmonitor'));
  await fx.git(['config', 'core.hooksPath', planted]);
  await fx.git(['config', 'core.fsmonitor', join(fx.rootDir, 'fsmonitor')]);
});

afterAll(async () => {
  await fx.cleanup();
});

/** A workspace operation (worktree add, status) and a delivery one (stage, diff, commit) on a new worktree. */
async function workspaceThenDelivery(name: string): Promise<void> {
  const path = join(fx.rootDir, name);
  (await runGit(fx.repoDir, ['worktree', 'add', '-q', '-b', name, path, 'origin/main']))._unsafeUnwrap();
  const ref = worktreeGitRef(path, join(fx.repoDir, '.git'));
  (await runGit(ref, ['status', '--porcelain']))._unsafeUnwrap();
  writeFileSync(join(path, 'src', 'a.ts'), 'export const a = 2;\n');
  const changes = (await collectWorktreeChanges(ref, 'origin/main'))._unsafeUnwrap();
  expect(changes.changes.map((c) => c.path)).toEqual(['src/a.ts']);
  (
    await commitStaged(ref, 'fix: a', changes.baseSha, { name: 'Bot', email: 'bot@worktrain.invalid' })
  )._unsafeUnwrap();
}

describe('hooks and fsmonitor planted in the repository', () => {
  it('run for a plain git (the plant works)', () => {
    execFileSync('git', ['-C', fx.repoDir, 'status', '--porcelain']);
    execFileSync('git', [
      '-C',
      fx.repoDir,
      '-c',
      'user.name=Plain',
      '-c',
      'user.email=plain@worktrain.invalid',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'plain',
    ]);
    expect(ran()).toEqual(expect.arrayContaining(['fsmonitor', 'pre-commit']));
    rmSync(marker);
  });

  it('never run for workspace and delivery git, spawned directly', async () => {
    await workspaceThenDelivery('direct');
    expect(ran()).toEqual([]);
  });

  it('never run for workspace and delivery git through the spawn helper', async () => {
    enableGitSpawnHelper();
    await workspaceThenDelivery('helper');
    expect(ran()).toEqual([]);
  });
});
