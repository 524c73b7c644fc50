/**
 * Stage "settle outcome": what an agent run's outcome means for the task. A completed run goes on to
 * delivery; a parked gate is stored (the task ends, an approval resumes it); a kill, a stop, an exhausted
 * budget or an agent failure fail the task with the matching class.
 */
import type { SessionOutcome } from '@worktrain/agent';
import { TaskFailure } from '@worktrain/queue';
import type { LifecycleDeps } from './deps.js';
import { recordEvents } from './record.js';

/**
 * Settles `outcome` of `sessionId` (emits `session_finished`). Returns for `completed` and `gate`; throws
 * {@link TaskFailure}: `cancelled` (the session was aborted elsewhere; final), `execution` retried (the
 * daemon is stopping: the session resumes), `execution` final (budget exceeded: recorded as a failed
 * `session_completed`), `execution` retried (the agent failed).
 */
export async function settleOutcome(
  deps: Pick<LifecycleDeps, 'store' | 'gates' | 'events' | 'clock'>,
  sessionId: string,
  outcome: SessionOutcome,
): Promise<void> {
  deps.events.emit({ type: 'session_finished', sessionId, data: { outcome: outcome.kind } });
  switch (outcome.kind) {
    case 'completed':
      return;
    case 'gate':
      // Without a token the session was already parked by an earlier run, whose token is stored.
      if (outcome.gateToken !== undefined)
        deps.gates.put({
          sessionId,
          gateToken: outcome.gateToken,
          stepId: outcome.stepId,
          gateKind: outcome.gateKind,
          createdAt: deps.clock.now(),
        });
      return;
    case 'cancelled': {
      // Aborted by a kill recorded elsewhere (another process, the API while not running here): final.
      const now = await deps.store.getSummary(sessionId);
      if (now.isOk() && now.value.status === 'aborted')
        throw new TaskFailure('cancelled', `session aborted: ${outcome.reason}`, false);
      // Otherwise the daemon is stopping: the task is retried and the session resumes.
      throw new TaskFailure('execution', `interrupted: ${outcome.reason}`, true);
    }
    case 'budget_exceeded':
      await recordEvents(deps.store, sessionId, [
        {
          kind: 'session_completed',
          data: { outcome: 'failure', summary: `budget exceeded: ${outcome.budget}` },
        },
      ]);
      throw new TaskFailure('execution', `budget exceeded: ${outcome.budget}`, false);
    case 'failed':
      throw new TaskFailure('execution', `agent failed (${outcome.error.code}): ${outcome.error.message}`);
  }
}
