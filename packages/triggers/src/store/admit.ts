/**
 * Admission of one candidate: the exactly-once step between a trigger and the queue. In the caller's
 * transaction it checks the delivery id (replay), then the dedupe key (seen within the window and its task
 * not dead, or held by an unfinished task), and otherwise enqueues, records the key, the poll state given
 * with the input and an `enqueued` event. Every duplicate is recorded as a `duplicate` event with its reason.
 */
import type { Clock } from '@worktrain/contracts';
import { enqueueSync, taskStateSync } from '@worktrain/queue';
import { recordDeliveryId } from './deliveries.js';
import { appendEvent } from './event-log.js';
import { writePollState } from './poll-state.js';
import { type Db, EnqueueRefused, type Sql } from './statements.js';
import type { AdmitInput, AdmitOutcome } from './types.js';

/** What admission runs on: the connection shared with the queue, its statement cache and the clock. */
export interface AdmitContext {
  readonly db: Db;
  readonly sql: Sql;
  readonly clock: Clock;
}

/**
 * Admits `input`; must run inside a transaction (the store's `runImmediate`). Throws
 * {@link EnqueueRefused} when the queue refuses the task (rolling the transaction back) and database errors
 * as they come.
 */
export function admitCandidate(ctx: AdmitContext, input: AdmitInput): AdmitOutcome {
  const { db, sql, clock } = ctx;
  const now = clock.now();
  const duplicate = (taskId: string | null, reason: string): AdmitOutcome => {
    appendEvent(sql, {
      triggerId: input.triggerId,
      kind: 'duplicate',
      sourceId: input.sourceId,
      taskId,
      message: reason,
      at: now,
    });
    return { status: 'duplicate', taskId, reason };
  };
  if (input.deliveryId !== null && !recordDeliveryId(sql, input.triggerId, input.deliveryId, now))
    return duplicate(null, `delivery ${input.deliveryId} was already received`);
  const seen = sql('SELECT task_id, last_seen_at FROM trigger_dedupe WHERE dedupe_key = ?').get(
    input.dedupeKey,
  ) as { task_id: string | null; last_seen_at: number } | undefined;
  // Within the window the item's earlier task blocks a new one while it is unfinished or succeeded; a
  // dead one (dead-lettered or cancelled) does not, so the same event again (the issue labelled again)
  // retries the item.
  const blocking =
    seen !== undefined &&
    now - seen.last_seen_at < input.dedupeWindowMs &&
    (seen.task_id === null || taskStateSync(db, seen.task_id) !== 'dead');
  if (seen !== undefined && blocking) {
    sql('UPDATE trigger_dedupe SET last_seen_at = ? WHERE dedupe_key = ?').run(now, input.dedupeKey);
    return duplicate(seen.task_id, `${input.sourceId} already made a task`);
  }
  const enq = enqueueSync(db, { ...input.enqueue, dedupeKey: input.dedupeKey }, { clock });
  if (enq.isErr()) throw new EnqueueRefused(enq.error.code, enq.error.message);
  const taskId = enq.value.task.id;
  sql(
    `INSERT INTO trigger_dedupe(dedupe_key, task_id, trigger_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(dedupe_key) DO UPDATE SET task_id = excluded.task_id, trigger_id = excluded.trigger_id,
       first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at`,
  ).run(input.dedupeKey, taskId, input.triggerId, now, now);
  if (input.pollState !== undefined)
    writePollState(sql, input.triggerId, { ...input.pollState, lastTaskId: taskId }, clock.now());
  if (!enq.value.created) return duplicate(taskId, `${input.sourceId} has an unfinished task`);
  appendEvent(sql, {
    triggerId: input.triggerId,
    kind: 'enqueued',
    sourceId: input.sourceId,
    taskId,
    message: `enqueued on ${input.enqueue.queue}`,
    at: now,
  });
  return { status: 'enqueued', taskId };
}
