import { err, type IdGenerator, makeError, ok, type Result } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import { dedupeConflict, leaseLost, notFound } from '../errors.js';
import type {
  CancelInput,
  ClaimInput,
  EnqueueResult,
  FailInput,
  LeasedTask,
  LeaseRef,
  QueueError,
  ReleaseLeasesInput,
  RequeueInput,
  SweepResult,
  Task,
} from '../queue.js';
import { rowToTask, TASK_COLUMNS, type TaskRow } from '../rows.js';
import { type NormalizedEnqueue, type ResolvedOptions, retryDecision } from '../validation.js';

type Db = Database.Database;
type Stmt = Database.Statement;

const UNFINISHED = "('pending','leased','failed')";

/**
 * Prepared statements of the synchronous queue operations on one connection. Every method runs inside
 * the caller's transaction (group commit or the caller's own) and writes nothing when it returns an error.
 */
export class SqliteOps {
  private readonly s: Record<string, Stmt>;

  constructor(
    readonly db: Db,
    private readonly opts: ResolvedOptions,
    private readonly ids: IdGenerator,
  ) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      byId: p(`SELECT ${TASK_COLUMNS} FROM queue_tasks WHERE id = ?`),
      byDedupe: p(`SELECT ${TASK_COLUMNS} FROM queue_tasks WHERE dedupe_key = ? AND state IN ${UNFINISHED}`),
      insert:
        p(`INSERT INTO queue_tasks (id, queue, payload, priority, run_at, dedupe_key, max_attempts, state,
        created_at, updated_at, transition_actor, transition_reason)
        VALUES (@id, @queue, @payload, @priority, @runAt, @dedupeKey, @maxAttempts, 'pending', @now, @now, @actor, 'enqueued')
        RETURNING ${TASK_COLUMNS}`),
      claim: p(`UPDATE queue_tasks SET state = 'leased', lease_token = lower(hex(randomblob(16))),
        lease_owner = @owner, leased_until = @now + @leaseMs, attempt = attempt + 1, updated_at = @now,
        transition_actor = @owner, transition_reason = 'claimed'
        WHERE seq IN (SELECT seq FROM queue_tasks WHERE queue = @queue AND state IN ('pending','failed')
          AND run_at <= @now ORDER BY priority DESC, run_at, seq LIMIT @n)
        RETURNING ${TASK_COLUMNS}`),
      heartbeat: p(`UPDATE queue_tasks SET leased_until = @until, updated_at = @now
        WHERE id = @id AND state = 'leased' AND lease_token = @token AND leased_until > @now
        RETURNING leased_until`),
      complete: p(`UPDATE queue_tasks SET state = 'succeeded', finished_at = @now, updated_at = @now,
        leased_until = NULL, transition_actor = lease_owner, transition_reason = 'completed'
        WHERE id = @id AND state = 'leased' AND lease_token = @token AND leased_until > @now
        RETURNING ${TASK_COLUMNS}`),
      // Set-based completion of a whole batch: json_each drives (CROSS JOIN keeps it the outer loop, so each
      // pair is one lookup in the id index), and the UPDATE touches only rows whose lease is still held.
      completeMany: p(`UPDATE queue_tasks SET state = 'succeeded', finished_at = @now, updated_at = @now,
        leased_until = NULL, transition_actor = lease_owner, transition_reason = 'completed'
        WHERE seq IN (SELECT t.seq FROM json_each(@refs) AS j CROSS JOIN queue_tasks AS t
          ON t.id = j.value ->> 0
          WHERE t.lease_token = j.value ->> 1 AND t.state = 'leased' AND t.leased_until > @now)
        RETURNING ${TASK_COLUMNS}`),
      retry:
        p(`UPDATE queue_tasks SET state = 'failed', run_at = @runAt, updated_at = @now, leased_until = NULL,
        last_error_class = @cls, last_error_message = @msg, transition_actor = lease_owner, transition_reason = @reason
        WHERE id = @id AND lease_token = @token RETURNING ${TASK_COLUMNS}`),
      dead: p(`UPDATE queue_tasks SET state = 'dead', finished_at = @now, updated_at = @now, leased_until = NULL,
        last_error_class = @cls, last_error_message = @msg, transition_actor = @actor, transition_reason = @reason
        WHERE id = @id AND state IN ${UNFINISHED} RETURNING ${TASK_COLUMNS}`),
      requeue: p(`UPDATE queue_tasks SET state = 'pending', attempt = 0, run_at = @runAt, updated_at = @now,
        finished_at = NULL, lease_token = NULL, lease_owner = NULL, leased_until = NULL,
        transition_actor = @actor, transition_reason = @reason
        WHERE id = @id AND state = 'dead' RETURNING ${TASK_COLUMNS}`),
      sweep: p(`UPDATE queue_tasks SET
        state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'failed' END,
        finished_at = CASE WHEN attempt >= max_attempts THEN @now ELSE NULL END,
        updated_at = @now, leased_until = NULL,
        last_error_class = 'timeout', last_error_message = 'lease of ' || lease_owner || ' expired',
        transition_actor = 'sweeper', transition_reason = 'lease expired'
        WHERE state = 'leased' AND leased_until <= @now RETURNING state`),
      release: p(`UPDATE queue_tasks SET
        state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'failed' END,
        finished_at = CASE WHEN attempt >= max_attempts THEN @now ELSE NULL END,
        updated_at = @now, leased_until = NULL,
        last_error_class = 'timeout', last_error_message = 'lease of ' || lease_owner || ' released: ' || @reason,
        transition_actor = @actor, transition_reason = @reason
        WHERE state = 'leased' AND lease_owner IN (SELECT value FROM json_each(@owners)) RETURNING state`),
      anyExpired: p(`SELECT 1 FROM queue_tasks WHERE state = 'leased' AND leased_until <= ? LIMIT 1`),
    };
  }

  /** Inserts a task, or returns the unfinished task holding its dedupe key. Errors: DEDUPE_KEY_CONFLICT. */
  enqueue(n: NormalizedEnqueue, now: number): Result<EnqueueResult, QueueError> {
    if (n.dedupeKey !== null) {
      const existing = this.s.byDedupe!.get(n.dedupeKey) as TaskRow | undefined;
      if (existing !== undefined) {
        if (existing.queue !== n.queue) return err(dedupeConflict(n.dedupeKey, existing.queue, n.queue));
        return ok({ task: rowToTask(existing), created: false });
      }
    }
    const row = this.s.insert!.get({
      id: this.ids.next('task'),
      queue: n.queue,
      payload: n.payloadJson,
      priority: n.priority,
      runAt: n.runAt ?? now + n.delayMs,
      dedupeKey: n.dedupeKey,
      maxAttempts: n.maxAttempts,
      now,
      actor: n.actor,
    }) as TaskRow;
    return ok({ task: rowToTask(row), created: true });
  }

  claim(input: ClaimInput, now: number): LeasedTask[] {
    const rows = this.s.claim!.all({
      owner: input.workerId,
      now,
      leaseMs: input.leaseMs,
      queue: input.queue,
      n: input.n,
    }) as TaskRow[];
    // RETURNING order is unspecified; hand tasks out in claim order.
    const tasks = rows.map((r) => rowToTask(r) as LeasedTask);
    return tasks.sort((a, b) => b.priority - a.priority || a.runAt - b.runAt);
  }

  heartbeat(ref: LeaseRef, leaseMs: number, now: number): Result<{ leasedUntil: number }, QueueError> {
    const row = this.s.heartbeat!.get({ id: ref.taskId, token: ref.leaseToken, now, until: now + leaseMs }) as
      | { leased_until: number }
      | undefined;
    if (row !== undefined) return ok({ leasedUntil: row.leased_until });
    return err(this.whyNotHeld(ref, now));
  }

  complete(ref: LeaseRef, now: number): Result<Task, QueueError> {
    const row = this.s.complete!.get({ id: ref.taskId, token: ref.leaseToken, now }) as TaskRow | undefined;
    if (row !== undefined) return ok(rowToTask(row));
    return this.notCompleted(ref, now);
  }

  /**
   * Completes many leases with one statement; one result per ref, in order, exactly as {@link complete}
   * would give for each (a ref repeated in the batch is an idempotent repeat of the first).
   */
  completeMany(refs: readonly LeaseRef[], now: number): Array<Result<Task, QueueError>> {
    if (refs.length === 1) return [this.complete(refs[0]!, now)];
    const pairs = refs.map((r) => [r.taskId, r.leaseToken]);
    const rows = this.s.completeMany!.all({ refs: JSON.stringify(pairs), now }) as TaskRow[];
    const byId = new Map<string, TaskRow>();
    for (const row of rows) byId.set(row.id, row);
    return refs.map((ref) => {
      const row = byId.get(ref.taskId);
      if (row !== undefined && row.lease_token === ref.leaseToken) return ok(rowToTask(row));
      return this.notCompleted(ref, now);
    });
  }

  /** Why a completion matched no held lease: ok for a repeat of a completed lease, else the error. */
  private notCompleted(ref: LeaseRef, now: number): Result<Task, QueueError> {
    const current = this.s.byId!.get(ref.taskId) as TaskRow | undefined;
    // Idempotent: a retried completion of the same lease (e.g. after an ambiguous commit) is a success.
    if (current?.state === 'succeeded' && current.lease_token === ref.leaseToken)
      return ok(rowToTask(current));
    return err(this.whyNotHeld(ref, now));
  }

  fail(input: FailInput, now: number): Result<Task, QueueError> {
    const current = this.s.byId!.get(input.taskId) as TaskRow | undefined;
    if (
      current === undefined ||
      current.state !== 'leased' ||
      current.lease_token !== input.leaseToken ||
      Number(current.leased_until) <= now
    ) {
      return err(this.whyNotHeld(input, now));
    }
    const decision = retryDecision(
      Number(current.attempt),
      Number(current.max_attempts),
      input.error,
      input.retryable,
      this.opts,
    );
    const base = {
      id: input.taskId,
      token: input.leaseToken,
      now,
      cls: input.error.class,
      msg: input.error.message,
    };
    const row =
      decision.kind === 'retry'
        ? this.s.retry!.get({
            ...base,
            runAt: now + decision.delayMs,
            reason: `retry in ${decision.delayMs} ms`,
          })
        : this.s.dead!.get({
            ...base,
            actor: current.lease_owner ?? 'system',
            reason: `dead letter: ${input.error.class}`,
          });
    return ok(rowToTask(row as TaskRow));
  }

  cancel(input: CancelInput, now: number): Result<Task, QueueError> {
    const row = this.s.dead!.get({
      id: input.taskId,
      now,
      cls: 'cancelled',
      msg: input.reason,
      actor: input.actor ?? 'operator',
      reason: `cancelled: ${input.reason}`,
    }) as TaskRow | undefined;
    if (row !== undefined) return ok(rowToTask(row));
    const current = this.s.byId!.get(input.taskId) as TaskRow | undefined;
    if (current === undefined) return err(notFound(input.taskId));
    return err(
      makeError(
        'INVALID_STATE',
        `task ${input.taskId} is ${current.state}; only unfinished tasks can be cancelled`,
        { state: current.state },
      ),
    );
  }

  requeue(input: RequeueInput, delayMs: number, now: number): Result<Task, QueueError> {
    const current = this.s.byId!.get(input.taskId) as TaskRow | undefined;
    if (current === undefined) return err(notFound(input.taskId));
    if (current.state !== 'dead') {
      return err(
        makeError(
          'INVALID_STATE',
          `task ${input.taskId} is ${current.state}; only dead letters can be requeued`,
          { state: current.state },
        ),
      );
    }
    if (current.dedupe_key !== null) {
      const holder = this.s.byDedupe!.get(current.dedupe_key) as TaskRow | undefined;
      if (holder !== undefined) {
        return err(
          makeError(
            'DEDUPE_KEY_CONFLICT',
            `dedupe key ${current.dedupe_key} is held by unfinished task ${holder.id}`,
            { holder: holder.id },
          ),
        );
      }
    }
    const row = this.s.requeue!.get({
      id: input.taskId,
      now,
      runAt: now + delayMs,
      actor: input.actor ?? 'operator',
      reason: `requeued: ${input.reason}`,
    }) as TaskRow;
    return ok(rowToTask(row));
  }

  /** Expired leases → `failed` (claimable now) or `dead` (attempts exhausted, class `timeout`). */
  sweep(now: number): SweepResult {
    if (this.s.anyExpired!.get(now) === undefined) return { requeued: 0, deadLettered: 0 };
    const rows = this.s.sweep!.all({ now }) as Array<{ state: string }>;
    const dead = rows.filter((r) => r.state === 'dead').length;
    return { requeued: rows.length - dead, deadLettered: dead };
  }

  /** Ends the leases of `input.workerIds` now, as the sweeper would at expiry (see `TaskQueue.releaseLeases`). */
  releaseLeases(input: ReleaseLeasesInput, now: number): SweepResult {
    const rows = this.s.release!.all({
      now,
      owners: JSON.stringify(input.workerIds),
      reason: input.reason,
      actor: input.actor ?? 'system',
    }) as Array<{ state: string }>;
    const dead = rows.filter((r) => r.state === 'dead').length;
    return { requeued: rows.length - dead, deadLettered: dead };
  }

  /** Classifies why a lease operation did not match: TASK_NOT_FOUND or LEASE_LOST (with the reason). */
  private whyNotHeld(ref: LeaseRef, now: number): QueueError {
    const current = this.s.byId!.get(ref.taskId) as TaskRow | undefined;
    if (current === undefined) return notFound(ref.taskId);
    return leaseLost(
      ref.taskId,
      current.state,
      current.lease_token === ref.leaseToken,
      current.leased_until,
      now,
    );
  }
}
