/**
 * Stage "admit session": whether the task's session may run now. Reads the daemon's meta and the session's
 * status: an aborted session cancels the task, a session failed only by its task's dead letter is reopened
 * (`session_continued`), and a delivery parked for approval ends the task here.
 */
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import { failedByDeadLetter, type SessionStatus } from '@worktrain/session-store';
import type { AgentActionGate } from '../action-gate.js';
import { limitsInForce } from '../continue-budget.js';
import { readAll } from '../session-log.js';
import { type LifecycleDeps, lifecycleLogger } from './deps.js';
import { recordEvents } from './record.js';
import { type DaemonMeta, readMeta } from './session-meta.js';

/** An admitted session: its meta and its status when admitted. `null` from the stage: the task ends. */
export interface AdmittedSession {
  readonly meta: DaemonMeta;
  readonly status: SessionStatus;
}

/**
 * Admits the session or says the task ends (`null`: its delivery waits for approval). Throws
 * {@link TaskFailure}: `validation` for a session the daemon did not start, `cancelled` for an aborted one,
 * `execution` when the store cannot be read.
 */
export async function admitSession(
  deps: Pick<LifecycleDeps, 'store' | 'budget' | 'workerId' | 'logger'>,
  input: {
    readonly task: LeasedTask;
    readonly sessionId: string;
    /** The agent's own approvals: a run waiting on one resumes instead of ending the task. */
    readonly actionGate: Pick<AgentActionGate, 'awaits'> | null;
  },
): Promise<AdmittedSession | null> {
  const { sessionId, task } = input;
  const log = lifecycleLogger(deps.logger);
  const meta = await readMeta(deps.store, sessionId);
  if (meta === null)
    throw new TaskFailure('validation', `session ${sessionId} was not started by the daemon`, false);
  const summary = await deps.store.getSummary(sessionId);
  if (summary.isErr()) throw new TaskFailure('execution', summary.error.message);
  const status = summary.value.status;
  if (status === 'aborted') throw new TaskFailure('cancelled', `session ${sessionId} was aborted`, false);
  // Its task had been dead-lettered and runs again (`queue requeue`): the session goes on.
  if (status === 'failed') await reopenDeadLettered(deps, sessionId, task);
  // A delivery parked for approval ends the task; a command or spend of the agent waiting for one does
  // not: its run resumes and waits on the same request (after a restart, for instance).
  if (status === 'awaiting_approval' && input.actionGate?.awaits(sessionId) !== true) {
    log.info({ sessionId }, 'session awaits approval; the task ends here');
    return null;
  }
  return { meta, status };
}

/**
 * A session that is `failed` only because its task was dead-lettered, whose task runs again (requeued
 * by an operator): `session_continued` makes it `running` before its run goes on. A session whose run
 * failed by itself is left as it is.
 */
async function reopenDeadLettered(
  deps: Pick<LifecycleDeps, 'store' | 'budget' | 'workerId' | 'logger'>,
  sessionId: string,
  task: LeasedTask,
): Promise<void> {
  const events = await readAll(deps.store, sessionId);
  if (events.isErr()) throw new TaskFailure('execution', events.error.message);
  if (!failedByDeadLetter(events.value)) return;
  await recordEvents(deps.store, sessionId, [
    {
      kind: 'session_continued',
      data: {
        actor: `worker:${deps.workerId}`,
        previousStatus: 'failed',
        taskId: task.id,
        limits: limitsInForce(deps.budget),
      },
    },
  ]);
  lifecycleLogger(deps.logger).info(
    { sessionId, taskId: task.id },
    'dead-lettered session continues: its task runs again',
  );
}
