/**
 * The trigger event log (`trigger_events`): the audit trail of what each trigger did and why (enqueued,
 * duplicate, rejected, poll errors…), appended in the transaction of the change it records, read in `seq`
 * order and purged by age. Every function throws on database errors; the store maps them to STORE_IO.
 */
import type { Sql } from './statements.js';
import type { TriggerEventKind, TriggerEventRecord } from './types.js';

/** One event to append; `at` is ms epoch. */
export interface NewTriggerEvent {
  readonly triggerId: string;
  readonly kind: TriggerEventKind;
  readonly sourceId: string | null;
  readonly taskId: string | null;
  readonly message: string;
  readonly at: number;
}

/** Appends `event` (its `seq` is assigned by the table). */
export function appendEvent(sql: Sql, event: NewTriggerEvent): void {
  sql(
    'INSERT INTO trigger_events(trigger_id, at, kind, source_id, task_id, message) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(event.triggerId, event.at, event.kind, event.sourceId, event.taskId, event.message);
}

/** Filter of {@link listEvents}: one trigger's, after `afterSeq` (default 0), at most `limit` (default 1000). */
export interface EventFilter {
  readonly triggerId?: string;
  readonly afterSeq?: number;
  readonly limit?: number;
}

/** Events, oldest first. */
export function listEvents(sql: Sql, filter: EventFilter = {}): TriggerEventRecord[] {
  const rows = sql(
    `SELECT seq, trigger_id, at, kind, source_id, task_id, message FROM trigger_events
       WHERE (? IS NULL OR trigger_id = ?) AND seq > ? ORDER BY seq LIMIT ?`,
  ).all(
    filter.triggerId ?? null,
    filter.triggerId ?? null,
    filter.afterSeq ?? 0,
    filter.limit ?? 1000,
  ) as Array<{
    seq: number;
    trigger_id: string;
    at: number;
    kind: TriggerEventKind;
    source_id: string | null;
    task_id: string | null;
    message: string;
  }>;
  return rows.map((r) => ({
    seq: r.seq,
    triggerId: r.trigger_id,
    at: r.at,
    kind: r.kind,
    sourceId: r.source_id,
    taskId: r.task_id,
    message: r.message,
  }));
}

/** Deletes events recorded before `cutoff` (ms epoch); the number deleted. */
export function purgeEventsBefore(sql: Sql, cutoff: number): number {
  return sql('DELETE FROM trigger_events WHERE at < ?').run(cutoff).changes;
}
