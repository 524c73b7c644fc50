import { err, makeError, ok, type Result } from '@worktrain/contracts';
import type pg from 'pg';
import { appendArchive } from '../archive.js';
import { dedupeConflict, leaseLost, notFound } from '../errors.js';
import type { AuditEntry, EnqueueResult, LeaseRef, QueueError, Task } from '../queue.js';
import { type AuditRow, rowToAudit, rowToTask, type TaskRow } from '../rows.js';
import type { CheckedPurge, NormalizedEnqueue } from '../validation.js';
import type { PgSql } from './sql.js';

type RowWithNow = TaskRow & { now: string };

/**
 * Completes many leases in one UPDATE (one synchronous commit) and classifies each: ok (also for a repeated
 * completion of the same lease), TASK_NOT_FOUND, or LEASE_LOST with its reason.
 * @throws driver errors (the caller maps them)
 */
export async function completeMany(
  c: pg.PoolClient,
  sql: PgSql,
  refs: readonly LeaseRef[],
): Promise<Array<Result<Task, QueueError>>> {
  const done = await c.query<TaskRow>(sql.completeMany, [
    refs.map((r) => r.taskId),
    refs.map((r) => r.leaseToken),
  ]);
  const doneById = new Map(done.rows.map((row) => [row.id, row]));
  const rest = refs.filter((r) => doneById.get(r.taskId)?.lease_token !== r.leaseToken).map((r) => r.taskId);
  const current = new Map<string, RowWithNow>();
  if (rest.length > 0) {
    const rows = await c.query<RowWithNow>(sql.byIds, [rest]);
    for (const row of rows.rows) current.set(row.id, row);
  }
  return refs.map((ref) => {
    const row = doneById.get(ref.taskId);
    if (row !== undefined && row.lease_token === ref.leaseToken) return ok(rowToTask(row));
    const cur = current.get(ref.taskId);
    if (cur === undefined) return err(notFound(ref.taskId));
    if (cur.state === 'succeeded' && cur.lease_token === ref.leaseToken) return ok(rowToTask(cur));
    return err(
      leaseLost(ref.taskId, cur.state, cur.lease_token === ref.leaseToken, cur.leased_until, Number(cur.now)),
    );
  });
}

/**
 * One round of retention purge inside the caller's transaction: up to `max` finished tasks (oldest finished
 * first) that match the checked input (cutoff on the database clock), archived first when asked, then deleted
 * with their audit rows. Returns how many.
 * @throws driver or archive IO errors (the caller rolls back)
 */
export async function purgeRound(
  c: pg.PoolClient,
  sql: PgSql,
  input: CheckedPurge,
  archivePath: string | undefined,
  max: number,
): Promise<number> {
  const rows = await c.query<TaskRow>(sql.purgeSelect, [
    input.states,
    input.olderThanMs,
    input.queue,
    input.since,
    max,
  ]);
  if (rows.rows.length === 0) return 0;
  const ids = rows.rows.map((r) => r.id);
  if (archivePath !== undefined) {
    const audit = await c.query<AuditRow>(sql.historyMany, [ids]);
    const byTask = new Map<string, AuditEntry[]>();
    for (const a of audit.rows) byTask.set(a.task_id, [...(byTask.get(a.task_id) ?? []), rowToAudit(a)]);
    appendArchive(
      archivePath,
      rows.rows.map((r) => ({ task: rowToTask(r), history: byTask.get(r.id) ?? [] })),
    );
  }
  await c.query(sql.purgeTasks, [ids]);
  await c.query(sql.purgeAudit, [ids]);
  return ids.length;
}

/**
 * Inserts tasks with one multi-row INSERT; an unfinished holder of a dedupe key is returned instead
 * (`created: false`), or DEDUPE_KEY_CONFLICT when it belongs to another queue.
 * @throws driver errors (the caller maps them)
 */
export async function insertTasks(
  c: pg.PoolClient,
  sql: PgSql,
  ns: readonly NormalizedEnqueue[],
  ids: readonly string[],
): Promise<Result<EnqueueResult[], QueueError>> {
  const inserted = await c.query<TaskRow>(sql.insertMany, [
    ids,
    ns.map((n) => n.queue),
    ns.map((n) => n.payloadJson),
    ns.map((n) => n.priority),
    ns.map((n) => n.runAt),
    ns.map((n) => n.delayMs),
    ns.map((n) => n.dedupeKey),
    ns.map((n) => n.maxAttempts),
    ns.map((n) => n.actor),
  ]);
  const byId = new Map(inserted.rows.map((r) => [r.id, r]));
  const missingKeys = ns
    .filter((n, i) => !byId.has(ids[i]!) && n.dedupeKey !== null)
    .map((n) => n.dedupeKey!);
  const existing = new Map<string, TaskRow>();
  if (missingKeys.length > 0) {
    const rows = await c.query<TaskRow>(sql.byDedupe, [missingKeys]);
    for (const r of rows.rows) existing.set(r.dedupe_key!, r);
  }
  const out: EnqueueResult[] = [];
  for (let i = 0; i < ns.length; i++) {
    const n = ns[i]!;
    const row = byId.get(ids[i]!);
    if (row !== undefined) {
      out.push({ task: rowToTask(row), created: true });
      continue;
    }
    const held = existing.get(n.dedupeKey ?? '');
    if (held === undefined) {
      // The holder finished between our insert and lookup: ask the caller to retry.
      return err(makeError('STORE_UNAVAILABLE', 'dedupe key holder changed concurrently; retry the enqueue'));
    }
    if (held.queue !== n.queue) return err(dedupeConflict(n.dedupeKey!, held.queue, n.queue));
    out.push({ task: rowToTask(held), created: false });
  }
  return ok(out);
}
