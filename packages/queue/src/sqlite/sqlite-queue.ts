// Over 400 lines on purpose (scripts/size-allowlist.json): one backend of the ~20-method TaskQueue port,
// method for method beside the PostgreSQL and in-memory backends; its SQL is shared with no other file.
import {
  type Clock,
  describeThrown,
  err,
  errAsync,
  type IdGenerator,
  makeError,
  ok,
  type Result,
  ResultAsync,
  randomIds,
  systemClock,
} from '@worktrain/contracts';
import { openDatabase } from '@worktrain/contracts/sqlite';
import type Database from 'better-sqlite3';
import { appendArchive } from '../archive.js';
import { notFound } from '../errors.js';
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
import { type AuditRow, rowToAudit, rowToTask, TASK_COLUMNS, type TaskRow } from '../rows.js';
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
import type { Combiner, GroupCommitOptions } from './group-commit.js';
import { GroupCommitter } from './group-commit.js';
import { SqliteOps } from './ops.js';
import {
  fromDatabaseError,
  LATEST_QUEUE_SCHEMA_VERSION,
  migrateQueueSchema,
  openWorktrainDatabase,
  QUEUE_MIGRATION_SET,
  type SqliteConnectionOptions,
} from './schema.js';

/** Tasks deleted per purge transaction. */
const PURGE_BATCH = 500;

/** Options of {@link openSqliteQueue}. Give `path` (the queue opens and owns the file) or an open `db`. */
export interface SqliteQueueOptions extends QueueOptions, SqliteConnectionOptions {
  /** Path of the WorkTrain database (`$WORKTRAIN_HOME/worktrain.db`). */
  readonly path?: string;
  /** An already opened connection (e.g. the session store's); its pragmas are the opener's duty. */
  readonly db?: Database.Database;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** Group commit window and batch size (see {@link GroupCommitter}). */
  readonly groupCommit?: Pick<GroupCommitOptions, 'windowMs' | 'maxBatch'>;
  /** Idle time after the last commit before a WAL checkpoint, ms. Default 1 000. */
  readonly checkpointIdleMs?: number;
  /** Set by {@link openSqliteQueueReadOnly}: the handle never checkpoints. */
  readonly readOnly?: boolean;
}

/**
 * Opens the SQLite queue. Errors: NOT_A_WORKTRAIN_DATABASE, STORE_UNAVAILABLE, STORE_IO, INVALID_ARGUMENT.
 */
export function openSqliteQueue(options: SqliteQueueOptions): Result<SqliteTaskQueue, QueueError> {
  if ((options.path === undefined) === (options.db === undefined)) {
    return err(makeError('INVALID_ARGUMENT', 'give exactly one of path or db'));
  }
  if (options.db !== undefined) {
    const m = migrateQueueSchema(options.db, (options.clock ?? systemClock).now());
    return m.map(() => new SqliteTaskQueue(options.db!, false, options));
  }
  return openWorktrainDatabase(options.path!, options).map((db) => new SqliteTaskQueue(db, true, options));
}

/**
 * Opens the queue of the database at `path` for reading only (`worktrain queue list|stats|inspect`): no
 * table is created, nothing migrated, the file left byte-identical (`openDatabase({ readOnly: true })` of
 * `@worktrain/contracts/sqlite`). `null` when there is nothing to read yet: no file, or a file without the
 * queue's tables. Every write on the handle fails (STORE_IO). Errors: NOT_A_WORKTRAIN_DATABASE,
 * STORE_UNAVAILABLE, STORE_IO (the file has an older queue schema; a writable open, e.g. the daemon's,
 * migrates it).
 */
export function openSqliteQueueReadOnly(
  options: Omit<SqliteQueueOptions, 'db' | 'path'> & { readonly path: string },
): Result<SqliteTaskQueue | null, QueueError> {
  const opened = openDatabase({ ...options, readOnly: true, migrations: [QUEUE_MIGRATION_SET] });
  if (opened.isErr())
    return opened.error.code === 'DATABASE_MISSING' ? ok(null) : err(fromDatabaseError(opened.error));
  const { db, versions } = opened.value;
  const version = versions[QUEUE_MIGRATION_SET.store] ?? 0;
  if (version === 0) {
    db.close();
    return ok(null);
  }
  if (version < LATEST_QUEUE_SCHEMA_VERSION) {
    db.close();
    return err(
      makeError(
        'STORE_IO',
        `${options.path} has queue schema v${version}; this version reads v${LATEST_QUEUE_SCHEMA_VERSION}. Open it writable once (e.g. start the daemon) to migrate it.`,
        { path: options.path, schemaVersion: version, supported: LATEST_QUEUE_SCHEMA_VERSION },
      ),
    );
  }
  return ok(new SqliteTaskQueue(db, true, { ...options, readOnly: true }));
}

/** Converts a better-sqlite3 exception into a queue error code. */
export function sqliteError(thrown: unknown): QueueError {
  const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : '';
  const message = describeThrown(thrown);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return makeError('STORE_UNAVAILABLE', `database is locked by another process: ${message}`, {
      sqlite: code,
    });
  }
  return makeError('STORE_IO', `SQLite error: ${message}`, { sqlite: code });
}

/** The SQLite {@link TaskQueue}: group-committed writes on one connection, reads on the same connection. */
export class SqliteTaskQueue implements TaskQueue {
  private readonly opts: ResolvedOptions;
  private readonly clock: Clock;
  private readonly ops: SqliteOps;
  private readonly committer: GroupCommitter;
  private readonly completer: Combiner<LeaseRef, Result<Task, QueueError>>;
  private readonly state = new HandleState();
  private checkpointTimer: NodeJS.Timeout | null = null;
  private readonly checkpointIdleMs: number;
  private readonly readOnly: boolean;

  constructor(
    readonly db: Database.Database,
    private readonly ownsDb: boolean,
    options: SqliteQueueOptions,
  ) {
    this.opts = resolveOptions(options);
    this.clock = options.clock ?? systemClock;
    this.ops = new SqliteOps(db, this.opts, options.ids ?? randomIds);
    this.checkpointIdleMs = options.checkpointIdleMs ?? 1000;
    this.readOnly = options.readOnly ?? false;
    this.completer = { runMany: (refs) => this.ops.completeMany(refs, this.clock.now()) };
    this.committer = new GroupCommitter(db, {
      ...options.groupCommit,
      afterCommit: () => this.scheduleCheckpoint(),
    });
  }

  /** Number of committed group-commit batches so far. */
  get commitBatches(): number {
    return this.committer.batches;
  }

  private write<T>(run: (now: number) => Result<T, QueueError>): ResultAsync<T, QueueError> {
    if (this.state.closed) return errAsync(closedError());
    const p = this.committer
      .submit(() => run(this.clock.now()))
      .then(
        (r) => r,
        (thrown: unknown) => err<T, QueueError>(sqliteError(thrown)),
      );
    return new ResultAsync(p);
  }

  private read<T>(run: () => Result<T, QueueError>): ResultAsync<T, QueueError> {
    if (this.state.closed) return errAsync(closedError());
    try {
      return new ResultAsync(Promise.resolve(run()));
    } catch (thrown) {
      return errAsync(sqliteError(thrown));
    }
  }

  enqueue(input: EnqueueInput): ResultAsync<EnqueueResult, QueueError> {
    const n = normalizeEnqueue(input, this.opts);
    if (n.isErr()) return errAsync(n.error);
    return this.write((now) => this.ops.enqueue(n.value, now)).map((r) => {
      this.state.notify(r.task.queue);
      return r;
    });
  }

  enqueueMany(inputs: readonly EnqueueInput[]): ResultAsync<EnqueueResult[], QueueError> {
    const normalized: NormalizedEnqueue[] = [];
    for (const input of inputs) {
      const n = normalizeEnqueue(input, this.opts);
      if (n.isErr()) return errAsync(n.error);
      normalized.push(n.value);
    }
    return this.write((now) => {
      // All-or-nothing inside the shared batch transaction: a savepoint undoes a partial conflict.
      this.db.exec('SAVEPOINT enqueue_many');
      const out: EnqueueResult[] = [];
      for (const n of normalized) {
        const r = this.ops.enqueue(n, now);
        if (r.isErr()) {
          this.db.exec('ROLLBACK TO enqueue_many; RELEASE enqueue_many');
          return err(r.error);
        }
        out.push(r.value);
      }
      this.db.exec('RELEASE enqueue_many');
      return ok(out);
    }).map((rs) => {
      for (const q of new Set(rs.map((r) => r.task.queue))) this.state.notify(q);
      return rs;
    });
  }

  claim(input: ClaimInput): ResultAsync<LeasedTask[], QueueError> {
    if (this.state.draining)
      return errAsync(makeError('QUEUE_DRAINING', 'the queue is draining; no new claims'));
    const c = checkClaim(input, this.opts);
    if (c.isErr()) return errAsync(c.error);
    return this.write((now) => {
      this.ops.sweep(now);
      return ok(this.ops.claim(input, now));
    }).map((tasks) => {
      this.state.leased(tasks.map((t) => leaseKey(t.id, t.leaseToken)));
      return tasks;
    });
  }

  heartbeat(input: HeartbeatInput): ResultAsync<{ leasedUntil: number }, QueueError> {
    const ms = checkLeaseMs(input.leaseMs ?? this.opts.defaultLeaseMs, this.opts);
    if (ms.isErr()) return errAsync(ms.error);
    return this.write((now) => this.ops.heartbeat(input, ms.value, now)).mapErr((e) => this.lost(input, e));
  }

  /** Completions of one group-commit batch share one set-based UPDATE (see {@link SqliteOps.completeMany}). */
  complete(input: LeaseRef): ResultAsync<Task, QueueError> {
    if (this.state.closed) return errAsync(closedError());
    const p = this.committer.submitCombined(this.completer, input).then(
      (r) => {
        if (r.isOk()) this.released(input, undefined);
        else this.lost(input, r.error);
        return r;
      },
      (thrown: unknown) => err<Task, QueueError>(sqliteError(thrown)),
    );
    return new ResultAsync(p);
  }

  fail(input: FailInput): ResultAsync<Task, QueueError> {
    const e = checkTaskError(input.error);
    if (e.isErr()) return errAsync(e.error);
    return this.write((now) => this.ops.fail({ ...input, error: e.value }, now))
      .map((t) => this.released(input, t))
      .mapErr((er) => this.lost(input, er));
  }

  cancel(input: CancelInput): ResultAsync<Task, QueueError> {
    const r = checkReason(input.reason);
    if (r.isErr()) return errAsync(r.error);
    return this.write((now) => this.ops.cancel(input, now));
  }

  requeue(input: RequeueInput): ResultAsync<Task, QueueError> {
    const r = checkReason(input.reason);
    if (r.isErr()) return errAsync(r.error);
    const d = checkDelay(input.delayMs ?? 0);
    if (d.isErr()) return errAsync(d.error);
    return this.write((now) => this.ops.requeue(input, d.value, now)).map((t) => {
      this.state.notify(t.queue);
      return t;
    });
  }

  sweepExpiredLeases(): ResultAsync<SweepResult, QueueError> {
    return this.write((now) => ok(this.ops.sweep(now)));
  }

  releaseLeases(input: ReleaseLeasesInput): ResultAsync<SweepResult, QueueError> {
    const c = checkRelease(input);
    if (c.isErr()) return errAsync(c.error);
    if (input.workerIds.length === 0)
      return new ResultAsync(Promise.resolve(ok({ requeued: 0, deadLettered: 0 })));
    return this.write((now) => ok(this.ops.releaseLeases(input, now))).map((r) => {
      if (r.requeued > 0) this.state.notify();
      return r;
    });
  }

  notifyEnqueued(queue: string): void {
    this.state.notify(queue);
  }

  get(taskId: string): ResultAsync<Task, QueueError> {
    return this.read(() => {
      const row = this.db.prepare(`SELECT ${TASK_COLUMNS} FROM queue_tasks WHERE id = ?`).get(taskId) as
        | TaskRow
        | undefined;
      return row === undefined ? err(notFound(taskId)) : ok(rowToTask(row));
    });
  }

  list(filter?: ListFilter): ResultAsync<Task[], QueueError> {
    const f = checkListFilter(filter);
    if (f.isErr()) return errAsync(f.error);
    return this.read(() => {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: f.value.limit };
      if (f.value.queue !== undefined) {
        where.push('queue = @queue');
        params.queue = f.value.queue;
      }
      if (f.value.state !== undefined) {
        where.push('state = @state');
        params.state = f.value.state;
      }
      if (f.value.since !== undefined) {
        where.push('updated_at >= @since');
        params.since = f.value.since;
      }
      const sql = `SELECT ${TASK_COLUMNS} FROM queue_tasks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY updated_at DESC, seq DESC LIMIT @limit`;
      return ok((this.db.prepare(sql).all(params) as TaskRow[]).map(rowToTask));
    });
  }

  history(taskId: string): ResultAsync<AuditEntry[], QueueError> {
    return this.read(() => {
      const rows = this.auditOf(taskId);
      if (rows.length === 0) return err(notFound(taskId));
      return ok(rows);
    });
  }

  private auditOf(taskId: string): AuditEntry[] {
    return (
      this.db
        .prepare(
          `SELECT task_id, actor, from_state, to_state, at, reason FROM queue_audit
           WHERE task_seq = (SELECT seq FROM queue_tasks WHERE id = ?) ORDER BY seq`,
        )
        .all(taskId) as AuditRow[]
    ).map(rowToAudit);
  }

  stats(filter?: StatsFilter): ResultAsync<QueueStats, QueueError> {
    const f = checkStatsFilter(filter);
    if (f.isErr()) return errAsync(f.error);
    const only = f.value.queue;
    return this.read(() => {
      const byQueue = only === null ? '' : ' AND queue = ?';
      const rows = this.db
        .prepare(
          `SELECT queue, state, count(*) AS n FROM queue_tasks WHERE 1=1${byQueue} GROUP BY queue, state`,
        )
        .all(...(only === null ? [] : [only])) as Array<{ queue: string; state: string; n: number }>;
      const now = this.clock.now();
      const oldest = this.db
        .prepare(
          `SELECT min(run_at) AS t FROM queue_tasks WHERE state IN ('pending','failed') AND run_at <= ?${byQueue}`,
        )
        .get(now, ...(only === null ? [] : [only])) as { t: number | null };
      return ok(emptyStats(rows, oldest.t === null ? null : now - oldest.t));
    });
  }

  purge(input: PurgeInput): ResultAsync<PurgeResult, QueueError> {
    const checked = checkPurgeInput(input);
    if (checked.isErr()) return errAsync(checked.error);
    const p = checked.value;
    if (this.state.closed) return errAsync(closedError());
    const cutoff = this.clock.now() - p.olderThanMs;
    const marks = p.states.map(() => '?').join(',');
    const where = [
      `state IN (${marks}) AND finished_at <= ?`,
      ...(p.queue === null ? [] : ['queue = ?']),
      ...(p.since === null ? [] : ['finished_at >= ?']),
    ].join(' AND ');
    const params: unknown[] = [
      ...p.states,
      cutoff,
      ...(p.queue === null ? [] : [p.queue]),
      ...(p.since === null ? [] : [p.since]),
    ];
    if (input.dryRun === true) {
      return this.read(() => {
        const count = this.db
          .prepare(`SELECT count(*) AS n FROM queue_tasks WHERE ${where}`)
          .get(...params) as { n: number };
        const rows = this.db
          .prepare(`SELECT ${TASK_COLUMNS} FROM queue_tasks WHERE ${where} ORDER BY finished_at, seq LIMIT ?`)
          .all(...params, Math.min(PURGE_PREVIEW_LIMIT, p.limit ?? PURGE_PREVIEW_LIMIT)) as TaskRow[];
        const purged = p.limit === null ? count.n : Math.min(count.n, p.limit);
        return ok({ purged, archivePath: null, wouldPurge: rows.map(rowToTask) });
      });
    }
    // Oldest finished first, so a --limit purge removes the oldest tasks and a dry run lists the same ones.
    const select = this.db.prepare(
      `SELECT ${TASK_COLUMNS} FROM queue_tasks WHERE ${where} ORDER BY finished_at, seq LIMIT ?`,
    );
    const delTask = this.db.prepare('DELETE FROM queue_tasks WHERE id = ?');
    const delAudit = this.db.prepare(
      'DELETE FROM queue_audit WHERE task_seq = (SELECT seq FROM queue_tasks WHERE id = ?)',
    );
    let purged = 0;
    try {
      for (;;) {
        const batch = Math.min(PURGE_BATCH, p.limit === null ? PURGE_BATCH : p.limit - purged);
        if (batch <= 0) break;
        const n = this.db
          .transaction(() => {
            const rows = (select.all(...params, batch) as TaskRow[]).map(rowToTask);
            if (rows.length === 0) return 0;
            if (input.archivePath !== undefined) {
              appendArchive(
                input.archivePath,
                rows.map((task) => ({ task, history: this.auditOf(task.id) })),
              );
            }
            for (const t of rows) {
              delAudit.run(t.id);
              delTask.run(t.id);
            }
            return rows.length;
          })
          .immediate();
        purged += n;
        if (n === 0) break;
      }
    } catch (thrown) {
      return errAsync(sqliteError(thrown));
    }
    return new ResultAsync(Promise.resolve(ok({ purged, archivePath: input.archivePath ?? null })));
  }

  drain(timeoutMs: number): Promise<DrainResult> {
    return this.state.drain(timeoutMs);
  }

  waitForTasks(queue: string, timeoutMs: number): Promise<void> {
    return this.state.wait(queue, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.state.closed) return;
    this.committer.flush();
    this.state.close();
    if (this.checkpointTimer !== null) clearTimeout(this.checkpointTimer);
    if (this.ownsDb) {
      try {
        if (!this.readOnly) this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another process holds the database; its own checkpoints will bound the WAL.
      }
      this.db.close();
    }
  }

  /** Runs a WAL checkpoint now (also done automatically after `checkpointIdleMs` without commits). */
  checkpoint(): { busy: number; log: number; checkpointed: number } {
    const [row] = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{
      busy: number;
      log: number;
      checkpointed: number;
    }>;
    return row ?? { busy: 0, log: 0, checkpointed: 0 };
  }

  private scheduleCheckpoint(): void {
    if (this.checkpointTimer !== null) this.checkpointTimer.refresh();
    else {
      this.checkpointTimer = setTimeout(() => {
        this.checkpointTimer = null;
        if (this.state.closed) return;
        try {
          this.checkpoint();
        } catch {
          // Busy: the next idle period retries.
        }
      }, this.checkpointIdleMs);
      this.checkpointTimer.unref();
    }
  }

  private released<T>(ref: LeaseRef, value: T): T {
    this.state.released(leaseKey(ref.taskId, ref.leaseToken));
    return value;
  }

  private lost(ref: LeaseRef, e: QueueError): QueueError {
    if (e.code === 'LEASE_LOST' || e.code === 'TASK_NOT_FOUND')
      this.state.released(leaseKey(ref.taskId, ref.leaseToken));
    return e;
  }
}

export function closedError(): QueueError {
  return makeError('QUEUE_CLOSED', 'the queue handle is closed');
}
