import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Clock, describeThrown, err, ok, type Result, systemClock } from '@worktrain/contracts';
import { type EnqueueInput, enqueueSync, openWorktrainDatabase, taskStateSync } from '@worktrain/queue';
import type Database from 'better-sqlite3';
import { type TriggerError, triggerError } from '../errors.js';
import type { PollCursor } from '../provider.js';
import { BackgroundCheckpointer, type CheckpointResult } from './checkpointer.js';
import { migrateTriggerSchema, TRIGGER_MIGRATION_SET } from './schema.js';

type Db = Database.Database;

/** Persisted state of one trigger's poller or schedule. Times are ms epoch. */
export interface PollState extends PollCursor {
  readonly lastRunAt: number | null;
  readonly lastOkAt: number | null;
  readonly lastError: string | null;
  /** Consecutive failed runs (drives the backoff). */
  readonly failures: number;
  readonly nextRunAt: number | null;
  /** Set when the source answered 401/403; the poller stays off until the config changes. */
  readonly disabledReason: string | null;
  /** Fingerprint of the trigger config in force when it was disabled; a different config re-enables it. */
  readonly disabledConfig: string | null;
  /** The task created by the last run (schedules use it for overlap detection). */
  readonly lastTaskId: string | null;
}

export const EMPTY_POLL_STATE: PollState = {
  cursor: null,
  etags: {},
  lastRunAt: null,
  lastOkAt: null,
  lastError: null,
  failures: 0,
  nextRunAt: null,
  disabledReason: null,
  disabledConfig: null,
  lastTaskId: null,
};

/** Kinds of recorded trigger events (the audit trail of what each trigger did and why). */
export type TriggerEventKind =
  | 'enqueued'
  | 'duplicate'
  | 'rejected'
  | 'skipped'
  | 'error'
  | 'poll_error'
  | 'disabled'
  | 'reloaded';

export interface TriggerEventRecord {
  readonly seq: number;
  readonly triggerId: string;
  readonly at: number;
  readonly kind: TriggerEventKind;
  readonly sourceId: string | null;
  readonly taskId: string | null;
  readonly message: string;
}

export interface AdmitInput {
  readonly triggerId: string;
  readonly sourceId: string;
  /** Webhook delivery id; a second admit with the same (trigger, delivery id) is a replay. */
  readonly deliveryId: string | null;
  /** `<workflowId>:<sourceId>`: the same item for the same workflow makes one task. */
  readonly dedupeKey: string;
  /** A key seen less than this many ms ago is a duplicate even when its task has finished. */
  readonly dedupeWindowMs: number;
  readonly enqueue: EnqueueInput;
  /** State written in the same transaction (schedules: the tick just fired). */
  readonly pollState?: PollState;
}

export type AdmitOutcome =
  | { readonly status: 'enqueued'; readonly taskId: string }
  | { readonly status: 'duplicate'; readonly taskId: string | null; readonly reason: string };

/**
 * Trigger state in the WorkTrain SQLite database (DESIGN §3): poll cursors/ETags, dedupe keys, webhook
 * delivery ids and an event log, beside the queue's tables so that admitting a candidate (dedupe check,
 * enqueue, dedupe record, event) is one `BEGIN IMMEDIATE` transaction: exactly once, across restarts.
 */
export class TriggerStore {
  readonly #db: Db;
  readonly #owned: boolean;
  readonly #clock: Clock;

  readonly #pending: Array<{
    run: () => Result<unknown, TriggerError>;
    resolve: (r: Result<unknown, TriggerError>) => void;
  }> = [];
  #flushScheduled = false;
  /** Post-commit hooks of the `batch` call running now (null outside a batch flush). */
  #hooks: Array<() => void> | null = null;
  #commitBatches = 0;
  #commitBatchCalls = 0;
  readonly #statements = new Map<string, Database.Statement>();

  /** Prepared statements are cached: preparing costs more than running these small queries. */
  #sql(source: string): Database.Statement {
    let stmt = this.#statements.get(source);
    if (stmt === undefined) {
      stmt = this.#db.prepare(source);
      this.#statements.set(source, stmt);
    }
    return stmt;
  }

  readonly #onGroupCommit: TriggerStoreOptions['onGroupCommit'];
  readonly #fsyncMode: 'off-loop' | 'in-commit';
  readonly #onCheckpoint: TriggerStoreOptions['onCheckpoint'];
  #walTarget: WalTarget | null | undefined = undefined;
  #checkpointer: BackgroundCheckpointer | null = null;
  #lastCheckpointRequest = 0;
  #syncing = false;
  readonly #syncWaiters: Array<(error: unknown) => void> = [];
  #walIno: number | null = null;

  constructor(db: Db, owned: boolean, clock: Clock, options: TriggerStoreOptions = {}) {
    this.#db = db;
    this.#owned = owned;
    this.#clock = clock;
    this.#onGroupCommit = options.onGroupCommit;
    this.#fsyncMode = options.fsync ?? 'in-commit';
    this.#onCheckpoint = options.onCheckpoint;
  }

  /**
   * Group commit: runs `fn` (any mix of this store's calls, e.g. a router dispatch) inside one shared
   * `BEGIN IMMEDIATE` transaction with every other `batch` call made before the next turn of the event
   * loop, each in its own savepoint: a call whose `fn` throws rolls back alone (its promise resolves to
   * STORE_IO, its {@link afterCommit} hooks are dropped) and the others still commit; a call whose `fn`
   * returns an error keeps whatever its store calls committed (each store call is its own savepoint).
   * Resolves after the commit AND the fsync of the WAL holding it (see {@link TriggerStoreOptions.fsync}), so a
   * resolved ok is durable; the {@link afterCommit} hooks registered by `fn` run just before. If the shared
   * transaction cannot begin or commit, every call resolves to STORE_IO and no hook runs. This is how
   * webhook intake exceeds the disk's fsync'd-commit rate.
   */
  batch<T>(fn: () => Result<T, TriggerError>): Promise<Result<T, TriggerError>> {
    return new Promise((resolve) => {
      this.#pending.push({
        run: fn,
        // The entry's result is the one `fn` returned (or the commit's failure), so the narrowing is exact.
        resolve: (r) => resolve(r as Result<T, TriggerError>),
      });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /**
   * Registers `hook` to run once the writes the caller has made so far through this store are committed:
   * - inside a {@link batch} callback: after the shared transaction has committed and (with `fsync:
   *   'off-loop'`) its WAL fsync has finished, before any caller of that batch is resolved, in registration
   *   order. Never if that callback's savepoint or the whole shared transaction rolls back. If the off-loop
   *   fsync fails the hooks still run (the rows are committed and visible to every connection; only the
   *   acknowledgement is withheld, and a retry is absorbed by dedupe).
   * - anywhere else: at once, synchronously, because every store call outside a batch commits before it
   *   returns. (A transaction the caller opened itself on the shared connection is invisible to the store:
   *   do not register hooks from inside one.)
   * For side effects that must not see uncommitted state, e.g. waking workers that claim through another
   * connection. Exceptions a hook throws are ignored: the commit has happened and every caller is answered.
   */
  afterCommit(hook: () => void): void {
    if (this.#hooks !== null) this.#hooks.push(hook);
    else runHook(hook);
  }

  /** Number of shared transactions {@link batch} has committed so far (one per group commit). */
  get commitBatches(): number {
    return this.#commitBatches;
  }

  /** Number of {@link batch} calls those shared transactions carried (calls / batches = mean batch size). */
  get commitBatchCalls(): number {
    return this.#commitBatchCalls;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const items = this.#pending.splice(0);
    if (items.length === 0) return;
    let results: Array<Result<unknown, TriggerError>>;
    // Post-commit hooks of the calls whose savepoints were released, in call order.
    const hooks: Array<() => void> = [];
    const started = performance.now();
    // Commits keep running while an fsync is in flight (their statements overlap the disk wait; holding
    // them until the fsync ends was measured slower: p50 870-920 ms vs 22-100 ms under CI load).
    const wal = this.#walSyncTarget();
    try {
      // Off-loop fsync: commit without SQLite's own fsync, then fsync the WAL file on the thread pool before
      // anyone is answered (see TriggerStoreOptions.fsync). The connection's level is restored at once, so
      // every other transaction on it keeps SQLite's own fsync.
      // The checkpoint SQLite would run inside this COMMIT (every wal_autocheckpoint pages) runs on the
      // background checkpointer instead, unless that one is gone or lags far behind (then SQLite's own
      // auto-checkpoint bounds the WAL, as before).
      const bg = wal !== null && this.#backgroundCheckpoints(wal);
      if (wal !== null) this.#sql('PRAGMA synchronous = NORMAL').run();
      if (bg) this.#sql('PRAGMA wal_autocheckpoint = 0').run();
      try {
        const runItem = (item: (typeof items)[number]): Result<unknown, TriggerError> => {
          const own: Array<() => void> = [];
          this.#hooks = own;
          try {
            // Nested: a savepoint, released into the shared transaction or rolled back alone.
            const r = this.#db.transaction(item.run)();
            hooks.push(...own);
            return r;
          } catch (thrown) {
            // SQLite may have rolled back the whole transaction (e.g. SQLITE_FULL): then the batch fails.
            if (!this.#db.inTransaction) throw thrown;
            return err(storeError(thrown));
          } finally {
            this.#hooks = null;
          }
        };
        results = this.#db.transaction(() => items.map(runItem)).immediate();
      } finally {
        if (wal !== null) this.#sql(`PRAGMA synchronous = ${wal.level}`).run();
        if (bg && wal !== null) this.#sql(`PRAGMA wal_autocheckpoint = ${wal.autocheckpoint}`).run();
      }
    } catch (thrown) {
      const e = storeError(thrown);
      for (const item of items) item.resolve(err(e));
      return;
    }
    const committed = performance.now();
    this.#commitBatches += 1;
    this.#commitBatchCalls += items.length;
    const finish = (syncError: unknown) => {
      try {
        this.#onGroupCommit?.({
          calls: items.length,
          durationMs: committed - started,
          syncMs: wal === null ? 0 : performance.now() - committed,
        });
      } catch {
        // A metrics hook must never fail an intake.
      }
      for (const hook of hooks) runHook(hook);
      if (syncError !== null) {
        // Committed but not known to be durable: nobody is acknowledged (senders retry; dedupe absorbs it).
        const e = triggerError(
          'STORE_IO',
          `fsync of the write-ahead log failed: ${describeThrown(syncError)}`,
        );
        for (const item of items) item.resolve(err(e));
        return;
      }
      for (const [i, item] of items.entries())
        item.resolve(results[i] ?? err(triggerError('STORE_IO', 'missing batch result')));
    };
    if (wal === null) finish(null);
    else this.#syncWal(wal.path, finish);
  }

  /**
   * Where and how to fsync off the event loop: the connection's `-wal` file and its synchronous level, or
   * null (in-commit fsync) when disabled, in memory, not in WAL mode, or below synchronous=FULL (then
   * SQLite's own setting is kept as it is).
   */
  #walSyncTarget(): WalTarget | null {
    if (this.#walTarget !== undefined) return this.#walTarget;
    let target: WalTarget | null = null;
    if (this.#fsyncMode === 'off-loop' && !this.#db.memory && this.#db.name !== '') {
      const mode = String(this.#db.pragma('journal_mode', { simple: true })).toLowerCase();
      const level = Number(this.#db.pragma('synchronous', { simple: true }));
      const autocheckpoint = Number(this.#db.pragma('wal_autocheckpoint', { simple: true }));
      if (mode === 'wal' && level >= 2) {
        target = { path: `${this.#db.name}-wal`, level, autocheckpoint };
        if (autocheckpoint > 0)
          this.#checkpointer = new BackgroundCheckpointer(this.#db.name, (r) => {
            try {
              this.#onCheckpoint?.(r);
            } catch {
              // A metrics hook must never fail an intake.
            }
          });
      }
    }
    this.#walTarget = target;
    return target;
  }

  /** True when this commit leaves checkpoints to the background checkpointer. */
  #backgroundCheckpoints(wal: WalTarget): boolean {
    const c = this.#checkpointer;
    if (c === null || !c.usable) return false;
    const last = c.last;
    // Far behind (readers pinning frames, or a failing checkpoint): let SQLite checkpoint in the commit.
    return !(last !== null && (!last.ok || last.log > 4 * wal.autocheckpoint));
  }

  /** After an fsync: a passive background checkpoint at most every 500 ms (each costs two fsyncs competing with the intake's); no-op while one runs. */
  #maybeCheckpoint(): void {
    const c = this.#checkpointer;
    if (c === null) return;
    const now = performance.now();
    if (now - this.#lastCheckpointRequest < 500) return;
    this.#lastCheckpointRequest = now;
    c.request();
  }

  /**
   * Calls `done` once an fsync of the WAL file that STARTED after this call has finished: one fsync in
   * flight at a time, and every commit made while it runs waits for the next one (fsync covers the whole
   * file, so one fsync makes every earlier commit durable). A new WAL file (first use, or recreated)
   * also has its directory fsynced, so the file itself survives a power loss.
   */
  #syncWal(path: string, done: (error: unknown) => void): void {
    this.#syncWaiters.push(done);
    if (!this.#syncing) this.#startSync(path);
  }

  #startSync(path: string): void {
    this.#syncing = true;
    const waiters = this.#syncWaiters.splice(0);
    void this.#fsyncWal(path).then((failure) => {
      this.#syncing = false;
      this.#maybeCheckpoint();
      for (const w of waiters) w(failure);
      if (this.#syncWaiters.length > 0) this.#startSync(path);
    });
  }

  /** fsync of the WAL file (and of its directory the first time this file is seen); the error or null. */
  async #fsyncWal(path: string): Promise<unknown> {
    try {
      const fh = await open(path, 'r');
      try {
        // fdatasync, as SQLite uses on Linux: the frames and the file size, without the mtime journal write.
        await fh.datasync();
        const { ino } = await fh.stat();
        if (ino !== this.#walIno) {
          const dir = await open(dirname(path), 'r');
          try {
            await dir.sync();
          } finally {
            await dir.close();
          }
          this.#walIno = ino;
        }
      } finally {
        await fh.close();
      }
      return null;
    } catch (thrown) {
      return thrown;
    }
  }

  /** The underlying connection (shared with the queue opened on the same file). */
  get db(): Db {
    return this.#db;
  }

  /**
   * Admits one candidate: replayed delivery → duplicate; dedupe key seen within the window (unless its task
   * is dead: a dead task's item can be retried) or held by an unfinished task → duplicate; otherwise enqueues
   * and records the key, all in one transaction.
   */
  admit(input: AdmitInput): Result<AdmitOutcome, TriggerError> {
    const now = this.#clock.now();
    const db = this.#db;
    return this.#tx(() => {
      if (input.deliveryId !== null) {
        const fresh = this.#sql(
          'INSERT INTO trigger_deliveries(trigger_id, delivery_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        ).run(input.triggerId, input.deliveryId, now);
        if (fresh.changes === 0)
          return ok(this.#duplicate(input, null, `delivery ${input.deliveryId} was already received`, now));
      }
      const seen = this.#sql('SELECT task_id, last_seen_at FROM trigger_dedupe WHERE dedupe_key = ?').get(
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
        this.#sql('UPDATE trigger_dedupe SET last_seen_at = ? WHERE dedupe_key = ?').run(
          now,
          input.dedupeKey,
        );
        return ok(this.#duplicate(input, seen.task_id, `${input.sourceId} already made a task`, now));
      }
      const enq = enqueueSync(db, { ...input.enqueue, dedupeKey: input.dedupeKey }, { clock: this.#clock });
      if (enq.isErr()) throw new EnqueueRefused(enq.error.code, enq.error.message);
      const taskId = enq.value.task.id;
      this.#sql(
        `INSERT INTO trigger_dedupe(dedupe_key, task_id, trigger_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(dedupe_key) DO UPDATE SET task_id = excluded.task_id, trigger_id = excluded.trigger_id,
           first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at`,
      ).run(input.dedupeKey, taskId, input.triggerId, now, now);
      if (input.pollState !== undefined)
        this.#putPollState(input.triggerId, { ...input.pollState, lastTaskId: taskId });
      if (!enq.value.created)
        return ok(this.#duplicate(input, taskId, `${input.sourceId} has an unfinished task`, now));
      this.#event(
        input.triggerId,
        'enqueued',
        input.sourceId,
        taskId,
        `enqueued on ${input.enqueue.queue}`,
        now,
      );
      return ok({ status: 'enqueued', taskId });
    });
  }

  /** Records a delivery id outside an admit (events that were rejected); false when it was a replay. */
  recordDelivery(triggerId: string, deliveryId: string): Result<boolean, TriggerError> {
    return this.#tx(() => {
      const r = this.#sql(
        'INSERT INTO trigger_deliveries(trigger_id, delivery_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(triggerId, deliveryId, this.#clock.now());
      return ok(r.changes === 1);
    });
  }

  /** Appends an event to the trigger log. */
  recordEvent(
    triggerId: string,
    kind: TriggerEventKind,
    message: string,
    refs: { sourceId?: string | null; taskId?: string | null } = {},
  ): Result<void, TriggerError> {
    return this.#tx(() => {
      this.#event(triggerId, kind, refs.sourceId ?? null, refs.taskId ?? null, message, this.#clock.now());
      return ok(undefined);
    });
  }

  /** Events, oldest first; optionally of one trigger, after `afterSeq`. */
  listEvents(
    filter: { triggerId?: string; afterSeq?: number; limit?: number } = {},
  ): Result<TriggerEventRecord[], TriggerError> {
    try {
      const rows = this.#sql(
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
      return ok(
        rows.map((r) => ({
          seq: r.seq,
          triggerId: r.trigger_id,
          at: r.at,
          kind: r.kind,
          sourceId: r.source_id,
          taskId: r.task_id,
          message: r.message,
        })),
      );
    } catch (thrown) {
      return err(storeError(thrown));
    }
  }

  getPollState(triggerId: string): Result<PollState, TriggerError> {
    try {
      const row = this.#sql('SELECT * FROM trigger_poll_state WHERE trigger_id = ?').get(triggerId) as
        | {
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
        | undefined;
      if (row === undefined) return ok(EMPTY_POLL_STATE);
      const etags: unknown = JSON.parse(row.etags);
      return ok({
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
      });
    } catch (thrown) {
      return err(storeError(thrown));
    }
  }

  putPollState(triggerId: string, state: PollState): Result<void, TriggerError> {
    return this.#tx(() => {
      this.#putPollState(triggerId, state);
      return ok(undefined);
    });
  }

  /** Deletes delivery ids older than `olderThanMs` (replays older than that are not detected). */
  purgeDeliveries(olderThanMs: number): Result<number, TriggerError> {
    return this.#tx(() =>
      ok(
        this.#sql('DELETE FROM trigger_deliveries WHERE received_at < ?').run(this.#clock.now() - olderThanMs)
          .changes,
      ),
    );
  }

  /** Deletes trigger events older than `olderThanMs` (the audit trail's retention). */
  purgeEvents(olderThanMs: number): Result<number, TriggerError> {
    return this.#tx(() =>
      ok(this.#sql('DELETE FROM trigger_events WHERE at < ?').run(this.#clock.now() - olderThanMs).changes),
    );
  }

  close(): void {
    this.#checkpointer?.close();
    if (this.#owned && this.#db.open) this.#db.close();
  }

  #putPollState(triggerId: string, s: PollState): void {
    this.#sql(
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
      this.#clock.now(),
    );
  }

  #duplicate(input: AdmitInput, taskId: string | null, reason: string, now: number): AdmitOutcome {
    this.#event(input.triggerId, 'duplicate', input.sourceId, taskId, reason, now);
    return { status: 'duplicate', taskId, reason };
  }

  #event(
    triggerId: string,
    kind: TriggerEventKind,
    sourceId: string | null,
    taskId: string | null,
    message: string,
    at: number,
  ): void {
    this.#sql(
      'INSERT INTO trigger_events(trigger_id, at, kind, source_id, task_id, message) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(triggerId, at, kind, sourceId, taskId, message);
  }

  #tx<T>(fn: () => Result<T, TriggerError>): Result<T, TriggerError> {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (thrown) {
      if (thrown instanceof EnqueueRefused)
        return err(
          triggerError('STORE_IO', `the queue refused the task: ${thrown.message}`, {
            queueCode: thrown.code,
          }),
        );
      return err(storeError(thrown));
    }
  }
}

/** The WAL file to fsync off the event loop and the connection's own levels, restored after each batch. */
interface WalTarget {
  readonly path: string;
  /** PRAGMA synchronous of the connection (2 FULL, 3 EXTRA). */
  readonly level: number;
  /** PRAGMA wal_autocheckpoint of the connection, pages (0: off; then no background checkpoints). */
  readonly autocheckpoint: number;
}

/** Thrown inside a transaction to roll it back when the queue refuses a task. */
class EnqueueRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function runHook(hook: () => void): void {
  try {
    hook();
  } catch {
    // A post-commit hook must never fail an intake: the commit has happened.
  }
}

function storeError(thrown: unknown): TriggerError {
  return triggerError('STORE_IO', `trigger state database failed: ${describeThrown(thrown)}`);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

export interface TriggerStoreOptions {
  readonly clock?: Clock;
  /**
   * Called after each group commit of {@link TriggerStore.batch} is durable, with the number of calls it
   * carried, `durationMs` (statements + commit, in-commit fsync included when there is one: the event loop
   * is blocked for that long) and `syncMs` (commit → WAL fsync done, off the event loop; 0 with
   * `fsync: 'in-commit'`). For metrics and benchmarks; exceptions it throws are ignored.
   */
  readonly onGroupCommit?: (info: {
    readonly calls: number;
    readonly durationMs: number;
    readonly syncMs: number;
  }) => void;
  /**
   * Where {@link TriggerStore.batch} waits for the disk. `'in-commit'` (default, DESIGN §3: synchronous=FULL on
   * every connection): SQLite's own fsync inside COMMIT (blocks the event loop for the fsync).
   * `'off-loop'` (opt-in, experimental): the shared transaction
   * commits with `synchronous=NORMAL` (no fsync inside SQLite), then the `-wal` file is fsynced on libuv's
   * thread pool and only then is any caller resolved — the same guarantee as synchronous=FULL (an
   * acknowledged webhook's commit record is on disk; SQLite fsyncs the WAL before every checkpoint, so the
   * WAL never loses a frame to one), but the event loop keeps reading requests while the disk works, and
   * commits made meanwhile share the next fsync. Only applies to a file database in WAL mode at synchronous=FULL or EXTRA;
   * otherwise the connection's own setting is used as it is. Other transactions on the connection always
   * keep SQLite's own fsync. With `'off-loop'` the WAL checkpoint SQLite would run inside a batch COMMIT
   * (every `wal_autocheckpoint` pages) runs instead as a PASSIVE checkpoint on a worker thread with its own
   * connection (at most every 500 ms); if that one fails or lags beyond 4 × wal_autocheckpoint pages, the
   * commit checkpoints as SQLite would.
   */
  readonly fsync?: 'off-loop' | 'in-commit';
  /** Called with each background checkpoint's outcome (`'off-loop'` only). For metrics and tests. */
  readonly onCheckpoint?: (result: CheckpointResult) => void;
}

/**
 * Opens the trigger store on the WorkTrain database at `path` (created if missing; WAL, synchronous=FULL,
 * application_id 0x57524B54, queue and trigger migrations applied), or on an already open connection.
 * Errors: STORE_IO (with `details.queueCode` NOT_A_WORKTRAIN_DATABASE for a foreign file).
 */
export function openTriggerStore(
  target: { readonly path: string } | { readonly db: Db },
  options: TriggerStoreOptions = {},
): Result<TriggerStore, TriggerError> {
  const clock = options.clock ?? systemClock;
  let db: Db;
  let owned = false;
  if ('db' in target) db = target.db;
  else {
    // One transaction creates or upgrades the queue's and the trigger tables (the SQLite foundation's open).
    const opened = openWorktrainDatabase(target.path, { migrations: [TRIGGER_MIGRATION_SET] });
    if (opened.isErr())
      return err(
        triggerError('STORE_IO', opened.error.message, { queueCode: opened.error.code, path: target.path }),
      );
    db = opened.value;
    owned = true;
  }
  const m = migrateTriggerSchema(db, clock.now());
  if (m.isErr()) {
    if (owned) db.close();
    return err(m.error);
  }
  return ok(new TriggerStore(db, owned, clock, options));
}
