/**
 * Group commit: store calls made in the same turn of the event loop share one `BEGIN IMMEDIATE`
 * transaction, each in its own savepoint, and are answered together once the commit is durable (SQLite's
 * own fsync, or the off-loop WAL fsync of {@link WalSyncer}). Also the post-commit hook registry
 * (`afterCommit`). This is how webhook intake exceeds the disk's fsync'd-commit rate.
 */
import { performance } from 'node:perf_hooks';
import { describeThrown, err, type Result } from '@worktrain/contracts';
import { type TriggerError, triggerError } from '../errors.js';
import { type Db, type Sql, storeError } from './statements.js';
import type { WalSyncer } from './wal-sync.js';

/** One group commit, reported once it is durable. */
export interface GroupCommitInfo {
  /** {@link GroupCommitter.batch} calls it carried. */
  readonly calls: number;
  /** Statements + commit, in-commit fsync included when there is one (the event loop was blocked this long), ms. */
  readonly durationMs: number;
  /** Commit → WAL fsync done, off the event loop, ms; 0 with in-commit fsync. */
  readonly syncMs: number;
}

interface Pending {
  run: () => Result<unknown, TriggerError>;
  resolve: (r: Result<unknown, TriggerError>) => void;
}

export class GroupCommitter {
  readonly #db: Db;
  readonly #sql: Sql;
  readonly #wal: WalSyncer;
  readonly #onGroupCommit: ((info: GroupCommitInfo) => void) | undefined;
  readonly #pending: Pending[] = [];
  #flushScheduled = false;
  /** Post-commit hooks of the `batch` call running now (null outside a batch flush). */
  #hooks: Array<() => void> | null = null;
  #commitBatches = 0;
  #commitBatchCalls = 0;

  /** `onGroupCommit` is a metrics hook; exceptions it throws are ignored. */
  constructor(db: Db, sql: Sql, wal: WalSyncer, onGroupCommit?: (info: GroupCommitInfo) => void) {
    this.#db = db;
    this.#sql = sql;
    this.#wal = wal;
    this.#onGroupCommit = onGroupCommit;
  }

  /** See `TriggerStore.batch`: resolves with `fn`'s result once the shared commit is durable. */
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

  /** See `TriggerStore.afterCommit`: queued inside a batch callback, run at once anywhere else. */
  afterCommit(hook: () => void): void {
    if (this.#hooks !== null) this.#hooks.push(hook);
    else runHook(hook);
  }

  /** Shared transactions committed so far (one per group commit). */
  get commitBatches(): number {
    return this.#commitBatches;
  }

  /** {@link batch} calls those shared transactions carried. */
  get commitBatchCalls(): number {
    return this.#commitBatchCalls;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const items = this.#pending.splice(0);
    if (items.length === 0) return;
    // Post-commit hooks of the calls whose savepoints were released, in call order.
    const hooks: Array<() => void> = [];
    const started = performance.now();
    // Commits keep running while an fsync is in flight (their statements overlap the disk wait; holding
    // them until the fsync ends was measured slower: p50 870-920 ms vs 22-100 ms under CI load).
    const wal = this.#wal.target();
    let results: Array<Result<unknown, TriggerError>>;
    try {
      results = this.#commit(items, hooks, wal);
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
    else this.#wal.sync(wal.path, finish);
  }

  /**
   * The shared transaction: each item in its savepoint, its hooks collected into `hooks` when it is
   * released. Throws when the transaction cannot begin or commit (then every item fails).
   */
  #commit(
    items: readonly Pending[],
    hooks: Array<() => void>,
    wal: ReturnType<WalSyncer['target']>,
  ): Array<Result<unknown, TriggerError>> {
    // Off-loop fsync: commit without SQLite's own fsync, then fsync the WAL file on the thread pool before
    // anyone is answered. The connection's level is restored at once, so every other transaction on it
    // keeps SQLite's own fsync. The checkpoint SQLite would run inside this COMMIT (every
    // wal_autocheckpoint pages) runs on the background checkpointer instead, unless that one is gone or
    // lags far behind (then SQLite's own auto-checkpoint bounds the WAL, as before).
    const bg = wal !== null && this.#wal.backgroundCheckpoints(wal);
    if (wal !== null) this.#sql('PRAGMA synchronous = NORMAL').run();
    if (bg) this.#sql('PRAGMA wal_autocheckpoint = 0').run();
    try {
      const runItem = (item: Pending): Result<unknown, TriggerError> => {
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
      return this.#db.transaction(() => items.map(runItem)).immediate();
    } finally {
      if (wal !== null) this.#sql(`PRAGMA synchronous = ${wal.level}`).run();
      if (bg && wal !== null) this.#sql(`PRAGMA wal_autocheckpoint = ${wal.autocheckpoint}`).run();
    }
  }
}

function runHook(hook: () => void): void {
  try {
    hook();
  } catch {
    // A post-commit hook must never fail an intake: the commit has happened.
  }
}
