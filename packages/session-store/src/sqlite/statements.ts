import type Database from 'better-sqlite3';
import { EVENT_COLUMNS, RAW_READ_COLUMNS } from './rows.js';

/** The prepared statements of the SQLite store, compiled once per connection. */
export interface Statements {
  readonly getSummary: Database.Statement;
  readonly getHead: Database.Statement;
  readonly getBatch: Database.Statement;
  /** (sessionId, afterSeq, limit; -1 = no limit) → EventRow[] in seq order. */
  readonly readRange: Database.Statement;
  /** readRange in raw mode: rows as arrays (`RawEventRow`). */
  readonly readRangeRaw: Database.Statement;
  /** (sessionId, seq) → { hash } */
  readonly getHash: Database.Statement;
  readonly insertEvent: Database.Statement;
  readonly insertBatch: Database.Statement;
  /** Inserts the summary row of a new session (named parameters, `summaryToParams`). */
  readonly insertSummary: Database.Statement;
  /**
   * Updates of an existing summary row, indexed by {@link summaryUpdateIndex}: each sets only the columns an
   * append can change, and leaves `status` / `updated_at` out when they did not change, so SQLite does not
   * rewrite the index entries that contain them. Parameters: (current_step_id, head_node_id,
   * [status], [updated_at], session_id). Appends that change none of these columns run no update.
   */
  readonly updateSummary: readonly Database.Statement[];
  readonly putSnapshot: Database.Statement;
  readonly getSnapshot: Database.Statement;
}

/**
 * `last_seq` of a summary row aliased `s`: the session's highest seq, read from the session_events primary
 * key (schema v3 stores no last_seq column, so appends need not rewrite the summary row).
 */
export const LAST_SEQ_COLUMN =
  'coalesce((SELECT max(e.seq) FROM session_events e WHERE e.session_id = s.session_id), 0) AS last_seq';

const STATUS_CHANGED = 1;
const UPDATED_AT_CHANGED = 2;

/** Which of `Statements.updateSummary` to run for a summary whose status / updated_at did or did not change. */
export function summaryUpdateIndex(statusChanged: boolean, updatedAtChanged: boolean): number {
  return (statusChanged ? STATUS_CHANGED : 0) | (updatedAtChanged ? UPDATED_AT_CHANGED : 0);
}

export function createStatements(db: Database.Database): Statements {
  return {
    getSummary: db.prepare(`SELECT s.*, ${LAST_SEQ_COLUMN} FROM sessions s WHERE s.session_id = ?`),
    getHead: db.prepare(
      'SELECT seq, hash FROM session_events WHERE session_id = ? ORDER BY seq DESC LIMIT 1',
    ),
    getBatch: db.prepare(
      'SELECT first_seq, last_seq, digest FROM session_batches WHERE session_id = ? AND idempotency_key = ?',
    ),
    readRange: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM session_events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    readRangeRaw: db
      .prepare(
        `SELECT ${RAW_READ_COLUMNS} FROM session_events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      )
      .raw(true),
    getHash: db.prepare('SELECT hash FROM session_events WHERE session_id = ? AND seq = ?'),
    insertEvent: db.prepare(
      `INSERT INTO session_events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertBatch: db.prepare(
      'INSERT INTO session_batches (session_id, idempotency_key, first_seq, last_seq, digest) VALUES (?, ?, ?, ?, ?)',
    ),
    insertSummary: db.prepare(`
      INSERT INTO sessions (session_id, workflow_id, workflow_hash, title, goal, workspace_path, parent_session_id,
                            source, status, current_step_id, head_node_id, created_at, updated_at)
      VALUES (@session_id, @workflow_id, @workflow_hash, @title, @goal, @workspace_path, @parent_session_id,
              @source, @status, @current_step_id, @head_node_id, @created_at, @updated_at)`),
    updateSummary: [0, 1, 2, 3].map((i) => {
      const set = ['current_step_id = ?', 'head_node_id = ?'];
      if (i & STATUS_CHANGED) set.push('status = ?');
      if (i & UPDATED_AT_CHANGED) set.push('updated_at = ?');
      return db.prepare(`UPDATE sessions SET ${set.join(', ')} WHERE session_id = ?`);
    }),
    putSnapshot: db.prepare(
      'INSERT OR IGNORE INTO workflow_snapshots (hash, json, created_at) VALUES (?, ?, ?)',
    ),
    getSnapshot: db.prepare('SELECT json FROM workflow_snapshots WHERE hash = ?'),
  };
}
