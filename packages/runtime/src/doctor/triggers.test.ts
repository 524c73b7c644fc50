import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveWorktrainPaths } from '@worktrain/contracts';
import { createGitFixture } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTriggers, checkWorkspaces } from './triggers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function home() {
  const dir = mkdtempSync(join(tmpdir(), 'wt-doctor-triggers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, paths: resolveWorktrainPaths({ home: dir, env: {} }) };
}
const schedule = (id: string, workspace: string, workflowId = 'wr.quick-task') =>
  `  - id: ${id}\n    provider: schedule\n    workflowId: ${workflowId}\n    workspace: ${JSON.stringify(workspace)}\n    cron: "0 3 * * *"\n`;

describe('checkTriggers', () => {
  it('warns about a missing triggers.yaml and lists no trigger', async () => {
    const { paths } = home();
    const found = await checkTriggers(paths, {});
    expect(found.check).toMatchObject({ status: 'warn', fix: 'run `worktrain init`' });
    expect(found.triggers).toEqual([]);
  });

  it('fails with located issues on an invalid file', async () => {
    const { paths } = home();
    writeFileSync(paths.triggers, 'triggers:\n  - id: a\n    provider: nope\n');
    const found = await checkTriggers(paths, {});
    expect(found.check.status).toBe('fail');
    expect(found.check.details?.issues).toEqual(expect.arrayContaining([expect.anything()]));
    expect(found.triggers).toEqual([]);
  });

  it('passes a valid file and lists its triggers with their workspaces', async () => {
    const { dir, paths } = home();
    writeFileSync(paths.triggers, `triggers:\n${schedule('nightly', dir)}`);
    const found = await checkTriggers(paths, {});
    expect(found.check).toMatchObject({ status: 'ok', message: `${paths.triggers} valid (1 trigger)` });
    expect(found.triggers).toEqual([
      {
        triggerId: 'nightly',
        workflowId: 'wr.quick-task',
        pipeline: null,
        workspace: dir,
        file: paths.triggers,
        index: 0,
      },
    ]);
  });
});

describe('checkWorkspaces', () => {
  it('has nothing to say without triggers', async () => {
    expect(await checkWorkspaces([], home().paths, {})).toBeNull();
  });

  it("passes a clone whose origin has a default branch, and warns about what the daemon's check refuses", async () => {
    const { dir, paths } = home();
    const git = await createGitFixture({ files: { 'README.md': 'x\n' } });
    cleanups.push(() => git.cleanup());
    const entry = (
      triggerId: string,
      workspace: string,
      workflowId: string | null = 'wr.quick-task',
      pipeline: string | null = null,
    ) => ({
      triggerId,
      workflowId,
      pipeline,
      workspace,
      file: paths.triggers,
      index: 0,
    });
    expect(await checkWorkspaces([entry('good', git.repoDir)], paths, {})).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/^1 workspace: git repositories/),
    });
    const plain = join(dir, 'plain');
    mkdirSync(plain);
    const found = await checkWorkspaces(
      [
        entry('plain', plain),
        entry('typo', git.repoDir, 'wr.report'),
        entry('feature', git.repoDir, null, 'feature'),
        entry('unknown', git.repoDir, null, 'featur'),
      ],
      paths,
      {},
    );
    expect(found?.status).toBe('warn');
    expect(found?.message.split('; ')).toEqual([
      `plain: ${plain} is not a git repository`,
      expect.stringMatching(/^typo: no workflow with id 'wr\.report'/),
      "unknown: no pipeline kind 'featur' (this daemon runs: feature)",
    ]);
    expect(found?.details?.problems).toContainEqual({
      triggerId: 'unknown',
      path: 'triggers[0].pipeline',
      message: "no pipeline kind 'featur' (this daemon runs: feature)",
    });
  });
});
