/**
 * Poll state rows (`trigger_poll_state`): a poller's cursor and ETags, its last run, failures and backoff,
 * why it was disabled, and a schedule's last task. Reads and writes one row per trigger; JSON columns are
 * decoded defensively (a malformed ETag map reads as empty).
 */
import type { Sql } from './statements.js';
import { EMPTY_POLL_STATE, type PollState } from './types.js';

interface PollStateRow {
  cursor: string | null;
  etags: string;
  last_run_at: number | null;
  last_ok_at: number | null;
  last_error: string | null;
  failures: number;
  next_run_at: number | null;
  disabled_reason: string | null;
  disabled_config: string | null;
  last_task_id: string | null;
}

/** The state of `triggerId`, or {@link EMPTY_POLL_STATE} when it never ran. Throws on database errors. */
export function readPollState(sql: Sql, triggerId: string): PollState {
  const row = sql('SELECT * FROM trigger_poll_state WHERE trigger_id = ?').get(triggerId) as
    | PollStateRow
    | undefined;
  if (row === undefined) return EMPTY_POLL_STATE;
  const etags: unknown = JSON.parse(row.etags);
  return {
    cursor: row.cursor === null ? null : (JSON.parse(row.cursor) as unknown),
    etags: isStringRecord(etags) ? etags : {},
    lastRunAt: row.last_run_at,
    lastOkAt: row.last_ok_at,
    lastError: row.last_error,
    failures: row.failures,
    nextRunAt: row.next_run_at,
    disabledReason: row.disabled_reason,
    disabledConfig: row.disabled_config,
    lastTaskId: row.last_task_id,
  };
}

/** Replaces the state of `triggerId` (upsert), stamping `updated_at` with `now` (ms epoch). Throws on database errors. */
export function writePollState(sql: Sql, triggerId: string, s: PollState, now: number): void {
  sql(
    `INSERT INTO trigger_poll_state(trigger_id, cursor, etags, last_run_at, last_ok_at, last_error, failures,
         next_run_at, disabled_reason, disabled_config, last_task_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(trigger_id) DO UPDATE SET cursor = excluded.cursor, etags = excluded.etags,
         last_run_at = excluded.last_run_at, last_ok_at = excluded.last_ok_at, last_error = excluded.last_error,
         failures = excluded.failures, next_run_at = excluded.next_run_at,
         disabled_reason = excluded.disabled_reason, disabled_config = excluded.disabled_config,
         last_task_id = excluded.last_task_id,
         updated_at = excluded.updated_at`,
  ).run(
    triggerId,
    s.cursor === null || s.cursor === undefined ? null : JSON.stringify(s.cursor),
    JSON.stringify(s.etags),
    s.lastRunAt,
    s.lastOkAt,
    s.lastError,
    s.failures,
    s.nextRunAt,
    s.disabledReason,
    s.disabledConfig,
    s.lastTaskId,
    now,
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
