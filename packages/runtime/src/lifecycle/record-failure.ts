/**
 * Stage "finalize a failed attempt": what a thrown task failure leaves behind. Its message is redacted (git
 * or forge output can carry a token), it is logged (a retry at warn, a dead letter at error), recorded in
 * the session's log as a `decision_trace` (why, whether the queue retries or dead-letters it, how to carry
 * on), and a final failure notifies `session.failed`.
 */
import { describeThrown } from '@worktrain/contracts';
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import { ResumePayloadSchema } from '../payload.js';
import { redactFailureMessage } from '../redact.js';
import { appendAtHead } from '../session-log.js';
import { type LifecycleDeps, lifecycleLogger } from './deps.js';

/**
 * Handles what the task's run threw and returns what the handler rethrows to the queue: a
 * {@link TaskFailure} with its message redacted, or the unexpected value unchanged (the queue retries it as
 * an execution failure). Never throws itself: a session log that cannot be written is only logged.
 */
export async function recordTaskFailure(
  deps: Pick<LifecycleDeps, 'store' | 'taskSessions' | 'notifications' | 'logger'>,
  task: LeasedTask,
  caught: unknown,
): Promise<unknown> {
  const log = lifecycleLogger(deps.logger);
  // Git or forge output in a message can carry a token: redacted before the queue's lastError, the
  // logs, the session log and notifications see it.
  const thrown =
    caught instanceof TaskFailure
      ? new TaskFailure(caught.failureClass, redactFailureMessage(caught.message), caught.retryable)
      : caught;
  if (thrown instanceof TaskFailure && thrown.failureClass !== 'cancelled') {
    const final = thrown.retryable === false || task.attempt >= task.maxAttempts;
    const resume = ResumePayloadSchema.safeParse(task.payload);
    const sessionId = resume.success ? resume.data.sessionId : deps.taskSessions.get(task.id);
    logTaskFailure(deps, task, sessionId, thrown, final);
    if (sessionId !== null) await recordAttemptFailure(deps, sessionId, task, thrown, final);
    if (final && sessionId !== null) deps.notifications?.failed(sessionId, thrown.message);
  } else if (thrown instanceof TaskFailure) {
    log.info({ taskId: task.id, failureClass: 'cancelled' }, `task cancelled: ${thrown.message}`);
  } else {
    // Not a TaskFailure: a bug somewhere below; the queue retries it as an execution failure.
    log.error(
      { taskId: task.id, attempt: task.attempt, error: describeThrown(thrown) },
      `task handler failed unexpectedly: ${describeThrown(thrown)}`,
    );
  }
  return thrown;
}

/**
 * Every failed attempt in the log with its class and reason: a retry at warn, a dead letter at error (so
 * `worktrain logs --level warn` shows why tasks fail, not only that they ended).
 */
function logTaskFailure(
  deps: Pick<LifecycleDeps, 'logger'>,
  task: LeasedTask,
  sessionId: string | null,
  failure: TaskFailure,
  final: boolean,
): void {
  const log = lifecycleLogger(deps.logger);
  const fields = {
    taskId: task.id,
    ...(sessionId !== null ? { sessionId } : {}),
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    failureClass: failure.failureClass,
  };
  if (final) log.error(fields, `task dead-lettered (${failure.failureClass}): ${failure.message}`);
  else
    log.warn(
      fields,
      `task attempt ${task.attempt} of ${task.maxAttempts} failed (${failure.failureClass}), retried: ${failure.message}`,
    );
}

/** Best effort: a session log that cannot be written must not hide the task's own failure. */
async function recordAttemptFailure(
  deps: Pick<LifecycleDeps, 'store' | 'logger'>,
  sessionId: string,
  task: LeasedTask,
  failure: TaskFailure,
  final: boolean,
): Promise<void> {
  const r = await appendAtHead(deps.store, sessionId, [
    {
      kind: 'decision_trace',
      data: {
        nodeId: null,
        decision: final ? 'task_dead_lettered' : 'task_attempt_failed',
        reason: failure.message,
        data: {
          taskId: task.id,
          attempt: task.attempt,
          maxAttempts: task.maxAttempts,
          failureClass: failure.failureClass,
          next: final
            ? `dead letter: fix the cause, then \`worktrain sessions continue ${sessionId}\` or \`worktrain queue requeue ${task.id}\``
            : 'the queue retries the task after a backoff',
        },
      },
    },
  ]);
  if (r.isErr())
    lifecycleLogger(deps.logger).warn(
      { sessionId, taskId: task.id, code: r.error.code },
      'task failure not recorded in the session',
    );
}
