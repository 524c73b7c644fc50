import type { AuditEntry, FailureClass, Task, TaskState } from './queue.js';
import { parsePayload } from './validation.js';

/** A task row as both backends return it (PostgreSQL returns BIGINT as strings). */
export interface TaskRow {
  id: string;
  queue: string;
  payload: string;
  priority: number | string;
  run_at: number | string;
  dedupe_key: string | null;
  attempt: number | string;
  max_attempts: number | string;
  state: string;
  lease_token: string | null;
  lease_owner: string | null;
  leased_until: number | string | null;
  last_error_class: string | null;
  last_error_message: string | null;
  created_at: number | string;
  updated_at: number | string;
  finished_at: number | string | null;
}

export interface AuditRow {
  task_id: string;
  actor: string;
  from_state: string | null;
  to_state: string;
  at: number | string;
  reason: string | null;
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

/** Columns every backend selects, in this order. */
export const TASK_COLUMNS =
  'id, queue, payload, priority, run_at, dedupe_key, attempt, max_attempts, state, lease_token, lease_owner, leased_until, last_error_class, last_error_message, created_at, updated_at, finished_at';

/** Maps a stored row to the domain type; the database's CHECK constraints guarantee the enums. */
export function rowToTask(row: TaskRow): Task {
  return {
    id: row.id,
    queue: row.queue,
    payload: parsePayload(row.payload),
    priority: num(row.priority),
    runAt: num(row.run_at),
    dedupeKey: row.dedupe_key,
    attempt: num(row.attempt),
    maxAttempts: num(row.max_attempts),
    state: row.state as TaskState,
    leaseToken: row.lease_token,
    leaseOwner: row.lease_owner,
    leasedUntil: numOrNull(row.leased_until),
    lastError:
      row.last_error_class === null
        ? null
        : { class: row.last_error_class as FailureClass, message: row.last_error_message ?? '' },
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

export function rowToAudit(row: AuditRow): AuditEntry {
  return {
    taskId: row.task_id,
    actor: row.actor,
    from: row.from_state as TaskState | null,
    to: row.to_state as TaskState,
    at: num(row.at),
    reason: row.reason,
  };
}
