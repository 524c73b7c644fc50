import { makeError } from '@worktrain/contracts';
import type { SessionStoreError, SessionStoreErrorCode } from './port.js';

/** Builds a {@link SessionStoreError}. */
export function storeError(
  code: SessionStoreErrorCode,
  message: string,
  details?: Record<string, unknown>,
): SessionStoreError {
  return makeError(code, message, details);
}

/** The shape of a better-sqlite3 `SqliteError` we rely on (an Error with an extended result code). */
interface SqliteLikeError extends Error {
  readonly code: string;
}

function isSqliteLikeError(thrown: unknown): thrown is SqliteLikeError {
  return (
    thrown instanceof Error &&
    'code' in thrown &&
    typeof thrown.code === 'string' &&
    thrown.code.startsWith('SQLITE_')
  );
}

/**
 * Maps an exception thrown by SQLite onto a store error code, or returns undefined when the value is not a
 * SQLite error (then it is a programmer error and the caller rethrows it).
 *
 * Mapping (extended result codes, https://sqlite.org/rescode.html): SQLITE_READONLY* → STORE_READ_ONLY,
 * SQLITE_FULL → STORE_FULL, SQLITE_CORRUPT* / SQLITE_NOTADB → STORE_CORRUPT, anything else (IOERR, BUSY,
 * CANTOPEN, …) → STORE_IO. `details.sqliteCode` keeps the original code for operators.
 */
export function mapSqliteError(thrown: unknown, operation: string): SessionStoreError | undefined {
  if (!isSqliteLikeError(thrown)) return undefined;
  const sqliteCode = thrown.code;
  const details = { sqliteCode, operation };
  if (sqliteCode.startsWith('SQLITE_READONLY')) {
    return storeError(
      'STORE_READ_ONLY',
      `The session store is read-only (${operation}): ${thrown.message}`,
      details,
    );
  }
  if (sqliteCode === 'SQLITE_FULL') {
    return storeError(
      'STORE_FULL',
      `The database or disk is full (${operation}); nothing was written. Free space and retry.`,
      details,
    );
  }
  if (sqliteCode.startsWith('SQLITE_CORRUPT') || sqliteCode === 'SQLITE_NOTADB') {
    return storeError(
      'STORE_CORRUPT',
      `The database file is damaged (${operation}): ${thrown.message}. Restore it from a backup.`,
      details,
    );
  }
  return storeError(
    'STORE_IO',
    `The session store could not complete ${operation}: ${thrown.message}`,
    details,
  );
}
