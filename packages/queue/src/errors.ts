import { makeError } from '@worktrain/contracts';
import type { QueueError } from './queue.js';

/** TASK_NOT_FOUND for `taskId`. */
export function notFound(taskId: string): QueueError {
  return makeError('TASK_NOT_FOUND', `no task with id ${taskId}`, { taskId });
}

export function dedupeConflict(key: string, heldBy: string, wanted: string): QueueError {
  return makeError(
    'DEDUPE_KEY_CONFLICT',
    `dedupe key ${key} is held by an unfinished task of queue ${heldBy}, not ${wanted}`,
    { dedupeKey: key, queue: heldBy },
  );
}

/** Builds LEASE_LOST with the precise reason (stale token, expired, no longer leased). */
export function leaseLost(
  taskId: string,
  state: string,
  sameToken: boolean,
  leasedUntil: number | string | null,
  now: number | null,
): QueueError {
  const why = !sameToken
    ? 'the lease token is stale (another lease superseded it)'
    : state !== 'leased'
      ? `the task is ${state}`
      : `the lease expired at ${String(leasedUntil)}${now === null ? '' : ` (now ${now})`}`;
  return makeError('LEASE_LOST', `lease on task ${taskId} is no longer held: ${why}`, { taskId, state });
}
