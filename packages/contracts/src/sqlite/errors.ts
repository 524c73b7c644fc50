import { describeThrown, makeError, type WorkTrainError } from '../errors.js';

/**
 * Codes of {@link DatabaseError}, the errors of `openDatabase`, `prepareDatabase` and `inspectDatabase`:
 * - DATABASE_MISSING: `readOnly` (or inspect) and no file at the path (details.path). Read commands treat
 *   it as "nothing yet".
 * - DATABASE_FOREIGN: the file is not a WorkTrain database: not SQLite at all, another application's
 *   `application_id`, or tables without WorkTrain's id (details: path, applicationId?, objects?).
 * - DATABASE_TOO_NEW: a store's schema is newer than this code knows (details: store, version, supported).
 * - DATABASE_LOCKED: another connection held the lock past `busy_timeout` (details.sqliteCode).
 * - MIGRATION_REFUSED: a migration's precheck refused the file; nothing was applied (details: store,
 *   version, plus the precheck's own details).
 * - MIGRATION_FAILED: a migration's SQL failed; nothing of this run was applied (details: store, version,
 *   sqliteCode?).
 * - DATABASE_IO: anything else SQLite or the file system reported (details: sqliteCode?, path).
 */
export type DatabaseErrorCode =
  | 'DATABASE_MISSING'
  | 'DATABASE_FOREIGN'
  | 'DATABASE_TOO_NEW'
  | 'DATABASE_LOCKED'
  | 'MIGRATION_REFUSED'
  | 'MIGRATION_FAILED'
  | 'DATABASE_IO';

export type DatabaseError = WorkTrainError<DatabaseErrorCode>;

export function databaseError(
  code: DatabaseErrorCode,
  message: string,
  details?: Record<string, unknown>,
): DatabaseError {
  return makeError(code, message, details);
}

/** The `code` of a better-sqlite3 `SqliteError` (`SQLITE_BUSY`, `SQLITE_NOTADB`, …), or undefined. */
export function sqliteCodeOf(thrown: unknown): string | undefined {
  if (!(thrown instanceof Error) || !('code' in thrown)) return undefined;
  const code = thrown.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Maps an exception thrown while opening or preparing `path` onto a {@link DatabaseError}:
 * SQLITE_BUSY* → DATABASE_LOCKED, SQLITE_NOTADB → DATABASE_FOREIGN, anything else → DATABASE_IO.
 */
export function fromThrown(thrown: unknown, path: string, what: string): DatabaseError {
  const sqliteCode = sqliteCodeOf(thrown);
  const details = { path, ...(sqliteCode === undefined ? {} : { sqliteCode }) };
  if (sqliteCode?.startsWith('SQLITE_BUSY'))
    return databaseError(
      'DATABASE_LOCKED',
      `${path} stayed locked by another connection while ${what}; retry, or stop the process holding it`,
      details,
    );
  if (sqliteCode === 'SQLITE_NOTADB')
    return databaseError(
      'DATABASE_FOREIGN',
      `${path} is not a WorkTrain database (not a SQLite file at all); point WorkTrain at its own worktrain.db or an empty file`,
      details,
    );
  return databaseError('DATABASE_IO', `${what} ${path} failed: ${describeThrown(thrown)}`, details);
}
