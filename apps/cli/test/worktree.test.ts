/**
 * `worktrain worktree list|clean` as a real child process over a temp WORKTRAIN_HOME with a real SQLite
 * session store and real git worktrees (testkit git fixture with a bare origin).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NewSessionEvent } from '@worktrain/contracts';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { createWorkspaceManager } from '@worktrain/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';
import { append, openStore, sessionStart } from './session-fixture.js';

const dir = tempDir('worktree');
const home = join(dir.path, 'home');
let fx: GitFixture;

const completed: NewSessionEvent[] = [
  { kind: 'delivery_recorded', data: { stage: 'delivery', outcome: 'succeeded', url: 'http://x/pr/1' } },
  { kind: 'session_completed', data: { outcome: 'success' } },
];

beforeAll(async () => {
  fx = await createGitFixture();
  mkdirSync(home, { recursive: true });
  const manager = createWorkspaceManager({ worktreesDir: join(home, 'worktrees') });
  for (const id of ['sess_done', 'sess_live', 'sess_orphan', 'sess_dirty'])
    (await manager.createWorktree({ repoPath: fx.repoDir, sessionId: id }))._unsafeUnwrap();
  // sess_done delivered its (pushed) commit; sess_dirty finished with an uncommitted file left over.
  const done = manager.pathFor('sess_done');
  writeFileSync(join(done, 'fix.txt'), 'fixed\n');
  await fx.git(['add', '-A'], done);
  await fx.git(['commit', '-q', '-m', 'fix'], done);
  await fx.git(['push', '-q', 'origin', 'HEAD:refs/heads/worktrain/sess_done'], done);
  writeFileSync(join(manager.pathFor('sess_dirty'), 'draft.txt'), 'unsaved\n');

  const store = openStore(home);
  for (const id of ['sess_done', 'sess_live', 'sess_dirty'])
    await append(store, id, 0, sessionStart('wf', id));
  await append(store, 'sess_done', 3, completed);
  await append(store, 'sess_dirty', 3, [{ kind: 'session_completed', data: { outcome: 'failure' } }]);
  store.close();
});
afterAll(async () => {
  await fx.cleanup();
  dir.cleanup();
});

describe('worktrain worktree', () => {
  it('lists worktrees with session status, dirty files and unpushed commits (json)', async () => {
    const run = await runWorktrain(['worktree', 'list', '--format', 'json'], { home });
    expect(run.code).toBe(0);
    const out = parseJson(run) as { worktrees: Array<Record<string, unknown>> };
    const rows = Object.fromEntries(out.worktrees.map((w) => [w.sessionId, w]));
    expect(Object.keys(rows).sort()).toEqual(['sess_dirty', 'sess_done', 'sess_live', 'sess_orphan']);
    expect(rows.sess_done).toMatchObject({
      session: { status: 'completed', delivered: true },
      branch: 'worktrain/sess_done',
      dirtyFiles: 0,
      unpushedCommits: 0,
      state: 'ok',
    });
    expect(rows.sess_dirty).toMatchObject({ session: { status: 'failed' }, dirtyFiles: 1 });
    expect(rows.sess_orphan).toMatchObject({ session: null });
  });

  it('lists worktrees as a table', async () => {
    const run = await runWorktrain(['worktree', 'list'], { home });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^SESSION\s+STATUS\s+AGE\s+DIRTY\s+UNPUSHED\s+BRANCH\s+REPO/);
    expect(run.stdout).toMatch(/sess_orphan\s+orphan/);
  });

  it('clean is a dry run by default and removes nothing', async () => {
    const run = await runWorktrain(['worktree', 'clean'], { home });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /would remove\s+sess_done: session finished; branch worktrain\/sess_done deleted \(delivered\)/,
    );
    expect(run.stdout).toMatch(/would remove\s+sess_orphan: no session owns it/);
    expect(run.stdout).toMatch(/refused\s+sess_dirty: 1 uncommitted file/);
    expect(run.stdout).toMatch(/kept\s+sess_live: session is running/);
    expect(run.stdout).toContain('run again with --yes to remove 2 worktree(s)');
    for (const id of ['sess_done', 'sess_orphan', 'sess_dirty', 'sess_live'])
      expect(existsSync(join(home, 'worktrees', id))).toBe(true);
  });

  it('rejects a malformed --older-than with exit 2', async () => {
    const run = await runWorktrain(['worktree', 'clean', '--older-than', 'soon', '--format', 'json'], {
      home,
    });
    expect(run.code).toBe(2);
    expect(parseJson(run)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('clean --yes removes finished and orphan worktrees, keeps dirty and running ones', async () => {
    const run = await runWorktrain(['worktree', 'clean', '--yes', '--format', 'json'], { home });
    expect(run.code).toBe(0);
    const out = parseJson(run) as { dryRun: boolean; removed: string[]; branchesDeleted: string[] };
    expect(out.dryRun).toBe(false);
    expect(out.removed.sort()).toEqual(['sess_done', 'sess_orphan']);
    expect(out.branchesDeleted.sort()).toEqual(['sess_done', 'sess_orphan']);
    expect(existsSync(join(home, 'worktrees', 'sess_done'))).toBe(false);
    expect(existsSync(join(home, 'worktrees', 'sess_dirty', 'draft.txt'))).toBe(true);
    expect(existsSync(join(home, 'worktrees', 'sess_live'))).toBe(true);
    expect(await fx.originRef('worktrain/sess_done')).toBeDefined();
  });

  it('clean --yes --force removes the dirty worktree of a finished session', async () => {
    const run = await runWorktrain(['worktree', 'clean', '--yes', '--force', 'sess_dirty'], { home });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('removed 1 worktree(s)');
    expect(existsSync(join(home, 'worktrees', 'sess_dirty'))).toBe(false);
    expect(existsSync(join(home, 'worktrees', 'sess_live'))).toBe(true);
  });
});
