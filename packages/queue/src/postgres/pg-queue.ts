import {
  err,
  errAsync,
  type IdGenerator,
  makeError,
  ok,
  type Result,
  ResultAsync,
  randomIds,
} from '@worktrain/contracts';
import type pg from 'pg';
import { leaseLost, notFound } from '../errors.js';
import { HandleState, leaseKey } from '../handle-state.js';
import type {
  AuditEntry,
  CancelInput,
  ClaimInput,
  DrainResult,
  EnqueueInput,
  EnqueueResult,
  FailInput,
  HeartbeatInput,
  LeasedTask,
  LeaseRef,
  ListFilter,
  PurgeInput,
  PurgeResult,
  QueueError,
  QueueOptions,
  QueueStats,
  ReleaseLeasesInput,
  RequeueInput,
  StatsFilter,
  SweepResult,
  Task,
  TaskQueue,
} from '../queue.js';
import { PURGE_PREVIEW_LIMIT } from '../queue.js';
import { type AuditRow, rowToAudit, rowToTask, type TaskRow } from '../rows.js';
import { emptyStats } from '../stats.js';
import {
  checkClaim,
  checkDelay,
  checkLeaseMs,
  checkListFilter,
  checkPurgeInput,
  checkReason,
  checkRelease,
  checkStatsFilter,
  checkTaskError,
  type NormalizedEnqueue,
  normalizeEnqueue,
  type ResolvedOptions,
  resolveOptions,
} from '../validation.js';
import { completeMany, insertTasks, purgeRound } from './batch-ops.js';
import { DomainAbort, PgConnection, type PgConnectionOptions, PgListener, pgError } from './connection.js';
import { migratePostgres, notifyChannel, SCHEMA_NAME_RE } from './schema.js';
import { buildSql, type PgSql } from './sql.js';

/** Tasks deleted per purge transaction. */
const PURGE_BATCH = 500;

/** Options of {@link createPostgresQueue}. */
export interface PostgresQueueOptions extends QueueOptions, PgConnectionOptions {
  /** Schema holding the queue's tables (created if missing). Default `worktrain`. */
  readonly schema?: string;
  readonly ids?: IdGenerator;
  /** How often this handle sweeps expired leases, ms (0 disables). Default 1 000. */
  readonly sweepIntervalMs?: number;
  /**
   * Group commit of completions: a completion waits at most this long (ms) for others to share its UPDATE
   * and its synchronous commit. 0 = the same event-loop turn only. Default 1.
   */
  readonly ackWindowMs?: number;
  /** Whether to open a LISTEN connection for wake-ups. Default true. */
  readonly listen?: boolean;
}

/**
 * Connects, applies pending migrations in `schema`, starts LISTEN and the lease sweeper.
 * Errors: INVALID_ARGUMENT (schema name), NOT_A_WORKTRAIN_DATABASE (the schema holds another application's
 * tables), STORE_UNAVAILABLE (unreachable), STORE_IO (migration failed).
 */
export function createPostgresQueue(
  options: PostgresQueueOptions,
): ResultAsync<PostgresTaskQueue, QueueError> {
  const schema = options.schema ?? 'worktrain';
  if (!SCHEMA_NAME_RE.test(schema)) {
    return errAsync(makeError('INVALID_ARGUMENT', `schema must match ${SCHEMA_NAME_RE}`, { schema }));
  }
  const conn = new PgConnection(options);
  const started = conn
    .withClient('migration', true, (c) => migratePostgres(c, schema))
    .then(async () => {
      const q = new PostgresTaskQueue(conn, schema, options);
      await q.start();
      return ok<PostgresTaskQueue, QueueError>(q);
    })
    .catch(async (thrown: unknown) => {
      await conn.end().catch(() => undefined);
      return err<PostgresTaskQueue, QueueError>(
        thrown instanceof DomainAbort ? thrown.error : pgError(thrown, 'startup'),
      );
    });
  return new ResultAsync(started);
}

interface PendingCompletion {
  readonly ref: LeaseRef;
  readonly resolve: (r: Result<Task, QueueError>) => void;
}

/** The PostgreSQL {@link TaskQueue}: SKIP LOCKED claims, batched completions, LISTEN/NOTIFY wake-ups. */
export class PostgresTaskQueue implements TaskQueue {
  private readonly opts: ResolvedOptions;
  private readonly sql: PgSql;
  private readonly ids: IdGenerator;
  private readonly state = new HandleState();
  private readonly listener: PgListener | null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private completions: PendingCompletion[] = [];
  private completionScheduled = false;

  constructor(
    private readonly conn: PgConnection,
    readonly schema: string,
    private readonly options: PostgresQueueOptions,
  ) {
    this.opts = resolveOptions(options);
    this.sql = buildSql(schema);
    this.ids = options.ids ?? randomIds;
    this.listener =
      options.listen === false
        ? null
        : new PgListener(
            options,
            notifyChannel(schema),
            (queue) => this.state.notify(queue),
            () => this.state.notify(),
          );
  }

  /** @internal started by {@link createPostgresQueue}. */
  async start(): Promise<void> {
    await this.listener?.start();
    const every = this.options.sweepIntervalMs ?? 1000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => void this.sweepExpiredLeases(), every);
      this.sweepTimer.unref();
    }
  }

  private run<T>(
    what: string,
    idempotent: boolean,
    body: (c: pg.PoolClient) => Promise<Result<T, QueueError>>,
    transactional = false,
  ): ResultAsync<T, QueueError> {
    if (this.state.closed) return errAsync(makeError('QUEUE_CLOSED', 'the queue handle is closed'));
    const exec = transactional
      ? this.conn.transaction(what, idempotent, async (c) => {
          const r = await body(c);
          if (r.isErr()) throw new DomainAbort(r.error);
          return r;
        })
      : this.conn.withClient(what, idempotent, body);
    return new ResultAsync(
      exec.catch((thrown: unknown) =>
        err<T, QueueError>(thrown instanceof DomainAbort ? thrown.error : pgError(thrown, what)),
      ),
    );
  }

  enqueue(input: EnqueueInput): ResultAsync<EnqueueResult, QueueError> {
    return this.enqueueMany([input]).map((rs) => rs[0]!);
  }

  enqueueMany(inputs: readonly EnqueueInput[]): ResultAsync<EnqueueResult[], QueueError> {
    const normalized: NormalizedEnqueue[] = [];
    for (const input of inputs) {
      const n = normalizeEnqueue(input, this.opts);
      if (n.isErr()) return errAsync(n.error);
      normalized.push(n.value);
    }
    if (normalized.length === 0) return new ResultAsync(Promise.resolve(ok([])));
    const ids = normalized.map(() => this.ids.next('task'));
    // A single row needs no explicit transaction; several must be all-or-nothing.
    return this.run(
      'enqueue',
      false,
      (c) => insertTasks(c, this.sql, normalized, ids),
      normalized.length > 1,
    );
  }

  claim(input: ClaimInput): ResultAsync<LeasedTask[], QueueError> {
    if (this.state.draining)
      return errAsync(makeError('QUEUE_DRAINING', 'the queue is draining; no new claims'));
    const c = checkClaim(input, this.opts);
    if (c.isErr()) return errAsync(c.error);
    return this.run('claim', false, async (client) => {
      // One round trip, and the claim commits without waiting for its WAL flush (SET LOCAL: this
      // transaction only; every other commit of the pool waits, see PgConnection). Safe because WAL is
      // flushed in order: the completion of a claimed task commits after the claim, so acknowledging it
      // flushes the claim too. A server crash can only forget a claim nothing acknowledged since; the
      // task is then claimable again with its old token, and the worker's completion gets LEASE_LOST
      // (at-least-once, as after an expired lease). Enqueues, completions, failures, heartbeats,
      // cancels, requeues and sweeps all wait for the flush.
      const sql = this.sql.claim
        .replaceAll('$1', client.escapeLiteral(input.queue))
        .replaceAll('$2', String(input.n))
        .replaceAll('$4', String(input.leaseMs))
        // Last, so nothing inside the worker id literal is substituted.
        .replaceAll('$3', client.escapeLiteral(input.workerId));
      const results: unknown = await client.query(
        `BEGIN; SET LOCAL synchronous_commit TO off; ${sql}; COMMIT`,
      );
      const update = Array.isArray(results) ? (results[2] as pg.QueryResult<TaskRow>) : undefined;
      if (update === undefined) throw new Error('unexpected result shape of the claim batch');
      const tasks = update.rows.map((row) => rowToTask(row) as LeasedTask);
      tasks.sort((a, b) => b.priority - a.priority || a.runAt - b.runAt);
      this.state.leased(tasks.map((t) => leaseKey(t.id, t.leaseToken)));
      return ok(tasks);
    });
  }

  heartbeat(input: HeartbeatInput): ResultAsync<{ leasedUntil: number }, QueueError> {
    const ms = checkLeaseMs(input.leaseMs ?? this.opts.defaultLeaseMs, this.opts);
    if (ms.isErr()) return errAsync(ms.error);
    return this.run('heartbeat', true, async (c) => {
      const r = await c.query<{ leased_until: string }>(this.sql.heartbeat, [
        input.taskId,
        input.leaseToken,
        ms.value,
      ]);
      if (r.rows[0] !== undefined) return ok({ leasedUntil: Number(r.rows[0].leased_until) });
      return err(await this.whyNotHeld(c, input));
    });
  }

  /** Completions are group-committed: those arriving within `ackWindowMs` share one UPDATE and one commit. */
  complete(input: LeaseRef): ResultAsync<Task, QueueError> {
    if (this.state.closed) return errAsync(makeError('QUEUE_CLOSED', 'the queue handle is closed'));
    const p = new Promise<Result<Task, QueueError>>((resolve) => {
      this.completions.push({ ref: input, resolve });
      if (!this.completionScheduled) {
        this.completionScheduled = true;
        const windowMs = this.options.ackWindowMs ?? 1;
        if (windowMs > 0) setTimeout(() => void this.flushCompletions(), windowMs);
        else setImmediate(() => void this.flushCompletions());
      }
    });
    return new ResultAsync(
      p.then((r) => {
        if (r.isOk() || r.error.code === 'LEASE_LOST' || r.error.code === 'TASK_NOT_FOUND') {
          this.state.released(leaseKey(input.taskId, input.leaseToken));
        }
        return r;
      }),
    );
  }

  private async flushCompletions(): Promise<void> {
    this.completionScheduled = false;
    const batch = this.completions;
    this.completions = [];
    const r = await this.run('complete', true, async (c) =>
      ok(
        await completeMany(
          c,
          this.sql,
          batch.map((b) => b.ref),
        ),
      ),
    );
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(r.isErr() ? err(r.error) : r.value[i]!);
  }

  fail(input: FailInput): ResultAsync<Task, QueueError> {
    const e = checkTaskError(input.error);
    if (e.isErr()) return errAsync(e.error);
    const retryable =
      input.retryable !== false && (e.value.class === 'execution' || e.value.class === 'timeout');
    return this.run('fail', false, async (c) => {
      const r = await c.query<TaskRow>(this.sql.fail, [
        input.taskId,
        input.leaseToken,
        e.value.class,
        e.value.message,
        retryable,
        this.opts.backoffBaseMs,
        this.opts.backoffMaxMs,
        this.opts.random(),
      ]);
      if (r.rows[0] !== undefined) {
        this.state.released(leaseKey(input.taskId, input.leaseToken));
        return ok(rowToTask(r.rows[0]));
      }
      const why = await this.whyNotHeld(c, input);
      this.state.released(leaseKey(input.taskId, input.leaseToken));
      return err(why);
    });
  }

  cancel(input: CancelInput): ResultAsync<Task, QueueError> {
    const r = checkReason(input.reason);
    if (r.isErr()) return errAsync(r.error);
    return this.run('cancel', false, async (c) => {
      const res = await c.query<TaskRow>(this.sql.cancel, [
        input.taskId,
        input.reason,
        input.actor ?? 'operator',
      ]);
      if (res.rows[0] !== undefined) return ok(rowToTask(res.rows[0]));
      const cur = await c.query<TaskRow>(this.sql.byId, [input.taskId]);
      if (cur.rows[0] === undefined) return err(notFound(input.taskId));
      return err(
        makeError(
          'INVALID_STATE',
          `task ${input.taskId} is ${cur.rows[0].state}; only unfinished tasks can be cancelled`,
          {
            state: cur.rows[0].state,
          },
        ),
      );
    });
  }

  requeue(input: RequeueInput): ResultAsync<Task, QueueError> {
    const r = checkReason(input.reason);
    if (r.isErr()) return errAsync(r.error);
    const d = checkDelay(input.delayMs ?? 0);
    if (d.isErr()) return errAsync(d.error);
    return this.run('requeue', false, async (c) => {
      const cur = await c.query<TaskRow>(this.sql.byId, [input.taskId]);
      const row = cur.rows[0];
      if (row === undefined) return err(notFound(input.taskId));
      if (row.state !== 'dead') {
        return err(
          makeError(
            'INVALID_STATE',
            `task ${input.taskId} is ${row.state}; only dead letters can be requeued`,
            {
              state: row.state,
            },
          ),
        );
      }
      try {
        const res = await c.query<TaskRow>(this.sql.requeue, [
          input.taskId,
          input.reason,
          input.actor ?? 'operator',
          d.value,
        ]);
        if (res.rows[0] === undefined)
          return err(makeError('INVALID_STATE', `task ${input.taskId} changed concurrently`));
        await c.query('SELECT pg_notify($1, $2)', [notifyChannel(this.schema), res.rows[0].queue]);
        return ok(rowToTask(res.rows[0]));
      } catch (thrown) {
        if (typeof thrown === 'object' && thrown !== null && 'code' in thrown && thrown.code === '23505') {
          return err(
            makeError('DEDUPE_KEY_CONFLICT', `dedupe key ${row.dedupe_key} is held by an unfinished task`),
          );
        }
        throw thrown;
      }
    });
  }

  sweepExpiredLeases(): ResultAsync<SweepResult, QueueError> {
    return this.run('sweep', true, async (c) => {
      const r = await c.query<{ state: string }>(this.sql.sweep);
      const dead = r.rows.filter((row) => row.state === 'dead').length;
      return ok({ requeued: r.rows.length - dead, deadLettered: dead });
    });
  }

  releaseLeases(input: ReleaseLeasesInput): ResultAsync<SweepResult, QueueError> {
    const c = checkRelease(input);
    if (c.isErr()) return errAsync(c.error);
    return this.run('releaseLeases', true, async (cl) => {
      const r = await cl.query<{ state: string; queue: string }>(this.sql.release, [
        [...input.workerIds],
        input.reason,
        input.actor ?? 'system',
      ]);
      const dead = r.rows.filter((row) => row.state === 'dead').length;
      for (const q of new Set(r.rows.filter((row) => row.state !== 'dead').map((row) => row.queue)))
        this.state.notify(q);
      return ok({ requeued: r.rows.length - dead, deadLettered: dead });
    });
  }

  notifyEnqueued(queue: string): void {
    this.state.notify(queue);
  }

  get(taskId: string): ResultAsync<Task, QueueError> {
    return this.run('get', true, async (c) => {
      const r = await c.query<TaskRow>(this.sql.byId, [taskId]);
      return r.rows[0] === undefined ? err(notFound(taskId)) : ok(rowToTask(r.rows[0]));
    });
  }

  list(filter?: ListFilter): ResultAsync<Task[], QueueError> {
    const f = checkListFilter(filter);
    if (f.isErr()) return errAsync(f.error);
    return this.run('list', true, async (c) => {
      const where: string[] = [];
      const params: unknown[] = [f.value.limit];
      if (f.value.queue !== undefined) where.push(`queue = $${params.push(f.value.queue)}`);
      if (f.value.state !== undefined) where.push(`state = $${params.push(f.value.state)}`);
      if (f.value.since !== undefined) where.push(`updated_at >= $${params.push(f.value.since)}`);
      const r = await c.query<TaskRow>(this.sql.list(where), params);
      return ok(r.rows.map(rowToTask));
    });
  }

  history(taskId: string): ResultAsync<AuditEntry[], QueueError> {
    return this.run('history', true, async (c) => {
      const r = await c.query<AuditRow>(this.sql.history, [taskId]);
      return r.rows.length === 0 ? err(notFound(taskId)) : ok(r.rows.map(rowToAudit));
    });
  }

  stats(filter?: StatsFilter): ResultAsync<QueueStats, QueueError> {
    const f = checkStatsFilter(filter);
    if (f.isErr()) return errAsync(f.error);
    return this.run('stats', true, async (c) => {
      const rows = await c.query<{ queue: string; state: string; n: string }>(this.sql.stats, [
        f.value.queue,
      ]);
      const oldest = await c.query<{ age: string | null }>(this.sql.oldest, [f.value.queue]);
      const age = oldest.rows[0]?.age ?? null;
      return ok(emptyStats(rows.rows, age === null ? null : Number(age)));
    });
  }

  purge(input: PurgeInput): ResultAsync<PurgeResult, QueueError> {
    const checked = checkPurgeInput(input);
    if (checked.isErr()) return errAsync(checked.error);
    const p = checked.value;
    const where = [p.states, p.olderThanMs, p.queue, p.since];
    if (input.dryRun === true) {
      return this.run('purge preview', true, async (c) => {
        // One snapshot for both queries, so the count and the list agree.
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          const n = await c.query<{ n: string }>(this.sql.purgeCount, where);
          const rows = await c.query<TaskRow>(this.sql.purgePreview, [
            ...where,
            Math.min(PURGE_PREVIEW_LIMIT, p.limit ?? PURGE_PREVIEW_LIMIT),
          ]);
          const count = Number(n.rows[0]?.n ?? 0);
          return ok({
            purged: p.limit === null ? count : Math.min(count, p.limit),
            archivePath: null,
            wouldPurge: rows.rows.map(rowToTask),
          });
        } finally {
          await c.query('COMMIT').catch(() => undefined);
        }
      });
    }
    const round = (max: number): ResultAsync<number, QueueError> =>
      this.run(
        'purge',
        false,
        async (c) => ok(await purgeRound(c, this.sql, p, input.archivePath, max)),
        true,
      );
    const loop = async (): Promise<Result<PurgeResult, QueueError>> => {
      let purged = 0;
      for (;;) {
        const max = Math.min(PURGE_BATCH, p.limit === null ? PURGE_BATCH : p.limit - purged);
        if (max <= 0) return ok({ purged, archivePath: input.archivePath ?? null });
        const r = await round(max);
        if (r.isErr()) return err(r.error);
        purged += r.value;
        if (r.value === 0) return ok({ purged, archivePath: input.archivePath ?? null });
      }
    };
    return new ResultAsync(loop());
  }

  drain(timeoutMs: number): Promise<DrainResult> {
    return this.state.drain(timeoutMs);
  }

  waitForTasks(queue: string, timeoutMs: number): Promise<void> {
    return this.state.wait(queue, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.state.closed) return;
    if (this.completions.length > 0) await this.flushCompletions();
    this.state.close();
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    await this.listener?.stop();
    await this.conn.end();
  }

  private async whyNotHeld(c: pg.PoolClient, ref: LeaseRef): Promise<QueueError> {
    const r = await c.query<TaskRow & { now: string }>(this.sql.byIds, [[ref.taskId]]);
    const cur = r.rows[0];
    if (cur === undefined) return notFound(ref.taskId);
    return leaseLost(
      ref.taskId,
      cur.state,
      cur.lease_token === ref.leaseToken,
      cur.leased_until,
      Number(cur.now),
    );
  }
}
