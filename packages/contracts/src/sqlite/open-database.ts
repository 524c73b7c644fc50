import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { err, ok, type Result } from '../result.js';
import { type DatabaseError, databaseError, fromThrown } from './errors.js';
import {
  checkNotTooNew,
  MigrationAbort,
  type MigrationSet,
  migrateInTransaction,
  needsMigration,
  storeVersion,
} from './migrations.js';

type Db = Database.Database;

/** `PRAGMA application_id` of every WorkTrain database file: 0x57524B54, ASCII 'WRKT'. */
export const WORKTRAIN_APPLICATION_ID = 0x57524b54;

/** Connection settings; the defaults are DESIGN §3's. */
export interface ConnectionOptions {
  /** How long a statement waits for another connection's lock before DATABASE_LOCKED, ms. Default 5 000. */
  readonly busyTimeoutMs?: number;
  /** WAL size kept after a checkpoint, bytes. Default 64 MiB. */
  readonly journalSizeLimitBytes?: number;
}

/** Options of {@link prepareDatabase} (a connection someone already opened). */
export interface PrepareDatabaseOptions extends ConnectionOptions {
  /** The file's name in messages and `details.path`. */
  readonly path: string;
  /** The schemas to check (read-only) or bring up to date (writable), one set per store. */
  readonly migrations?: readonly MigrationSet[];
  /** Check only: no pragma that writes, no stamp, no migration. */
  readonly readOnly?: boolean;
  /**
   * `false` leaves the connection's pragmas as its opener set them: for a shared connection, e.g. a store
   * joining the caller's transaction (where `journal_mode` cannot be set). Default true.
   */
  readonly pragmas?: boolean;
  /** Time recorded with applied migrations, ms since epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions extends Omit<PrepareDatabaseOptions, 'path'> {
  /** The SQLite file, normally `$WORKTRAIN_HOME/worktrain.db`; created when missing unless `readOnly`. */
  readonly path: string;
}

/** An open, checked (and unless read-only, migrated) WorkTrain database. The caller closes `db`. */
export interface OpenedDatabase {
  readonly db: Db;
  readonly readOnly: boolean;
  /**
   * Schema version of each store named in `migrations`, after opening: the latest when writable; what the
   * file holds when read-only (0 when the store never used the file — its tables do not exist; lower than
   * the latest when an older WorkTrain wrote it: the caller decides whether it can read that).
   */
  readonly versions: Readonly<Record<string, number>>;
}

/**
 * Opens the WorkTrain database at `path` — the one way every store (session store, queue, triggers, agent
 * conversations, approvals) opens SQLite.
 *
 * Writable (default): creates the file if missing; sets DESIGN §3's pragmas on the connection
 * (`busy_timeout`, `journal_mode=WAL`, `synchronous=FULL` — a reopened WAL database silently starts at
 * NORMAL otherwise —, `foreign_keys=ON`, `journal_size_limit`); refuses a file that is not WorkTrain's
 * (another `application_id`, or tables without one); then, in one `BEGIN IMMEDIATE` transaction, stamps
 * `application_id` 0x57524B54 on an empty file and applies every pending migration of every set (all or
 * nothing; another process migrating at the same time is seen under the lock and not repeated).
 *
 * `readOnly: true` (read commands): never creates, stamps, migrates or writes; a missing file is
 * DATABASE_MISSING (callers report "nothing yet"). The main file stays byte-identical. WAL and its `-shm`
 * index: a SQLite connection must open the `-wal` and `-shm` files to read a WAL database, creating them
 * when absent, and a connection opened with SQLite's read-only flag can never remove them again (better-
 * sqlite3 12 / SQLite 3.53, checked by this module's tests). So when no `-wal` exists (no other connection
 * is open and none crashed), the file is opened read-write with `PRAGMA query_only=ON` set before the
 * first read — SQLite refuses every write on it — and SQLite itself deletes the `-wal`/`-shm` it made when
 * this last connection closes; nothing is left behind. When a `-wal` exists (a daemon has the file open, or
 * one crashed), the file is opened with SQLite's read-only flag (`readonly`, `fileMustExist`), which also
 * never checkpoints someone else's frames into the main file. If the read-write handle cannot be had
 * (permissions), the read-only flag is used too.
 *
 * Errors ({@link DatabaseError}): DATABASE_MISSING, DATABASE_FOREIGN, DATABASE_TOO_NEW (a store's version
 * is newer than its set), DATABASE_LOCKED, MIGRATION_REFUSED, MIGRATION_FAILED, DATABASE_IO.
 *
 * Why here: every store package (layers 1–3 of scripts/check-deps.mjs) may depend on
 * `@worktrain/contracts`, and on nothing else they all share (the session store and the queue are both
 * layer 1). It lives behind the `@worktrain/contracts/sqlite` subpath with better-sqlite3 as an optional
 * peer dependency, so the main entry (which the engine and the MCP server import) never loads native code.
 */
export function openDatabase(options: OpenDatabaseOptions): Result<OpenedDatabase, DatabaseError> {
  const { path } = options;
  const readOnly = options.readOnly ?? false;
  if (readOnly && !existsSync(path))
    return err(databaseError('DATABASE_MISSING', `${path} does not exist yet`, { path }));
  const opened = readOnly ? openReadOnly(path) : openWritable(path);
  if (opened.isErr()) return err(opened.error);
  const db = opened.value;
  const prepared = prepareDatabase(db, { ...options, readOnly });
  if (prepared.isErr()) {
    db.close();
    return err(prepared.error);
  }
  return ok({ db, readOnly, versions: prepared.value });
}

function openWritable(path: string): Result<Db, DatabaseError> {
  try {
    return ok(new Database(path));
  } catch (thrown) {
    return err(fromThrown(thrown, path, 'opening'));
  }
}

export function openReadOnly(path: string): Result<Db, DatabaseError> {
  if (!existsSync(`${path}-wal`)) {
    try {
      const db = new Database(path, { fileMustExist: true });
      db.pragma('query_only = ON');
      return ok(db);
    } catch {
      // No write permission on the file or its folder: SQLite's read-only flag below still reads it.
    }
  }
  try {
    return ok(new Database(path, { readonly: true, fileMustExist: true }));
  } catch (thrown) {
    if (!existsSync(path))
      return err(databaseError('DATABASE_MISSING', `${path} does not exist yet`, { path }));
    return err(fromThrown(thrown, path, 'opening'));
  }
}

/**
 * Sets the pragmas of DESIGN §3 on `db` (see {@link openDatabase}). Must not run inside a transaction
 * (`journal_mode` cannot change there). Throws what SQLite throws (SQLITE_NOTADB on a non-SQLite file).
 */
export function applyConnectionPragmas(db: Db, options: ConnectionOptions = {}): void {
  db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`journal_size_limit = ${Math.floor(options.journalSizeLimitBytes ?? 64 * 1024 * 1024)}`);
}

/**
 * {@link openDatabase}'s checks and migrations on a connection the caller already holds (e.g. the session
 * store's, shared with the queue and the conversation store): pragmas (writable only; `busy_timeout` always),
 * ownership, then the sets' migrations in one `BEGIN IMMEDIATE` transaction. Returns each set's version.
 * Must not run inside a transaction. Errors: as {@link openDatabase}, except DATABASE_MISSING.
 */
export function prepareDatabase(
  db: Db,
  options: PrepareDatabaseOptions,
): Result<Record<string, number>, DatabaseError> {
  const { path } = options;
  const sets = options.migrations ?? [];
  try {
    if (options.pragmas === false) {
      // The opener's settings stay.
    } else if (options.readOnly) db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
    else applyConnectionPragmas(db, options);
    const owner = checkOwnership(db, path);
    if (owner !== undefined) return err(owner);
    const versions: Record<string, number> = {};
    for (const set of sets) {
      const version = storeVersion(db, set);
      const tooNew = checkNotTooNew(path, set, version);
      if (tooNew !== undefined) return err(tooNew);
      versions[set.store] = version;
    }
    if (options.readOnly) return ok(versions);
    const stamped = Number(db.pragma('application_id', { simple: true })) === WORKTRAIN_APPLICATION_ID;
    if (stamped && !sets.some((set) => needsMigration(db, set))) return ok(versions);
    const now = options.now ?? Date.now;
    return ok(
      db
        .transaction(() => {
          // Re-checked under the write lock: another process may have claimed or migrated the file meanwhile.
          const again = checkOwnership(db, path);
          if (again !== undefined) throw new MigrationAbort(again);
          if (Number(db.pragma('application_id', { simple: true })) === 0)
            db.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
          const migrated: Record<string, number> = {};
          for (const set of sets) migrated[set.store] = migrateInTransaction(db, path, set, now());
          return migrated;
        })
        .immediate(),
    );
  } catch (thrown) {
    if (thrown instanceof MigrationAbort) return err(thrown.error);
    return err(fromThrown(thrown, path, 'preparing'));
  }
}

/** WorkTrain's `application_id`, or 0 on a file without objects (a new file, which the caller stamps). */
function checkOwnership(db: Db, path: string): DatabaseError | undefined {
  const applicationId = Number(db.pragma('application_id', { simple: true }));
  if (applicationId === WORKTRAIN_APPLICATION_ID) return undefined;
  const { n } = db
    .prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
    .get() as {
    n: number;
  };
  if (applicationId === 0 && n === 0) return undefined;
  const why =
    applicationId === 0
      ? `it already holds ${n} tables or indexes but no WorkTrain application_id`
      : `its application_id is 0x${applicationId.toString(16)}, not 0x57524b54 ('WRKT')`;
  return databaseError(
    'DATABASE_FOREIGN',
    `${path} is not a WorkTrain database (${why}); point WorkTrain at its own worktrain.db or an empty file`,
    { path, applicationId, objects: n },
  );
}
