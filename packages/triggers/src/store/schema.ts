import { describeThrown, err, ok, type Result } from '@worktrain/contracts';
import { type Migration, type MigrationSet, prepareDatabase } from '@worktrain/contracts/sqlite';
import type Database from 'better-sqlite3';
import { type TriggerError, triggerError } from '../errors.js';

type Db = Database.Database;

/**
 * Versioned migrations of the trigger tables, recorded as store `triggers` in `worktrain_migrations`
 * (before that table existed: in `trigger_migrations`, adopted on the first writable open).
 */
const MIGRATIONS: readonly Migration[] = [
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

/** The trigger tables' schema for `openDatabase` / `prepareDatabase` of `@worktrain/contracts/sqlite`. */
export const TRIGGER_MIGRATION_SET: MigrationSet = {
  store: 'triggers',
  migrations: MIGRATIONS,
  legacyTable: 'trigger_migrations',
};

/**
 * Applies pending trigger migrations on an open connection (its pragmas are the opener's), all in one
 * IMMEDIATE transaction. Idempotent. Errors: STORE_IO (`details.databaseCode` says why: a foreign or newer
 * file, a lock, a failed migration; nothing of a failed run is applied).
 */
export function migrateTriggerSchema(db: Db, now: number): Result<number, TriggerError> {
  try {
    const prepared = prepareDatabase(db, {
      path: db.name,
      migrations: [TRIGGER_MIGRATION_SET],
      pragmas: false,
      now: () => now,
    });
    if (prepared.isErr())
      return err(
        triggerError('STORE_IO', `trigger schema migration failed: ${prepared.error.message}`, {
          ...prepared.error.details,
          databaseCode: prepared.error.code,
        }),
      );
    return ok(LATEST_TRIGGER_SCHEMA_VERSION);
  } catch (thrown) {
    return err(triggerError('STORE_IO', `trigger schema migration failed: ${describeThrown(thrown)}`));
  }
}
