import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskFailure } from '@worktrain/queue';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { createWorkspaceManager } from '@worktrain/workspace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAll } from '../session-log.js';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import { prepareWorktree } from './prepare-worktree.js';

let rig: StageRig;
let git: GitFixture;
beforeEach(async () => {
  rig = createStageRig();
  git = await createGitFixture({ files: { 'src/add.js': 'export const add = (a, b) => a - b;\n' } });
});
afterEach(async () => {
  rig.cleanup();
  await git.cleanup();
});

const deps = () => ({
  store: rig.store,
  workspaces: createWorkspaceManager({
    worktreesDir: join(rig.dir, 'worktrees'),
    clock: rig.clock,
    logger: rig.logger,
  }),
  events: rig.events,
  workerId: 'worker-1',
});

async function worktreeTraces(sessionId: string) {
  const events = (await readAll(rig.store, sessionId))._unsafeUnwrap();
  return events.filter((e) => e.kind === 'decision_trace' && e.data.decision === 'worktree_ready');
}

describe('prepare worktree stage', () => {
  it('creates the session worktree from origin and records its base branch once', async () => {
    const task = rig.task({});
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: git.repoDir });
    const prepared = await prepareWorktree(deps(), { task, sessionId, repoPath: git.repoDir });
    expect(prepared).toMatchObject({ baseBranch: 'main', agentFinished: false });
    expect(await git.git(['rev-parse', '--abbrev-ref', 'HEAD'], prepared.path)).toBe(
      `worktrain/${sessionId}`,
    );
    expect(rig.emitted).toContainEqual(expect.objectContaining({ type: 'worktree_ready', sessionId }));

    const again = await prepareWorktree(deps(), { task, sessionId, repoPath: git.repoDir });
    expect(again.path).toBe(prepared.path);
    expect(await worktreeTraces(sessionId)).toHaveLength(1);
    const started = (await readAll(rig.store, sessionId))
      ._unsafeUnwrap()
      .filter((e) => e.kind === 'session_started');
    expect(started.length).toBeGreaterThanOrEqual(2);
  });

  it('dead-letters a task whose workspace is not a repository', async () => {
    const notRepo = mkdtempSync(join(tmpdir(), 'worktrain-not-a-repo-'));
    const task = rig.task({});
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: notRepo });
    const failure = await prepareWorktree(deps(), { task, sessionId, repoPath: notRepo }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ failureClass: 'validation', retryable: false });
  });
});
