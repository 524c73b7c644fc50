import { TaskFailure } from '@worktrain/queue';
import { createWorkspaceManager } from '@worktrain/workspace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveryTemplates } from '../delivery-template.js';
import { createStageRig, NO_TARGET, type StageRig } from './__fixtures__/stage-rig.js';
import { openSession, type SessionWork } from './open-session.js';
import { readMeta } from './session-meta.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

const deps = () => ({
  engine: rig.engine,
  store: rig.store,
  workspaces: createWorkspaceManager({
    worktreesDir: `${rig.dir}/worktrees`,
    clock: rig.clock,
    logger: rig.logger,
  }),
  taskSessions: rig.taskSessions,
  events: rig.events,
  logger: rig.logger,
});

const start = (workflowId = 'test.daemon-fix', parentSessionId?: string): SessionWork => ({
  kind: 'start',
  ...(parentSessionId === undefined ? {} : { parentSessionId }),
  workflowId,
  goal: 'fix add()',
  repoPath: '/repos/widgets',
  title: null,
  context: {},
  candidate: null,
  target: NO_TARGET,
});

describe('open session stage', () => {
  it('starts the workflow on a first run, links the task to it and keeps the daemon meta', async () => {
    const task = rig.task({});
    const opened = await openSession(deps(), { task, work: start(), templates: createDeliveryTemplates() });
    expect(opened.continueToken).not.toBeNull();
    expect(rig.taskSessions.get(task.id)).toBe(opened.sessionId);
    expect(await readMeta(rig.store, opened.sessionId)).toEqual({
      taskId: task.id,
      repoPath: '/repos/widgets',
      target: expect.objectContaining({ repo: null }),
      triggerId: null,
      pipeline: null,
    });
    expect(rig.emitted.map((e) => e.type)).toEqual(['session_started']);
  });

  it("records a dispatch's parent as the new session's parentSessionId", async () => {
    const opened = await openSession(deps(), {
      task: rig.task({}),
      work: start('test.daemon-fix', 'pl_parent'),
      templates: createDeliveryTemplates(),
    });
    const summary = (await rig.store.getSummary(opened.sessionId))._unsafeUnwrap();
    expect(summary.parentSessionId).toBe('pl_parent');
    const children = (
      await rig.store.listSessions({ parentSessionId: 'pl_parent', limit: 10 })
    )._unsafeUnwrap();
    expect(children.map((s) => s.sessionId)).toEqual([opened.sessionId]);
  });

  it('adopts the session a retried task started before its link was written', async () => {
    const task = rig.task({}, { attempt: 2 });
    const earlier = await rig.startSession({ taskId: task.id, repoPath: '/repos/widgets' });
    const opened = await openSession(deps(), { task, work: start(), templates: createDeliveryTemplates() });
    expect(opened).toEqual({ sessionId: earlier.sessionId, continueToken: null });
    expect(rig.taskSessions.get(task.id)).toBe(earlier.sessionId);
    expect(rig.emitted.map((e) => e.type)).toEqual(['session_resumed']);
  });

  it('continues the session a resume names without starting another', async () => {
    const earlier = await rig.startSession({ taskId: 'task-0', repoPath: '/repos/widgets' });
    const opened = await openSession(deps(), {
      task: rig.task({}),
      work: { kind: 'resume', sessionId: earlier.sessionId },
      templates: createDeliveryTemplates(),
    });
    expect(opened).toEqual({ sessionId: earlier.sessionId, continueToken: null });
    const listed = (await rig.store.listSessions({ limit: 10 }))._unsafeUnwrap();
    expect(listed).toHaveLength(1);
  });

  it('fails an unknown workflow as validation, not retried', async () => {
    const failure = await openSession(deps(), {
      task: rig.task({}),
      work: start('no.such-workflow'),
      templates: createDeliveryTemplates(),
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ failureClass: 'validation', retryable: false });
  });
});
