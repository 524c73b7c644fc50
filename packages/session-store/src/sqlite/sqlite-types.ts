import type { Clock, IdGenerator, Logger, Result, SessionEvent } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import type {
  AppendInput,
  AppendResult,
  ReadEventsOptions,
  SessionStore,
  SessionStoreError,
} from '../port.js';

/** Options shared by both ways of opening the SQLite store. */
export interface SqliteSessionStoreCommonOptions {
  /** Source of event times (`at`, ms since epoch). Default: the system clock. */
  readonly clock?: Clock;
  /** Source of event ids (`evt_…`). Default: random ids. */
  readonly ids?: IdGenerator;
  /** Structured logger (storage errors, subscriber failures). Default: silent. */
  readonly logger?: Logger;
  /** Largest accepted event, UTF-8 bytes of kind + data JSON. Default 1 MiB (1 048 576). */
  readonly maxEventBytes?: number;
}

/**
 * Options of {@link createSqliteSessionStore}: either a file `path` (the store opens and owns the
 * connection; `readonly: true` opens it read-only, e.g. for `sessions verify`) or an open better-sqlite3
 * `database` shared with other packages (the caller owns it and closes it; the store still sets its pragmas).
 */
export type SqliteSessionStoreOptions = SqliteSessionStoreCommonOptions &
  ({ readonly path: string; readonly readonly?: boolean } | { readonly database: Database.Database });

/** The SQLite store: the {@link SessionStore} port plus synchronous access for atomic multi-table writes. */
export interface SqliteSessionStore extends SessionStore {
  /**
   * Synchronous twin of `append` (same rules and errors). Called outside a transaction it runs its own
   * `BEGIN IMMEDIATE` transaction. Called inside a caller's `database.transaction(fn).immediate()` it joins
   * that transaction (as a savepoint), so events and e.g. a queued task commit or roll back together;
   * subscribers are then notified once the outer transaction has committed (and never if it rolled back).
   */
  appendSync(input: AppendInput): Result<AppendResult, SessionStoreError>;
  /** Synchronous twin of `readEvents` (usable inside a caller's transaction). */
  readEventsSync(
    sessionId: string,
    options?: ReadEventsOptions,
  ): Result<readonly SessionEvent[], SessionStoreError>;
  /** The underlying connection, for callers composing transactions with {@link appendSync}. */
  readonly database: Database.Database;
}
