import { TaskFailure } from '@worktrain/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAtHead, readAll } from '../session-log.js';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import { admitSession } from './admit-session.js';
import { recordTaskFailure } from './record-failure.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

const deps = () => ({ store: rig.store, budget: {}, workerId: 'worker-1', logger: rig.logger });

describe('admit session stage', () => {
  it('admits a running daemon session with its meta', async () => {
    const task = rig.task({});
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: '/repos/widgets' });
    const admitted = await admitSession(deps(), { task, sessionId, actionGate: null });
    expect(admitted).toMatchObject({
      status: 'running',
      meta: { taskId: task.id, repoPath: '/repos/widgets' },
    });
  });

  it('cancels the task of an aborted session, not retried', async () => {
    const task = rig.task({});
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: '/repos/widgets' });
    (
      await appendAtHead(rig.store, sessionId, [
        { kind: 'session_aborted', data: { reason: 'stop', actor: 'ops', code: 'KILLED' } },
      ])
    )._unsafeUnwrap();
    const failure = await admitSession(deps(), { task, sessionId, actionGate: null }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ failureClass: 'cancelled', retryable: false });
  });

  it('reopens a session that failed only because its task was dead-lettered', async () => {
    const task = rig.task({}, { attempt: 3, maxAttempts: 3 });
    const { sessionId } = await rig.startSession({ taskId: task.id, repoPath: '/repos/widgets' });
    rig.taskSessions.set(task.id, sessionId);
    const store = { store: rig.store, taskSessions: rig.taskSessions, logger: rig.logger };
    await recordTaskFailure(store, task, new TaskFailure('execution', 'no model'));
    const admitted = await admitSession(deps(), { task: rig.task({}), sessionId, actionGate: null });
    expect(admitted?.status).toBe('failed');
    const events = (await readAll(rig.store, sessionId))._unsafeUnwrap();
    expect(events.at(-1)).toMatchObject({
      kind: 'session_continued',
      data: { actor: 'worker:worker-1', previousStatus: 'failed' },
    });
    expect((await rig.store.getSummary(sessionId))._unsafeUnwrap().status).toBe('running');
  });

  it('refuses a session the daemon did not start', async () => {
    const started = await rig.engine.startWorkflow({
      workflowId: 'test.daemon-fix',
      goal: 'by hand',
      workspacePath: '/repos/widgets',
      context: {},
      mode: 'autonomous',
      source: 'cli',
    });
    const { sessionId } = started._unsafeUnwrap();
    const failure = await admitSession(deps(), { task: rig.task({}), sessionId, actionGate: null }).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ failureClass: 'validation', retryable: false });
  });
});
