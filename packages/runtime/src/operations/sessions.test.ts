import { defaultPolicy } from '@worktrain/delivery';
import { openSqliteQueue, type SqliteTaskQueue } from '@worktrain/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActiveSessions } from '../active.js';
import { openDeliveryApprovals } from '../approvals.js';
import { parseRuntimeConfig } from '../config.js';
import { createStageRig, type StageRig } from '../lifecycle/__fixtures__/stage-rig.js';
import { createSessionOperations } from './sessions.js';

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
  const path = `${rig.dir}/worktrain.db`;
  const approvals = openDeliveryApprovals({
    db: rig.store.database,
    path,
    sessionStore: rig.store,
    policy: defaultPolicy(),
    queue,
    queueName: 'tasks',
    now: () => Date.now(),
    logger: rig.logger,
  })._unsafeUnwrap();
  return {
    store: rig.store,
    queue,
    active: createActiveSessions(),
    taskSessions: rig.taskSessions,
    gates: rig.gates,
    config: parseRuntimeConfig('', {})._unsafeUnwrap(),
    events: rig.events,
    approvals,
    logger: rig.logger,
  };
}

describe('session operations', () => {
  it('aborts a session running here through its controller', async () => {
    const p = parts();
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const entry = p.active.register(sessionId, 't', Date.now());
    const killed = await createSessionOperations(p).kill(sessionId, 'ops', 'wrong repo');
    expect(killed._unsafeUnwrap()).toEqual({ sessionId, how: 'running' });
    expect(entry.controller.signal.aborted).toBe(true);
    p.approvals.close();
  });

  it('marks a parked session aborted, drops its gate, and refuses to kill it twice', async () => {
    const p = parts();
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    rig.gates.put({ sessionId, gateToken: 'g', stepId: 'fix', gateKind: 'human_approval', createdAt: 1 });
    const ops = createSessionOperations(p);
    expect((await ops.kill(sessionId, 'ops', 'stop'))._unsafeUnwrap()).toEqual({ sessionId, how: 'parked' });
    expect(rig.gates.get(sessionId)).toBeNull();
    const view = (await ops.getSession(sessionId))._unsafeUnwrap();
    expect(view).toMatchObject({ status: 'aborted', runningHere: false });
    expect((await ops.kill(sessionId, 'ops', 'again'))._unsafeUnwrapErr().code).toBe('INVALID_STATE');
    p.approvals.close();
  });

  it('answers SESSION_NOT_FOUND for an unknown session', async () => {
    const p = parts();
    const got = await createSessionOperations(p).getSession('no-such-session');
    expect(got._unsafeUnwrapErr().code).toBe('SESSION_NOT_FOUND');
    p.approvals.close();
  });
});
