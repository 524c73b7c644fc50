/**
 * The trigger store: trigger state in the WorkTrain SQLite database (DESIGN §3) behind one class, composed
 * of stage modules — {@link admitCandidate} (dedupe + enqueue, exactly once), the delivery-id replay guard
 * (deliveries.ts), the event log (event-log.ts), poll state (poll-state.ts), group commit (group-commit.ts)
 * and the off-loop WAL fsync (wal-sync.ts). Also `openTriggerStore`.
 */
import { type Clock, err, ok, type Result, systemClock } from '@worktrain/contracts';
import { openWorktrainDatabase } from '@worktrain/queue';
import { type TriggerError, triggerError } from '../errors.js';
import { admitCandidate } from './admit.js';
import type { CheckpointResult } from './checkpointer.js';
import { purgeDeliveriesBefore, recordDeliveryId } from './deliveries.js';
import { appendEvent, listEvents, purgeEventsBefore } from './event-log.js';
import { type GroupCommitInfo, GroupCommitter } from './group-commit.js';
import { readPollState, writePollState } from './poll-state.js';
import { migrateTriggerSchema, TRIGGER_MIGRATION_SET } from './schema.js';
import { type Db, runImmediate, type Sql, statementCache, storeError } from './statements.js';
import type { AdmitInput, AdmitOutcome, PollState, TriggerEventKind, TriggerEventRecord } from './types.js';
import { WalSyncer } from './wal-sync.js';

export type {
  AdmitInput,
  AdmitOutcome,
  PollState,
  TriggerEventKind,
  TriggerEventRecord,
} from './types.js';
export { EMPTY_POLL_STATE } from './types.js';

/**
 * Trigger state in the WorkTrain SQLite database (DESIGN §3): poll cursors/ETags, dedupe keys, webhook
 * delivery ids and an event log, beside the queue's tables so that admitting a candidate (dedupe check,
 * enqueue, dedupe record, event) is one `BEGIN IMMEDIATE` transaction: exactly once, across restarts.
 */
export class TriggerStore {
  readonly #db: Db;
  readonly #owned: boolean;
  readonly #clock: Clock;
  readonly #sql: Sql;
  readonly #wal: WalSyncer;
  readonly #group: GroupCommitter;

  constructor(db: Db, owned: boolean, clock: Clock, options: TriggerStoreOptions = {}) {
    this.#db = db;
    this.#owned = owned;
    this.#clock = clock;
    this.#sql = statementCache(db);
    this.#wal = new WalSyncer(db, options.fsync ?? 'in-commit', options.onCheckpoint);
    this.#group = new GroupCommitter(db, this.#sql, this.#wal, options.onGroupCommit);
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
    return this.#group.batch(fn);
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
    this.#group.afterCommit(hook);
  }

  /** Number of shared transactions {@link batch} has committed so far (one per group commit). */
  get commitBatches(): number {
    return this.#group.commitBatches;
  }

  /** Number of {@link batch} calls those shared transactions carried (calls / batches = mean batch size). */
  get commitBatchCalls(): number {
    return this.#group.commitBatchCalls;
  }

  /** The underlying connection (shared with the queue opened on the same file). */
  get db(): Db {
    return this.#db;
  }

  /**
   * Admits one candidate: replayed delivery → duplicate; dedupe key seen within the window (unless its task
   * is dead: a dead task's item can be retried) or held by an unfinished task → duplicate; otherwise enqueues
   * and records the key, all in one transaction. Errors: STORE_IO (`details.queueCode` when the queue refused).
   */
  admit(input: AdmitInput): Result<AdmitOutcome, TriggerError> {
    return runImmediate(this.#db, () =>
      ok(admitCandidate({ db: this.#db, sql: this.#sql, clock: this.#clock }, input)),
    );
  }

  /** Records a delivery id outside an admit (events that were rejected); false when it was a replay. */
  recordDelivery(triggerId: string, deliveryId: string): Result<boolean, TriggerError> {
    return runImmediate(this.#db, () =>
      ok(recordDeliveryId(this.#sql, triggerId, deliveryId, this.#clock.now())),
    );
  }

  /** Appends an event to the trigger log. */
  recordEvent(
    triggerId: string,
    kind: TriggerEventKind,
    message: string,
    refs: { sourceId?: string | null; taskId?: string | null } = {},
  ): Result<void, TriggerError> {
    return runImmediate(this.#db, () => {
      appendEvent(this.#sql, {
        triggerId,
        kind,
        sourceId: refs.sourceId ?? null,
        taskId: refs.taskId ?? null,
        message,
        at: this.#clock.now(),
      });
      return ok(undefined);
    });
  }

  /** Events, oldest first; optionally of one trigger, after `afterSeq`. */
  listEvents(
    filter: { triggerId?: string; afterSeq?: number; limit?: number } = {},
  ): Result<TriggerEventRecord[], TriggerError> {
    try {
      return ok(listEvents(this.#sql, filter));
    } catch (thrown) {
      return err(storeError(thrown));
    }
  }

  getPollState(triggerId: string): Result<PollState, TriggerError> {
    try {
      return ok(readPollState(this.#sql, triggerId));
    } catch (thrown) {
      return err(storeError(thrown));
    }
  }

  putPollState(triggerId: string, state: PollState): Result<void, TriggerError> {
    return runImmediate(this.#db, () => {
      writePollState(this.#sql, triggerId, state, this.#clock.now());
      return ok(undefined);
    });
  }

  /** Deletes delivery ids older than `olderThanMs` (replays older than that are not detected). */
  purgeDeliveries(olderThanMs: number): Result<number, TriggerError> {
    return runImmediate(this.#db, () =>
      ok(purgeDeliveriesBefore(this.#sql, this.#clock.now() - olderThanMs)),
    );
  }

  /** Deletes trigger events older than `olderThanMs` (the audit trail's retention). */
  purgeEvents(olderThanMs: number): Result<number, TriggerError> {
    return runImmediate(this.#db, () => ok(purgeEventsBefore(this.#sql, this.#clock.now() - olderThanMs)));
  }

  close(): void {
    this.#wal.close();
    if (this.#owned && this.#db.open) this.#db.close();
  }
}

export interface TriggerStoreOptions {
  readonly clock?: Clock;
  /**
   * Called after each group commit of {@link TriggerStore.batch} is durable, with the number of calls it
   * carried, `durationMs` (statements + commit, in-commit fsync included when there is one: the event loop
   * is blocked for that long) and `syncMs` (commit → WAL fsync done, off the event loop; 0 with
   * `fsync: 'in-commit'`). For metrics and benchmarks; exceptions it throws are ignored.
   */
  readonly onGroupCommit?: (info: GroupCommitInfo) => void;
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
