import { describeThrown, err, makeError, ok, type Result, type WorkTrainError } from '@worktrain/contracts';
import type Database from 'better-sqlite3';

type Db = Database.Database;

/**
 * Errors of the approval store.
 * - APPROVAL_NOT_FOUND: no request with that id (details.approvalId).
 * - ALREADY_DECIDED: the request was decided before (details: approvalId, state, decidedBy, decidedAt); a
 *   decision is made exactly once.
 * - INVALID_INPUT: a malformed request or decision (details.issues).
 * - NOT_A_WORKTRAIN_DATABASE: the file belongs to another application.
 * - STORE_IO: SQLite failed (details.cause).
 * - ABORTED: `waitForDecision` was aborted by its signal before a decision.
 */
export type ApprovalErrorCode =
  | 'APPROVAL_NOT_FOUND'
  | 'ALREADY_DECIDED'
  | 'INVALID_INPUT'
  | 'NOT_A_WORKTRAIN_DATABASE'
  | 'STORE_IO'
  | 'ABORTED';
export type ApprovalError = WorkTrainError<ApprovalErrorCode>;

export function approvalError(
  code: ApprovalErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ApprovalError {
  return makeError(code, message, details);
}

/** `PRAGMA application_id` of every WorkTrain database ('WRKT'), as in the queue and session store. */
export const APPROVALS_APPLICATION_ID = 0x57524b54;

/** Versioned migrations of the approval tables, recorded in `approval_migrations` (never `user_version`). */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'approval requests and audit',
    sql: `
CREATE TABLE approval_requests (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  session_id TEXT,
  dedupe_key TEXT NOT NULL UNIQUE,
  action_kind TEXT NOT NULL,
  action TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('low','medium','high')),
  summary TEXT NOT NULL,
  details TEXT NOT NULL,
  classification TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending','approved','rejected')),
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  auto_approve_at INTEGER,
  decided_at INTEGER,
  decided_by TEXT,
  decision_reason TEXT,
  CHECK ((state = 'pending') = (decided_at IS NULL)),
  CHECK ((state = 'pending') = (decided_by IS NULL))
);
CREATE INDEX approval_requests_state ON approval_requests(state, requested_at);
CREATE INDEX approval_requests_due ON approval_requests(auto_approve_at) WHERE state = 'pending';
CREATE INDEX approval_requests_session ON approval_requests(session_id, seq);
CREATE TABLE approval_audit (
  seq INTEGER PRIMARY KEY,
  approval_id TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('requested','re_requested','approved','rejected')),
  actor TEXT NOT NULL,
  reason TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX approval_audit_request ON approval_audit(approval_id, seq);
-- A decision is final: the database refuses to change it, whatever the code does.
CREATE TRIGGER approval_requests_final BEFORE UPDATE OF state ON approval_requests
  WHEN OLD.state <> 'pending' BEGIN
  SELECT RAISE(ABORT, 'approval already decided');
END;
CREATE TRIGGER approval_audit_append_only BEFORE UPDATE ON approval_audit BEGIN
  SELECT RAISE(ABORT, 'approval_audit is append-only');
END;
`,
  },
];

/** Latest schema version of the approval tables. */
export const APPROVALS_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Connection settings every WorkTrain connection uses (DESIGN §3): WAL, `synchronous=FULL` (a reopened WAL
 * database silently starts at NORMAL otherwise), `busy_timeout`, `foreign_keys=ON`.
 */
export function applyPragmas(db: Db, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

/**
 * Accepts a WorkTrain database or an empty file (which it stamps with the application id); anything else
 * is NOT_A_WORKTRAIN_DATABASE. Then applies the pending migrations, each in one `BEGIN IMMEDIATE`
 * transaction (two processes opening a fresh database at once both end up at the latest version).
 */
export function prepareSchema(db: Db, label: string): Result<void, ApprovalError> {
  try {
    const id = db.pragma('application_id', { simple: true });
    if (id !== APPROVALS_APPLICATION_ID) {
      const objects = db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        .get() as { n: number };
      if (id !== 0 || objects.n !== 0) {
        return err(
          approvalError(
            'NOT_A_WORKTRAIN_DATABASE',
            `${label} is not a WorkTrain database (application_id ${String(id)}, ${objects.n} objects)`,
            { path: label },
          ),
        );
      }
      db.pragma(`application_id = ${APPROVALS_APPLICATION_ID}`);
    }
    db.exec(
      'CREATE TABLE IF NOT EXISTS approval_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const migration of MIGRATIONS) {
      db.transaction(() => {
        const done = db.prepare('SELECT 1 FROM approval_migrations WHERE version = ?').get(migration.version);
        if (done !== undefined) return;
        db.exec(migration.sql);
        db.prepare('INSERT INTO approval_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          Date.now(),
        );
      }).immediate();
    }
    return ok(undefined);
  } catch (thrown) {
    return err(
      approvalError('STORE_IO', `cannot prepare ${label}: ${describeThrown(thrown)}`, { path: label }),
    );
  }
}
