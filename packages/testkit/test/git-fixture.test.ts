import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../src/index.js';

let fixture: GitFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('createGitFixture', () => {
  it('creates a clone with an initial commit on main pushed to a bare origin', async () => {
    fixture = await createGitFixture({ files: { 'src/index.ts': 'export const x = 1;\n' } });
    expect(await fixture.git(['rev-parse', '--is-bare-repository'], fixture.originDir)).toBe('true');
    expect(await fixture.git(['branch', '--show-current'])).toBe('main');
    expect(await fixture.originRef('main')).toBe(await fixture.git(['rev-parse', 'HEAD']));
    expect(await readFile(join(fixture.repoDir, 'src/index.ts'), 'utf8')).toBe('export const x = 1;\n');
    expect(await fixture.git(['log', '--format=%an <%ae>', '-1'])).toBe(
      'WorkTrain Test <test@worktrain.invalid>',
    );
  });

  it('commits files and sees a pushed branch in origin', async () => {
    fixture = await createGitFixture();
    await fixture.git(['switch', '-q', '-c', 'worktrain/s1']);
    const sha = await fixture.commitFiles({ 'a/b.txt': 'hello\n' }, 'feat: add b');
    expect(await fixture.originRef('worktrain/s1')).toBeUndefined();
    await fixture.git(['push', '-q', 'origin', 'worktrain/s1']);
    expect(await fixture.originRef('worktrain/s1')).toBe(sha);
    expect((await fixture.originBranches()).sort()).toEqual(['main', 'worktrain/s1']);
  });

  it('honours another default branch and removes everything on cleanup', async () => {
    fixture = await createGitFixture({ defaultBranch: 'trunk' });
    expect(await fixture.originBranches()).toEqual(['trunk']);
    const root = fixture.rootDir;
    await fixture.cleanup();
    await fixture.cleanup();
    expect(existsSync(root)).toBe(false);
  });

  it('lets a competing clone make a later push non-fast-forward', async () => {
    fixture = await createGitFixture();
    const other = await fixture.cloneOrigin();
    await fixture.git(['commit', '-q', '--allow-empty', '-m', 'theirs'], other);
    await fixture.git(['push', '-q', 'origin', 'main'], other);
    await fixture.commitFiles({ 'mine.txt': 'x\n' }, 'mine');
    await expect(fixture.git(['push', '-q', 'origin', 'main'])).rejects.toThrow(
      /rejected|fetch first|non-fast-forward/,
    );
  });

  it('rejects pushes with a message while rejectPushes is on', async () => {
    fixture = await createGitFixture();
    await fixture.commitFiles({ 'a.txt': 'a\n' }, 'a');
    await fixture.rejectPushes('protected branch');
    await expect(fixture.git(['push', '-q', 'origin', 'main'])).rejects.toThrow(/protected branch/);
    await fixture.allowPushes();
    await fixture.git(['push', '-q', 'origin', 'main']);
    expect(await fixture.originRef('main')).toBe(await fixture.git(['rev-parse', 'HEAD']));
  });
});
