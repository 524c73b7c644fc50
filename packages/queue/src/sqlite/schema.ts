import { describeThrown, err, makeError, ok, type Result } from '@worktrain/contracts';
import Database from 'better-sqlite3';
import type { QueueError } from '../queue.js';

type Db = Database.Database;

/** `PRAGMA application_id` of every WorkTrain database ('WRKT'), shared with the session store. */
export const WORKTRAIN_APPLICATION_ID = 0x57524b54;

/** Connection settings. `busyTimeoutMs` bounds how long a write waits for another process's lock. */
export interface SqliteConnectionOptions {
  /** Default 5 000 ms. */
  readonly busyTimeoutMs?: number;
  /** WAL file size kept after checkpoints, bytes. Default 64 MiB. */
  readonly journalSizeLimitBytes?: number;
}

/**
 * Applies the pragmas every WorkTrain connection needs (DESIGN §3): WAL, `synchronous=FULL` (a reopened WAL
 * database silently starts at NORMAL otherwise), `busy_timeout`, `foreign_keys=ON`, `journal_size_limit`.
 */
export function applyPragmas(db: Db, options: SqliteConnectionOptions = {}): void {
  db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`journal_size_limit = ${Math.floor(options.journalSizeLimitBytes ?? 64 * 1024 * 1024)}`);
}

/**
 * Accepts a database whose `application_id` is WorkTrain's, or an empty database (which it stamps);
 * anything else (another application's database, a non-SQLite file) is `NOT_A_WORKTRAIN_DATABASE`.
 */
export function checkApplicationId(db: Db, label: string): Result<void, QueueError> {
  try {
    const id = db.pragma('application_id', { simple: true });
    if (id === WORKTRAIN_APPLICATION_ID) return ok(undefined);
    const objects = db
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
      .get() as {
      n: number;
    };
    if (id === 0 && objects.n === 0) {
      db.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
      return ok(undefined);
    }
    return err(notOurs(label, `application_id is ${String(id)} with ${objects.n} objects`));
  } catch (thrown) {
    return err(notOurs(label, describeThrown(thrown)));
  }
}

function notOurs(label: string, why: string): QueueError {
  return makeError(
    'NOT_A_WORKTRAIN_DATABASE',
    `${label} is not a WorkTrain database (${why}); point WorkTrain at its own worktrain.db or an empty file`,
    { path: label },
  );
}

/** Versioned migrations of the queue's tables, recorded in `queue_migrations` (never `user_version`). */
export const QUEUE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
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

const migrated = new WeakSet<Db>();

/**
 * Creates or upgrades the queue's tables in `db` (idempotent; each migration in its own IMMEDIATE
 * transaction). Errors: STORE_IO when a migration fails (nothing of it is applied).
 */
export function migrateQueueSchema(db: Db, now: number = Date.now()): Result<number, QueueError> {
  if (migrated.has(db)) return ok(LATEST_QUEUE_SCHEMA_VERSION);
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS queue_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied = new Set(
      (db.prepare('SELECT version FROM queue_migrations').all() as Array<{ version: number }>).map(
        (r) => r.version,
      ),
    );
    for (const m of QUEUE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.transaction(() => {
        // Re-check inside the write lock: another process may have migrated meanwhile.
        const again = db.prepare('SELECT 1 FROM queue_migrations WHERE version = ?').get(m.version);
        if (again !== undefined) return;
        db.exec(m.sql);
        db.prepare('INSERT INTO queue_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          now,
        );
      }).immediate();
    }
    migrated.add(db);
    return ok(LATEST_QUEUE_SCHEMA_VERSION);
  } catch (thrown) {
    return err(makeError('STORE_IO', `queue schema migration failed: ${describeThrown(thrown)}`));
  }
}

/**
 * Opens (creating if missing) a WorkTrain SQLite database with the required pragmas, checks its
 * application id and applies the queue migrations.
 * Errors: NOT_A_WORKTRAIN_DATABASE, STORE_UNAVAILABLE (cannot open), STORE_IO (migration).
 */
export function openWorktrainDatabase(
  path: string,
  options: SqliteConnectionOptions = {},
): Result<Db, QueueError> {
  let db: Db;
  try {
    db = new Database(path);
  } catch (thrown) {
    return err(makeError('STORE_UNAVAILABLE', `cannot open ${path}: ${describeThrown(thrown)}`, { path }));
  }
  const checked = checkApplicationId(db, path);
  if (checked.isErr()) {
    db.close();
    return err(checked.error);
  }
  try {
    applyPragmas(db, options);
  } catch (thrown) {
    db.close();
    const message = describeThrown(thrown);
    if (/not a database|malformed/i.test(message)) return err(notOurs(path, message));
    return err(makeError('STORE_UNAVAILABLE', `cannot configure ${path}: ${message}`, { path }));
  }
  const m = migrateQueueSchema(db);
  if (m.isErr()) {
    db.close();
    return err(m.error);
  }
  return ok(db);
}
