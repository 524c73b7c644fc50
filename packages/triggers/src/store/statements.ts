/**
 * What every trigger-store stage shares: a cache of prepared statements, the one way a store write runs
 * (`runImmediate`: a `BEGIN IMMEDIATE` transaction, or a savepoint inside a group commit) and the mapping of
 * thrown database errors onto the closed `STORE_IO` code.
 */
import { describeThrown, err, type Result } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import { type TriggerError, triggerError } from '../errors.js';

export type Db = Database.Database;

/** Prepares (once per connection) and returns the statement for `source`. */
export type Sql = (source: string) => Database.Statement;

/** A statement cache over `db`: preparing costs more than running the store's small queries. */
export function statementCache(db: Db): Sql {
  const statements = new Map<string, Database.Statement>();
  return (source) => {
    let stmt = statements.get(source);
    if (stmt === undefined) {
      stmt = db.prepare(source);
      statements.set(source, stmt);
    }
    return stmt;
  };
}

/** Thrown inside a transaction to roll it back when the queue refuses a task. */
export class EnqueueRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A thrown database error as the store's STORE_IO error. */
export function storeError(thrown: unknown): TriggerError {
  return triggerError('STORE_IO', `trigger state database failed: ${describeThrown(thrown)}`);
}

/**
 * Runs `fn` in an IMMEDIATE transaction (a savepoint when one is already open, e.g. inside a group commit).
 * Errors: STORE_IO — with `details.queueCode` when `fn` threw {@link EnqueueRefused}; anything else thrown
 * rolls back and is reported with its message.
 */
export function runImmediate<T>(db: Db, fn: () => Result<T, TriggerError>): Result<T, TriggerError> {
  try {
    return db.transaction(fn).immediate();
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
