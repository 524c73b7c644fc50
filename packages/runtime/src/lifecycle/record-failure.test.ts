import { TaskFailure } from '@worktrain/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAll } from '../session-log.js';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import { recordTaskFailure } from './record-failure.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

const deps = (failed: string[] = []) => ({
  store: rig.store,
  taskSessions: rig.taskSessions,
  notifications: {
    flush: async () => {},
    completed: () => {},
    approvalNeeded: () => {},
    failed: (sessionId: string) => {
      failed.push(sessionId);
    },
  },
  logger: rig.logger,
});

async function decisions(sessionId: string) {
  const events = (await readAll(rig.store, sessionId))._unsafeUnwrap();
  return events.flatMap((e) => (e.kind === 'decision_trace' ? [e.data] : []));
}

describe('record task failure stage', () => {
  it('records a retried attempt in the session log and logs it at warn', async () => {
    const task = rig.task({});
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: '/repos/widgets' });
    rig.taskSessions.set(task.id, sessionId);
    const failed: string[] = [];
    const thrown = await recordTaskFailure(deps(failed), task, new TaskFailure('execution', 'push refused'));
    expect(thrown).toMatchObject({ failureClass: 'execution', message: 'push refused' });
    expect(await decisions(sessionId)).toEqual([
      expect.objectContaining({ decision: 'task_attempt_failed', reason: 'push refused' }),
    ]);
    expect(rig.logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ component: 'lifecycle' }) }),
    );
    expect(failed).toEqual([]);
  });

  it('records a final failure as a dead letter, makes the session failed and notifies', async () => {
    const task = rig.task({}, { attempt: 3, maxAttempts: 3 });
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: '/repos/widgets' });
    rig.taskSessions.set(task.id, sessionId);
    const failed: string[] = [];
    await recordTaskFailure(deps(failed), task, new TaskFailure('execution', 'agent failed'));
    expect(await decisions(sessionId)).toEqual([expect.objectContaining({ decision: 'task_dead_lettered' })]);
    expect((await rig.store.getSummary(sessionId))._unsafeUnwrap().status).toBe('failed');
    expect(failed).toEqual([sessionId]);
  });

  it('redacts a token in the failure message before anything sees it', async () => {
    const task = rig.task({});
    const thrown = await recordTaskFailure(
      deps(),
      task,
      new TaskFailure(
        'execution',
        'git push https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/a/b failed',
      ),
    );
    expect(thrown).toBeInstanceOf(TaskFailure);
    expect(thrown).toMatchObject({
      message: expect.not.stringContaining('ghp_abcdefghijklmnopqrstuvwxyz0123456789'),
    });
  });

  it('returns a thrown value that is not a task failure unchanged, logged as unexpected', async () => {
    const bug = new RangeError('index out of range');
    expect(await recordTaskFailure(deps(), rig.task({}), bug)).toBe(bug);
    expect(rig.logger.lines).toContainEqual(expect.objectContaining({ level: 'error' }));
  });
});
