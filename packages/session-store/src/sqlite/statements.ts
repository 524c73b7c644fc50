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
  readonly upsertSummary: Database.Statement;
  readonly putSnapshot: Database.Statement;
  readonly getSnapshot: Database.Statement;
}

export function createStatements(db: Database.Database): Statements {
  return {
    getSummary: db.prepare('SELECT * FROM sessions WHERE session_id = ?'),
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
    upsertSummary: db.prepare(`
      INSERT INTO sessions (session_id, workflow_id, workflow_hash, title, goal, workspace_path, parent_session_id,
                            source, status, current_step_id, head_node_id, last_seq, created_at, updated_at)
      VALUES (@session_id, @workflow_id, @workflow_hash, @title, @goal, @workspace_path, @parent_session_id,
              @source, @status, @current_step_id, @head_node_id, @last_seq, @created_at, @updated_at)
      ON CONFLICT (session_id) DO UPDATE SET
        status = excluded.status, current_step_id = excluded.current_step_id, head_node_id = excluded.head_node_id,
        last_seq = excluded.last_seq, updated_at = excluded.updated_at`),
    putSnapshot: db.prepare(
      'INSERT OR IGNORE INTO workflow_snapshots (hash, json, created_at) VALUES (?, ?, ?)',
    ),
    getSnapshot: db.prepare('SELECT json FROM workflow_snapshots WHERE hash = ?'),
  };
}
