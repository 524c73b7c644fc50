/**
 * `sessions continue`: carries on a session that stopped and needs a human — steers one running here,
 * reopens one failed by a budget (once the limits allow) or by its task's dead letter (`session_continued`),
 * and enqueues its resume task; refuses (INVALID_STATE, with a hint) a session that must not go on.
 */
import { err, ok } from '@worktrain/contracts';
import { UNFINISHED_STATES } from '@worktrain/queue';
import { failedByDeadLetter } from '@worktrain/session-store';
import { budgetEnding, budgetStillExhausted, limitsInForce } from '../continue-budget.js';
import { runtimeError } from '../errors.js';
import type { Operations } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { appendAtHead, readAll } from '../session-log.js';
import { internal, readSummary } from './shared.js';

/** Builds {@link Operations.continueSession} over the runtime's parts (see its docs for the rules). */
export function createContinueSession(
  parts: Pick<RuntimeParts, 'store' | 'queue' | 'active' | 'taskSessions' | 'config' | 'events'>,
): Operations['continueSession'] {
  const { store, queue, active, taskSessions, config, events } = parts;
  return async function continueSession(sessionId, options, actor) {
    const message = options.message;
    if (active.get(sessionId) !== undefined) {
      if (message === undefined)
        return err(
          runtimeError('INVALID_STATE', `session ${sessionId} is running; give a message to steer it`, {
            status: 'running',
            hint: 'add --message <text> to steer it',
          }),
        );
      active.queueSteer(sessionId, { message, actor });
      return ok({ sessionId, action: 'steered', taskId: null, created: false });
    }
    const s = await readSummary(store, sessionId);
    if (s.isErr()) return err(s.error);
    const status = s.value.status;
    if (status === 'awaiting_approval')
      return err(
        runtimeError('INVALID_STATE', `session ${sessionId} waits at an approval gate`, {
          status,
          hint: `worktrain approvals list, then approve or reject it`,
        }),
      );
    // A failed session goes on after a budget hit (once the budget allows) or after its task was
    // dead-lettered (its cause fixed, as the dead letter's hint says); recorded as session_continued.
    let continued: { hit: ReturnType<typeof budgetEnding>; taskId: string | null } | null = null;
    if (status === 'completed' || status === 'failed' || status === 'aborted') {
      const all = await readAll(store, sessionId);
      if (all.isErr()) return err(internal(all.error));
      const hit = status === 'failed' ? budgetEnding(all.value) : null;
      const deadLetter = status === 'failed' && hit === null && failedByDeadLetter(all.value);
      // A failed session someone aborted afterwards stays ended, like an aborted one.
      const abandoned = status === 'failed' && all.value.some((e) => e.kind === 'session_aborted');
      if (deadLetter) continued = { hit: null, taskId: taskSessions.taskOf(sessionId) };
      else if (hit === null)
        return err(
          runtimeError(
            'INVALID_STATE',
            `session ${sessionId} has ended (${abandoned ? 'failed, then aborted' : status}); it cannot be continued`,
            {
              status,
              hint:
                status === 'completed'
                  ? 'it completed; start a new session (worktrain run, or dispatch) for more work'
                  : status === 'aborted' || abandoned
                    ? 'it was aborted; start a new session (worktrain run, or dispatch)'
                    : 'only a session ended by a budget or by a dead-lettered task can be continued; start a new session (worktrain run, or dispatch)',
            },
          ),
        );
      const short = hit === null ? null : budgetStillExhausted(hit, limitsInForce(config.budgets));
      if (hit !== null && short !== null)
        return err(
          runtimeError(
            'INVALID_STATE',
            `session ${sessionId} ended after its ${hit.budget} budget was exhausted (${hit.observed} of ${hit.limit}); budgets.${short.key} is still ${short.limit}`,
            {
              status,
              budget: hit.budget,
              limit: short.limit,
              observed: hit.observed,
              hint: `raise budgets.${short.key} in config.yaml above ${hit.observed} (a running daemon reads it when it starts), then continue`,
            },
          ),
        );
      if (hit !== null) continued = { hit, taskId: null };
    }
    const ownTask = taskSessions.taskOf(sessionId);
    if (ownTask !== null) {
      const t = await queue.get(ownTask);
      if (t.isOk() && UNFINISHED_STATES.includes(t.value.state))
        return err(
          runtimeError(
            'INVALID_STATE',
            `session ${sessionId} is still queued (task ${ownTask} is ${t.value.state})`,
            {
              status,
              taskId: ownTask,
              taskState: t.value.state,
              hint: 'it continues by itself when a worker takes the task',
            },
          ),
        );
    }
    if (continued !== null) {
      // Recorded before the resume task exists: the session is running again from here on.
      const reopened = await appendAtHead(store, sessionId, [
        {
          kind: 'session_continued',
          data: {
            actor,
            previousStatus: 'failed',
            ...(continued.hit !== null ? { budget: continued.hit.budget } : {}),
            ...(continued.taskId !== null ? { taskId: continued.taskId } : {}),
            limits: limitsInForce(config.budgets),
            ...(message !== undefined ? { message } : {}),
          },
        },
      ]);
      if (reopened.isErr()) return err(internal(reopened.error));
    }
    if (message !== undefined) active.queueSteer(sessionId, { message, actor });
    const enq = await queue.enqueue({
      queue: config.queue.name,
      payload: { kind: 'resume', sessionId },
      dedupeKey: `resume:${sessionId}`,
      actor,
    });
    if (enq.isErr()) return err(internal(enq.error));
    events.emit({
      type: 'task_enqueued',
      taskId: enq.value.task.id,
      sessionId,
      data: {
        continued: true,
        ...(continued !== null && continued.hit !== null ? { afterBudget: continued.hit.budget } : {}),
        ...(continued !== null && continued.hit === null ? { afterDeadLetter: true } : {}),
      },
    });
    return ok({ sessionId, action: 'resumed', taskId: enq.value.task.id, created: enq.value.created });
  };
}
