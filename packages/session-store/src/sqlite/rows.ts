import type { SessionEvent } from '@worktrain/contracts';
import type { SessionStatus, SessionSummary } from '../port.js';

/** A row of `session_events`. */
export interface EventRow {
  readonly session_id: string;
  readonly seq: number;
  readonly event_id: string;
  readonly at: number;
  readonly kind: string;
  readonly v: number;
  readonly idempotency_key: string | null;
  readonly data: string;
  readonly prev_hash: string;
  readonly hash: string;
}

/** A row of `sessions` (the summary projection) with `last_seq` read from the log (`LAST_SEQ_COLUMN`). */
export interface SummaryRow {
  readonly session_id: string;
  readonly workflow_id: string;
  readonly workflow_hash: string;
  readonly title: string | null;
  readonly goal: string | null;
  readonly workspace_path: string | null;
  readonly parent_session_id: string | null;
  readonly source: string;
  readonly status: string;
  readonly current_step_id: string | null;
  readonly head_node_id: string | null;
  /** The session's number: its events are rowids `session_no * 2^32 + seq` (schema v4). */
  readonly session_no: number;
  readonly last_seq: number;
  readonly created_at: number;
  readonly updated_at: number;
}

/** Column list of `session_events` in {@link EventRow} order. */
export const EVENT_COLUMNS = 'session_id, seq, event_id, at, kind, v, idempotency_key, data, prev_hash, hash';

/**
 * Rebuilds a stored event from its row. The data was validated when written, so it is not re-validated
 * here (reads stay fast); `verify` re-checks hashes and schemas on demand.
 * @throws {SyntaxError} when the stored data is not JSON (a damaged row; callers map it to STORE_CORRUPT).
 */
export function eventFromRow(row: EventRow): SessionEvent {
  // The row was written from a validated SessionEvent; kind and data are correlated by construction.
  return {
    v: row.v,
    sessionId: row.session_id,
    seq: row.seq,
    eventId: row.event_id,
    at: row.at,
    kind: row.kind,
    data: JSON.parse(row.data),
    idempotencyKey: row.idempotency_key,
    prevHash: row.prev_hash,
    hash: row.hash,
  } as SessionEvent;
}

/** Columns of the `readEvents` hot path: everything but session_id (the caller knows it). */
export const RAW_READ_COLUMNS = 'seq, event_id, at, kind, v, idempotency_key, data, prev_hash, hash';

/** A `session_events` row as an array in {@link RAW_READ_COLUMNS} order (better-sqlite3 raw mode). */
export type RawEventRow = readonly [
  seq: number,
  eventId: string,
  at: number,
  kind: string,
  v: number,
  idempotencyKey: string | null,
  data: string,
  prevHash: string,
  hash: string,
];

/**
 * Appends to `out` the events of raw (array) rows of session `sessionId`, in order — the hot path of
 * `readEvents` (no per-row object keyed by column names, no per-row copy of the session id). Returns null,
 * or the seq of the first row whose data is not JSON (a damaged row; `out` then holds the rows before it).
 *
 * Meant for a statement's `iterate()`: each row is dropped as soon as its event is built, so the rows never
 * pile up beside the events (with `all()`, every row of a 10 000-event read stays alive until the end and
 * the young-generation collections during the read copy them all). It also allocates as little as it can:
 * a row's prev_hash equal to the previous row's hash (an intact chain) reuses that string, and each kind's
 * string is shared by all its events. The events are equal to reading each row on its own.
 */
export function eventsFromRawRows(
  sessionId: string,
  rows: Iterable<RawEventRow>,
  out: SessionEvent[],
): number | null {
  const kinds = new Map<string, string>();
  let previousHash: string | undefined;
  for (const row of rows) {
    let kind = kinds.get(row[3]);
    if (kind === undefined) {
      kind = row[3];
      kinds.set(kind, kind);
    }
    let data: unknown;
    try {
      data = JSON.parse(row[6]);
    } catch {
      return row[0];
    }
    const hash = row[8];
    // The row was written from a validated SessionEvent; kind and data are correlated by construction.
    out.push({
      v: row[4],
      sessionId,
      seq: row[0],
      eventId: row[1],
      at: row[2],
      kind,
      data,
      idempotencyKey: row[5],
      prevHash: row[7] === previousHash ? previousHash : row[7],
      hash,
    } as SessionEvent);
    previousHash = hash;
  }
  return null;
}

/**
 * Statement parameters of an event insert (`Statements.insertEvent`): the session number and seq its
 * rowid is made of, then the {@link EVENT_COLUMNS} values.
 */
export function eventToParams(sessionNo: number, event: SessionEvent, dataJson: string): unknown[] {
  return [
    sessionNo,
    event.seq,
    event.sessionId,
    event.seq,
    event.eventId,
    event.at,
    event.kind,
    event.v,
    event.idempotencyKey,
    dataJson,
    event.prevHash,
    event.hash,
  ];
}

export function summaryFromRow(row: SummaryRow): SessionSummary {
  return {
    sessionId: row.session_id,
    workflowId: row.workflow_id,
    workflowHash: row.workflow_hash,
    title: row.title,
    goal: row.goal,
    workspacePath: row.workspace_path,
    parentSessionId: row.parent_session_id,
    source: row.source,
    // Written only by reduceSessionSummary, whose output is a SessionStatus.
    status: row.status as SessionStatus,
    currentStepId: row.current_step_id,
    headNodeId: row.head_node_id,
    lastSeq: row.last_seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Named parameters of the summary insert (lastSeq is not stored: it is the log's highest seq). */
export function summaryToParams(
  s: SessionSummary,
  sessionNo: number,
): Record<string, string | number | null> {
  return {
    session_no: sessionNo,
    session_id: s.sessionId,
    workflow_id: s.workflowId,
    workflow_hash: s.workflowHash,
    title: s.title,
    goal: s.goal,
    workspace_path: s.workspacePath,
    parent_session_id: s.parentSessionId,
    source: s.source,
    status: s.status,
    current_step_id: s.currentStepId,
    head_node_id: s.headNodeId,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}
