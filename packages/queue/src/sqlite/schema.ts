import { describeThrown, err, makeError, ok, type Result } from '@worktrain/contracts';
import {
  applyConnectionPragmas,
  type DatabaseError,
  type Migration,
  type MigrationSet,
  openDatabase,
  prepareDatabase,
  WORKTRAIN_APPLICATION_ID,
} from '@worktrain/contracts/sqlite';
import type Database from 'better-sqlite3';
import type { QueueError } from '../queue.js';

type Db = Database.Database;

/** `PRAGMA application_id` of every WorkTrain database ('WRKT'), shared with the session store. */
export { WORKTRAIN_APPLICATION_ID };

/** Connection settings. `busyTimeoutMs` bounds how long a write waits for another process's lock. */
export interface SqliteConnectionOptions {
  /** Default 5 000 ms. */
  readonly busyTimeoutMs?: number;
  /** WAL file size kept after checkpoints, bytes. Default 64 MiB. */
  readonly journalSizeLimitBytes?: number;
}

/**
 * Applies the pragmas every WorkTrain connection needs (DESIGN §3): WAL, `synchronous=FULL` (a reopened WAL
 * database silently starts at NORMAL otherwise), `busy_timeout`, `foreign_keys=ON`, `journal_size_limit` —
 * `applyConnectionPragmas` of `@worktrain/contracts/sqlite`, kept under this name for existing callers.
 */
export function applyPragmas(db: Db, options: SqliteConnectionOptions = {}): void {
  applyConnectionPragmas(db, options);
}

/**
 * Versioned migrations of the queue's tables, recorded per store in `worktrain_migrations` (before that
 * table existed: in `queue_migrations`, adopted on the first writable open).
 */
export const QUEUE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tasks, audit, indexes, audit triggers',
    sql: `
CREATE TABLE queue_tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  dedupe_key TEXT,
  attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  state TEXT NOT NULL CHECK (state IN ('pending','leased','succeeded','failed','dead')),
  lease_token TEXT,
  lease_owner TEXT,
  leased_until INTEGER,
  last_error_class TEXT CHECK (last_error_class IN ('validation','execution','timeout','cancelled')),
  last_error_message TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  transition_actor TEXT NOT NULL DEFAULT 'system',
  transition_reason TEXT,
  CHECK (state <> 'leased' OR (lease_token IS NOT NULL AND leased_until IS NOT NULL))
);
CREATE UNIQUE INDEX queue_tasks_dedupe ON queue_tasks(dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('pending','leased','failed');
CREATE INDEX queue_tasks_ready ON queue_tasks(queue, priority DESC, run_at, seq)
  WHERE state IN ('pending','failed');
CREATE INDEX queue_tasks_leases ON queue_tasks(state, leased_until) WHERE state = 'leased';
CREATE INDEX queue_tasks_finished ON queue_tasks(state, finished_at) WHERE state IN ('succeeded','dead');
CREATE INDEX queue_tasks_updated ON queue_tasks(updated_at);
CREATE TABLE queue_audit (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  at INTEGER NOT NULL,
  reason TEXT
);
CREATE INDEX queue_audit_task ON queue_audit(task_id, seq);
-- Every transition is audited by the database itself, so no code path can forget it.
CREATE TRIGGER queue_tasks_audit_insert AFTER INSERT ON queue_tasks BEGIN
  INSERT INTO queue_audit(task_id, actor, from_state, to_state, at, reason)
  VALUES (NEW.id, NEW.transition_actor, NULL, NEW.state, NEW.updated_at, NEW.transition_reason);
END;
CREATE TRIGGER queue_tasks_audit_update AFTER UPDATE OF state, lease_token ON queue_tasks
  WHEN OLD.state IS NOT NEW.state OR OLD.lease_token IS NOT NEW.lease_token BEGIN
  INSERT INTO queue_audit(task_id, actor, from_state, to_state, at, reason)
  VALUES (NEW.id, NEW.transition_actor, OLD.state, NEW.state, NEW.updated_at, NEW.transition_reason);
END;
-- Safety net: an update that forgets updated_at still moves it (the code always sets it from its clock).
CREATE TRIGGER queue_tasks_touch AFTER UPDATE ON queue_tasks WHEN NEW.updated_at = OLD.updated_at BEGIN
  UPDATE queue_tasks SET updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE seq = NEW.seq;
END;
`,
  },
  {
    version: 2,
    name: 'audit indexed by task seq (claim/complete batches append instead of writing all over the index)',
    // An index on the random text task id receives every batch's audit rows at random places, so a
    // group commit of 1 000 claims rewrote most of that index into the WAL (about 5x the pages written).
    // Task seqs are handed out in order and batches claim neighbouring tasks, so these inserts cluster.
    sql: `
ALTER TABLE queue_audit ADD COLUMN task_seq INTEGER;
UPDATE queue_audit SET task_seq = (SELECT t.seq FROM queue_tasks t WHERE t.id = queue_audit.task_id);
DROP INDEX queue_audit_task;
CREATE INDEX queue_audit_task_seq ON queue_audit(task_seq, seq);
DROP TRIGGER queue_tasks_audit_insert;
DROP TRIGGER queue_tasks_audit_update;
CREATE TRIGGER queue_tasks_audit_insert AFTER INSERT ON queue_tasks BEGIN
  INSERT INTO queue_audit(task_seq, task_id, actor, from_state, to_state, at, reason)
  VALUES (NEW.seq, NEW.id, NEW.transition_actor, NULL, NEW.state, NEW.updated_at, NEW.transition_reason);
END;
CREATE TRIGGER queue_tasks_audit_update AFTER UPDATE OF state, lease_token ON queue_tasks
  WHEN OLD.state IS NOT NEW.state OR OLD.lease_token IS NOT NEW.lease_token BEGIN
  INSERT INTO queue_audit(task_seq, task_id, actor, from_state, to_state, at, reason)
  VALUES (NEW.seq, NEW.id, NEW.transition_actor, OLD.state, NEW.state, NEW.updated_at, NEW.transition_reason);
END;
`,
  },
];

export const LATEST_QUEUE_SCHEMA_VERSION = QUEUE_MIGRATIONS[QUEUE_MIGRATIONS.length - 1]!.version;

/** The queue's schema for `openDatabase` / `prepareDatabase` (store `queue`). */
export const QUEUE_MIGRATION_SET: MigrationSet = {
  store: 'queue',
  migrations: QUEUE_MIGRATIONS,
  legacyTable: 'queue_migrations',
};

/**
 * The queue's codes for the foundation's errors: another application's file or a newer schema →
 * NOT_A_WORKTRAIN_DATABASE; a lock held past busy_timeout, a missing file or one that cannot be opened →
 * STORE_UNAVAILABLE; a failed or refused migration → STORE_IO. `details.databaseCode` keeps the original.
 */
export function fromDatabaseError(error: DatabaseError): QueueError {
  const details = { ...error.details, databaseCode: error.code };
  switch (error.code) {
    case 'DATABASE_FOREIGN':
    case 'DATABASE_TOO_NEW':
      return makeError('NOT_A_WORKTRAIN_DATABASE', error.message, details);
    case 'DATABASE_LOCKED':
    case 'DATABASE_MISSING':
    case 'DATABASE_IO':
      return makeError('STORE_UNAVAILABLE', error.message, details);
    case 'MIGRATION_FAILED':
    case 'MIGRATION_REFUSED':
      return makeError('STORE_IO', `queue schema migration failed: ${error.message}`, details);
  }
}

const migrated = new WeakSet<Db>();

/**
 * Creates or upgrades the queue's tables on a connection someone else opened (its pragmas are the opener's;
 * callable inside the caller's transaction, where it runs as a savepoint). Idempotent; checked once per
 * connection. Errors: NOT_A_WORKTRAIN_DATABASE, STORE_UNAVAILABLE, STORE_IO (nothing of a failed migration
 * is applied).
 */
export function migrateQueueSchema(db: Db, now: number = Date.now()): Result<number, QueueError> {
  if (migrated.has(db)) return ok(LATEST_QUEUE_SCHEMA_VERSION);
  try {
    const prepared = prepareDatabase(db, {
      path: db.name,
      migrations: [QUEUE_MIGRATION_SET],
      pragmas: false,
      now: () => now,
    });
    if (prepared.isErr()) return err(fromDatabaseError(prepared.error));
  } catch (thrown) {
    return err(makeError('STORE_IO', `queue schema migration failed: ${describeThrown(thrown)}`));
  }
  migrated.add(db);
  return ok(LATEST_QUEUE_SCHEMA_VERSION);
}

/**
 * Opens (creating if missing) a WorkTrain SQLite database with the required pragmas, checks its
 * application id and applies the queue migrations (`openDatabase` of `@worktrain/contracts/sqlite`).
 * Errors: NOT_A_WORKTRAIN_DATABASE, STORE_UNAVAILABLE (cannot open, locked), STORE_IO (migration).
 */
export function openWorktrainDatabase(
  path: string,
  options: SqliteConnectionOptions & { readonly migrations?: readonly MigrationSet[] } = {},
): Result<Db, QueueError> {
  const opened = openDatabase({
    path,
    ...options,
    migrations: [QUEUE_MIGRATION_SET, ...(options.migrations ?? [])],
  });
  if (opened.isErr()) return err(fromDatabaseError(opened.error));
  migrated.add(opened.value.db);
  return ok(opened.value.db);
}
