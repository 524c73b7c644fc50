import { openSqliteQueue, type SqliteTaskQueue, TaskFailure } from '@worktrain/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActiveSessions } from '../active.js';
import { parseRuntimeConfig } from '../config.js';
import { createStageRig, type StageRig } from '../lifecycle/__fixtures__/stage-rig.js';
import { recordTaskFailure } from '../lifecycle/record-failure.js';
import { appendAtHead, readAll } from '../session-log.js';
import { createContinueSession } from './continue-session.js';

let rig: StageRig;
let queue: SqliteTaskQueue;
beforeEach(() => {
  rig = createStageRig();
  queue = openSqliteQueue({ path: `${rig.dir}/worktrain.db` })._unsafeUnwrap();
});
afterEach(() => {
  queue.close();
  rig.cleanup();
});

function parts() {
  return {
    store: rig.store,
    queue,
    active: createActiveSessions(),
    taskSessions: rig.taskSessions,
    config: parseRuntimeConfig('', {})._unsafeUnwrap(),
    events: rig.events,
  };
}

describe('continue session', () => {
  it('steers a session running here instead of enqueueing anything', async () => {
    const p = parts();
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const entry = p.active.register(sessionId, 't', Date.now());
    const result = await createContinueSession(p)(sessionId, { message: 'use +' }, 'ops');
    expect(result._unsafeUnwrap()).toEqual({ sessionId, action: 'steered', taskId: null, created: false });
    expect(entry.steer.drain()).toEqual([{ message: 'use +', actor: 'ops' }]);
  });

  it('refuses a completed session with a hint to start a new one', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    (
      await appendAtHead(rig.store, sessionId, [
        { kind: 'session_completed', data: { outcome: 'success', summary: 'done' } },
      ])
    )._unsafeUnwrap();
    const result = await createContinueSession(parts())(sessionId, {}, 'ops');
    expect(result._unsafeUnwrapErr()).toMatchObject({
      code: 'INVALID_STATE',
      details: { status: 'completed', hint: expect.stringContaining('start a new session') },
    });
  });

  it('reopens a dead-lettered session and enqueues its resume task once', async () => {
    const task = rig.task({}, { attempt: 3, maxAttempts: 3 });
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: '/r' });
    rig.taskSessions.set(task.id, sessionId);
    await recordTaskFailure(
      { store: rig.store, taskSessions: rig.taskSessions, logger: rig.logger },
      task,
      new TaskFailure('execution', 'no model'),
    );
    const continueSession = createContinueSession(parts());
    const first = (await continueSession(sessionId, { message: 'model fixed' }, 'ops'))._unsafeUnwrap();
    expect(first).toMatchObject({ sessionId, action: 'resumed', created: true });
    const events = (await readAll(rig.store, sessionId))._unsafeUnwrap();
    expect(events.at(-1)).toMatchObject({
      kind: 'session_continued',
      data: { actor: 'ops', previousStatus: 'failed', taskId: task.id, message: 'model fixed' },
    });
    const second = (await continueSession(sessionId, {}, 'ops'))._unsafeUnwrap();
    expect(second).toMatchObject({ taskId: first.taskId, created: false });
  });
});
