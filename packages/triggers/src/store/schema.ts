import { describeThrown, err, ok, type Result } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import { type TriggerError, triggerError } from '../errors.js';

type Db = Database.Database;

/** Versioned migrations of the trigger tables, recorded in `trigger_migrations`. */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'poll state, dedupe, deliveries, events',
    sql: `
CREATE TABLE trigger_poll_state (
  trigger_id TEXT PRIMARY KEY,
  cursor TEXT,
  etags TEXT NOT NULL DEFAULT '{}',
  last_run_at INTEGER,
  last_ok_at INTEGER,
  last_error TEXT,
  failures INTEGER NOT NULL DEFAULT 0,
  next_run_at INTEGER,
  disabled_reason TEXT,
  last_task_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE trigger_dedupe (
  dedupe_key TEXT PRIMARY KEY,
  task_id TEXT,
  trigger_id TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE TABLE trigger_deliveries (
  trigger_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (trigger_id, delivery_id)
);
CREATE INDEX trigger_deliveries_age ON trigger_deliveries(received_at);
CREATE TABLE trigger_events (
  seq INTEGER PRIMARY KEY,
  trigger_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  source_id TEXT,
  task_id TEXT,
  message TEXT NOT NULL
);
CREATE INDEX trigger_events_trigger ON trigger_events(trigger_id, seq);
`,
  },
  {
    version: 2,
    name: 'poll state remembers the config a trigger was disabled under',
    sql: 'ALTER TABLE trigger_poll_state ADD COLUMN disabled_config TEXT;',
  },
];

export const LATEST_TRIGGER_SCHEMA_VERSION = MIGRATIONS.length;

/** Applies pending trigger migrations in one IMMEDIATE transaction each. Idempotent. */
export function migrateTriggerSchema(db: Db, now: number): Result<number, TriggerError> {
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS trigger_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied = new Set(
      (db.prepare('SELECT version FROM trigger_migrations').all() as Array<{ version: number }>).map(
        (r) => r.version,
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.transaction(() => {
        // Re-check inside the write lock: another process may have migrated meanwhile.
        const done = db.prepare('SELECT 1 FROM trigger_migrations WHERE version = ?').get(m.version);
        if (done !== undefined) return;
        db.exec(m.sql);
        db.prepare('INSERT INTO trigger_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          now,
        );
      }).immediate();
    }
    return ok(LATEST_TRIGGER_SCHEMA_VERSION);
  } catch (thrown) {
    return err(triggerError('STORE_IO', `trigger schema migration failed: ${describeThrown(thrown)}`));
  }
}
