import { makeError, type WorkTrainError } from '@worktrain/contracts';
import {
  type DatabaseError,
  type Migration,
  type MigrationSet,
  WORKTRAIN_APPLICATION_ID,
} from '@worktrain/contracts/sqlite';

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
export const APPROVALS_APPLICATION_ID = WORKTRAIN_APPLICATION_ID;

/**
 * Versioned migrations of the approval tables, recorded as store `approvals` in `worktrain_migrations`
 * (before that table existed: in `approval_migrations`, adopted on the first writable open).
 */
const MIGRATIONS: readonly Migration[] = [
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

/** The approval tables' schema for `openDatabase` of `@worktrain/contracts/sqlite`. */
export const APPROVALS_MIGRATION_SET: MigrationSet = {
  store: 'approvals',
  migrations: MIGRATIONS,
  legacyTable: 'approval_migrations',
};

/**
 * The approval store's codes for the foundation's errors: another application's file or a newer schema →
 * NOT_A_WORKTRAIN_DATABASE; anything else → STORE_IO. `details.databaseCode` keeps the original code.
 */
export function fromDatabaseError(error: DatabaseError): ApprovalError {
  const details = { ...error.details, databaseCode: error.code };
  return error.code === 'DATABASE_FOREIGN' || error.code === 'DATABASE_TOO_NEW'
    ? approvalError('NOT_A_WORKTRAIN_DATABASE', error.message, details)
    : approvalError(
        'STORE_IO',
        `cannot prepare ${String(error.details?.path ?? 'the database')}: ${error.message}`,
        details,
      );
}
