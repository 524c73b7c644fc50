import type { Clock, Result } from '@worktrain/contracts';
import { err, ok } from '@worktrain/contracts';
import {
  type DatabaseError,
  type Migration,
  type MigrationSet,
  prepareDatabase as prepareSharedDatabase,
  WORKTRAIN_APPLICATION_ID,
} from '@worktrain/contracts/sqlite';
import type Database from 'better-sqlite3';
import { storeError } from '../errors.js';
import type { SessionStoreError, SessionStoreErrorCode } from '../port.js';

/** `PRAGMA application_id` of every WorkTrain database file: 0x57524B54, ASCII 'WRKT'. */
export { WORKTRAIN_APPLICATION_ID };

/**
 * Migrations of the session store's tables, applied in order; recorded as store `session-store` in
 * `worktrain_migrations` (before that table existed: in `session_store_migrations`, adopted on the first
 * writable open).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, batches, summaries, workflow snapshots',
    sql: `
CREATE TABLE session_events (
  session_id      TEXT    NOT NULL,
  seq             INTEGER NOT NULL,
  event_id        TEXT    NOT NULL,
  at              INTEGER NOT NULL,
  kind            TEXT    NOT NULL,
  v               INTEGER NOT NULL,
  idempotency_key TEXT,
  data            TEXT    NOT NULL,
  prev_hash       TEXT    NOT NULL,
  hash            TEXT    NOT NULL,
  PRIMARY KEY (session_id, seq)
) STRICT;
-- Notes search in listSessions looks only at output_appended rows of a session.
CREATE INDEX session_events_outputs ON session_events (session_id) WHERE kind = 'output_appended';

CREATE TABLE session_batches (
  session_id      TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL,
  first_seq       INTEGER NOT NULL,
  last_seq        INTEGER NOT NULL,
  digest          TEXT    NOT NULL,
  PRIMARY KEY (session_id, idempotency_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
  session_id        TEXT    NOT NULL PRIMARY KEY,
  workflow_id       TEXT    NOT NULL,
  workflow_hash     TEXT    NOT NULL,
  title             TEXT,
  goal              TEXT,
  workspace_path    TEXT,
  parent_session_id TEXT,
  source            TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  current_step_id   TEXT,
  head_node_id      TEXT,
  last_seq          INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_updated   ON sessions (updated_at DESC, session_id);
CREATE INDEX sessions_by_status    ON sessions (status, updated_at DESC);
CREATE INDEX sessions_by_workflow  ON sessions (workflow_id, updated_at DESC);
CREATE INDEX sessions_by_parent    ON sessions (parent_session_id, updated_at DESC);
CREATE INDEX sessions_by_workspace ON sessions (workspace_path, updated_at DESC);

CREATE TABLE workflow_snapshots (
  hash       TEXT    NOT NULL PRIMARY KEY,
  json       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`,
  },
  {
    // Every append moves updated_at; with it in all five indexes each append rewrote five index entries
    // besides the event row. Only the recency index keeps updated_at; the filter indexes hold just their
    // column, so an append that changes neither status nor the filter columns leaves them untouched.
    // listSessions still uses an index for each filter (and the recency index for the order).
    version: 2,
    name: 'filter indexes without updated_at',
    sql: `
DROP INDEX sessions_by_status;
DROP INDEX sessions_by_workflow;
DROP INDEX sessions_by_parent;
DROP INDEX sessions_by_workspace;
CREATE INDEX sessions_by_status    ON sessions (status);
CREATE INDEX sessions_by_workflow  ON sessions (workflow_id);
CREATE INDEX sessions_by_parent    ON sessions (parent_session_id);
CREATE INDEX sessions_by_workspace ON sessions (workspace_path);
`,
  },
  {
    // An append of an event that changes neither status, head node, current step nor (at 1 s granularity)
    // updated_at writes no summary row at all: the session's last seq is read from session_events (its
    // primary key) instead of being stored, so such an append writes the event's pages only.
    version: 3,
    name: 'last seq read from the log',
    sql: `
ALTER TABLE sessions DROP COLUMN last_seq;
`,
  },
  {
    // One b-tree per event instead of two. Up to v3 the (session_id, seq) primary key of a rowid table was
    // a second b-tree beside the table's own, so every single-event append dirtied two leaf pages (2.37 WAL
    // pages per commit against 1.15 for a one-b-tree insert). Now each session has a small integer
    // `session_no` and an event's rowid is `session_no * 2^32 + seq` (EVENT_KEY_SQL): a session's events are
    // one contiguous rowid range, read in order without an index, and an append to the newest session is an
    // append at the end of the table's b-tree (SQLite's quick balance: one page). A WITHOUT ROWID table
    // keyed (session_id, seq) was measured too: index b-trees rebalance three siblings whenever the
    // rightmost leaf fills, which averaged 2.0 pages per commit for event-sized rows.
    // session_id and seq stay as columns: they are what every reader returns, and ad-hoc SQL keeps working.
    version: 4,
    name: 'one b-tree per event (session_no * 2^32 + seq)',
    precheck: (db) => {
      const orphan = db
        .prepare(
          'SELECT e.session_id FROM session_events e WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id) LIMIT 1',
        )
        .get() as { session_id: string } | undefined;
      return orphan === undefined
        ? undefined
        : {
            message: `Session ${orphan.session_id} has events but no summary row; the schema v4 migration needs both (restore the file from a backup)`,
            details: { sessionId: orphan.session_id },
          };
    },
    sql: `
ALTER TABLE sessions ADD COLUMN session_no INTEGER;
UPDATE sessions SET session_no = rowid;
CREATE UNIQUE INDEX sessions_by_no ON sessions (session_no);
CREATE TABLE session_events_v4 (
  event_key       INTEGER PRIMARY KEY,
  session_id      TEXT    NOT NULL,
  seq             INTEGER NOT NULL,
  event_id        TEXT    NOT NULL,
  at              INTEGER NOT NULL,
  kind            TEXT    NOT NULL,
  v               INTEGER NOT NULL,
  idempotency_key TEXT,
  data            TEXT    NOT NULL,
  prev_hash       TEXT    NOT NULL,
  hash            TEXT    NOT NULL
) STRICT;
INSERT INTO session_events_v4 (event_key, session_id, seq, event_id, at, kind, v, idempotency_key, data, prev_hash, hash)
  SELECT s.session_no * 4294967296 + e.seq, e.session_id, e.seq, e.event_id, e.at, e.kind, e.v, e.idempotency_key,
         e.data, e.prev_hash, e.hash
  FROM session_events e JOIN sessions s ON s.session_id = e.session_id
  ORDER BY 1;
DROP TABLE session_events;
ALTER TABLE session_events_v4 RENAME TO session_events;
-- Notes search in listSessions looks only at output_appended rows of a session.
CREATE INDEX session_events_outputs ON session_events (session_id) WHERE kind = 'output_appended';
`,
  },
];

/**
 * The largest seq of a session (2^32 - 1) and session number (2^31 - 1): an event's rowid is
 * `session_no * 2^32 + seq` (schema v4), which must stay below 2^63.
 */
export const MAX_SEQ = 0xffff_ffff;
export const MAX_SESSION_NO = 0x7fff_ffff;

/** Highest schema version this code knows. */
export const SESSION_STORE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The session store's schema for `openDatabase` / `prepareDatabase` of `@worktrain/contracts/sqlite`. */
export const SESSION_STORE_MIGRATION_SET: MigrationSet = {
  store: 'session-store',
  migrations: MIGRATIONS,
  legacyTable: 'session_store_migrations',
};

/**
 * Prepares a connection for the session store through `prepareDatabase` of `@worktrain/contracts/sqlite`:
 * 1. pragmas `busy_timeout=5000`, `journal_mode=WAL`, `synchronous=FULL`, `foreign_keys=ON` (per connection;
 *    a reopened WAL database would otherwise run at synchronous=NORMAL) — only `busy_timeout` when read-only;
 * 2. checks `application_id`: 'WRKT', or 0 on an empty database; anything else → NOT_A_WORKTRAIN_DATABASE;
 * 3. applies pending migrations in one `BEGIN IMMEDIATE` transaction (setting application_id on a new file);
 *    `readOnly` (default: the connection's own flag) checks the version only.
 * Errors: NOT_A_WORKTRAIN_DATABASE (foreign, garbage, or newer-schema file), STORE_READ_ONLY (migrations
 * pending on a read-only connection; `details.schemaVersion` is the file's session schema version, 0 when it
 * has no session tables yet, e.g. a database only the queue has used, and `details.supported` this code's),
 * STORE_CORRUPT, STORE_IO.
 */
export function prepareDatabase(
  db: Database.Database,
  clock: Clock,
  readOnly: boolean = db.readonly,
): Result<void, SessionStoreError> {
  const prepared = prepareSharedDatabase(db, {
    path: db.name,
    migrations: [SESSION_STORE_MIGRATION_SET],
    readOnly,
    now: () => clock.now(),
  });
  if (prepared.isErr()) return err(fromDatabaseError(prepared.error));
  const version = prepared.value[SESSION_STORE_MIGRATION_SET.store] ?? 0;
  if (version < SESSION_STORE_SCHEMA_VERSION) return err(readOnlyPending(version));
  return ok(undefined);
}

/**
 * The session store's codes for the foundation's errors: a foreign or non-SQLite file and a newer schema →
 * NOT_A_WORKTRAIN_DATABASE; a refused migration → STORE_CORRUPT; the rest by SQLite's code (read-only,
 * full, corrupt, else STORE_IO), as `mapSqliteError` does.
 */
export function fromDatabaseError(error: DatabaseError): SessionStoreError {
  const details = { ...error.details };
  switch (error.code) {
    case 'DATABASE_FOREIGN':
      return storeError(
        'NOT_A_WORKTRAIN_DATABASE',
        `Refusing to use this file as a WorkTrain database: ${error.message}`,
        details,
      );
    case 'DATABASE_TOO_NEW':
      return storeError(
        'NOT_A_WORKTRAIN_DATABASE',
        `The database has session store schema v${String(details.version)}; this version understands up to v${SESSION_STORE_SCHEMA_VERSION}. Upgrade @worktrain/session-store.`,
        { schemaVersion: details.version, supported: SESSION_STORE_SCHEMA_VERSION },
      );
    case 'MIGRATION_REFUSED':
      return storeError('STORE_CORRUPT', error.message, details);
    case 'DATABASE_MISSING':
    case 'DATABASE_LOCKED':
    case 'MIGRATION_FAILED':
    case 'DATABASE_IO':
      return storeError(codeOfSqlite(details.sqliteCode), error.message, details);
  }
}

function codeOfSqlite(sqliteCode: unknown): SessionStoreErrorCode {
  const code = typeof sqliteCode === 'string' ? sqliteCode : '';
  if (code.startsWith('SQLITE_READONLY')) return 'STORE_READ_ONLY';
  if (code === 'SQLITE_FULL') return 'STORE_FULL';
  if (code.startsWith('SQLITE_CORRUPT')) return 'STORE_CORRUPT';
  return 'STORE_IO';
}

/** A read-only connection cannot create or migrate the session tables; says which case this is. */
function readOnlyPending(version: number): SessionStoreError {
  const details = { schemaVersion: version, supported: SESSION_STORE_SCHEMA_VERSION };
  if (version === 0)
    return storeError(
      'STORE_READ_ONLY',
      'The database has no session store tables yet (no session was ever recorded in it), and a read-only connection cannot create them.',
      details,
    );
  return storeError(
    'STORE_READ_ONLY',
    `The database has session store schema v${version}; this version needs v${SESSION_STORE_SCHEMA_VERSION}, and a read-only connection cannot migrate it. Open it writable once (e.g. start the daemon) to migrate.`,
    details,
  );
}
