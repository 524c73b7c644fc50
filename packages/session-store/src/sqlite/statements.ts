import type Database from 'better-sqlite3';
import { EVENT_COLUMNS, RAW_READ_COLUMNS } from './rows.js';

/**
 * Schema v4 keys each event by its rowid `event_key = session_no * 2^32 + seq`: these are the SQL
 * expressions of the first and last key of session number `no` (an SQL expression).
 */
const firstKey = (no: string): string => `${no} * 4294967296`;
const lastKey = (no: string): string => `${no} * 4294967296 + 4294967295`;

/** `cols` ("a, b, c") qualified with table alias `alias` ("e.a, e.b, e.c"). */
const qualified = (alias: string, cols: string): string =>
  cols
    .split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');

/** The prepared statements of the SQLite store, compiled once per connection. */
export interface Statements {
  readonly getSummary: Database.Statement;
  /** (session_no, session_no) → { seq, hash } of the session's last event, or undefined. */
  readonly getHead: Database.Statement;
  /**
   * (sessionId) → { seq } of the last event carrying this session id, found by a table scan: only for
   * telling a session that does not exist from one whose summary row was deleted behind the store's back.
   */
  readonly getOrphanHead: Database.Statement;
  /** (sessionId) → EventRow[] in seq order by a table scan (verify of a session without summary row). */
  readonly readOrphanEvents: Database.Statement;
  /** () → { no }: the session number the next new session gets (numbers are never reused). */
  readonly nextSessionNo: Database.Statement;
  readonly getBatch: Database.Statement;
  /** (sessionId, afterSeq, limit; -1 = no limit) → EventRow[] in seq order. */
  readonly readRange: Database.Statement;
  /** readRange in raw mode: rows as arrays (`RawEventRow`). */
  readonly readRangeRaw: Database.Statement;
  /** (sessionId, seq) → { hash } */
  readonly getHash: Database.Statement;
  /** (session_no, seq, ...EVENT_COLUMNS values) — see `eventToParams`. */
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
 * `last_seq` of a summary row aliased `s`: the seq of the session's last event, read from the end of its
 * rowid range (schema v3 and later store no last_seq column, so appends need not rewrite the summary row).
 */
export const LAST_SEQ_COLUMN = `coalesce((SELECT e.seq FROM session_events e WHERE e.event_key BETWEEN ${firstKey('s.session_no')} AND ${lastKey('s.session_no')} ORDER BY e.event_key DESC LIMIT 1), 0) AS last_seq`;

/** Events of session `?` after seq `?` in seq order (a rowid range scan), at most `?` rows (-1 = all). */
const rangeSql = (cols: string): string =>
  `SELECT ${qualified('e', cols)} FROM sessions s CROSS JOIN session_events e
   WHERE s.session_id = ? AND e.event_key > ${firstKey('s.session_no')} + ? AND e.event_key <= ${lastKey('s.session_no')}
   ORDER BY e.event_key LIMIT ?`;

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
      `SELECT seq, hash FROM session_events WHERE event_key BETWEEN ${firstKey('?')} AND ${lastKey('?')}
       ORDER BY event_key DESC LIMIT 1`,
    ),
    getOrphanHead: db.prepare(
      'SELECT seq FROM session_events WHERE session_id = ? ORDER BY seq DESC LIMIT 1',
    ),
    readOrphanEvents: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM session_events WHERE session_id = ? ORDER BY seq`,
    ),
    // Above every number in use, including that of events left behind by a deleted summary row (two index
    // lookups: the sessions_by_no maximum and the table's largest rowid).
    nextSessionNo: db.prepare(`SELECT max(coalesce((SELECT max(session_no) FROM sessions), 0),
                                          coalesce((SELECT max(event_key) FROM session_events), 0) >> 32) + 1 AS no`),
    getBatch: db.prepare(
      'SELECT first_seq, last_seq, digest FROM session_batches WHERE session_id = ? AND idempotency_key = ?',
    ),
    readRange: db.prepare(rangeSql(EVENT_COLUMNS)),
    readRangeRaw: db.prepare(rangeSql(RAW_READ_COLUMNS)).raw(true),
    getHash: db.prepare(
      `SELECT e.hash FROM sessions s CROSS JOIN session_events e
       WHERE s.session_id = ? AND e.event_key = ${firstKey('s.session_no')} + ?`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO session_events (event_key, ${EVENT_COLUMNS}) VALUES (${firstKey('?')} + ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertBatch: db.prepare(
      'INSERT INTO session_batches (session_id, idempotency_key, first_seq, last_seq, digest) VALUES (?, ?, ?, ?, ?)',
    ),
    insertSummary: db.prepare(`
      INSERT INTO sessions (session_id, workflow_id, workflow_hash, title, goal, workspace_path, parent_session_id,
                            source, status, current_step_id, head_node_id, created_at, updated_at, session_no)
      VALUES (@session_id, @workflow_id, @workflow_hash, @title, @goal, @workspace_path, @parent_session_id,
              @source, @status, @current_step_id, @head_node_id, @created_at, @updated_at, @session_no)`),
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
