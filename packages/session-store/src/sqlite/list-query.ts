import type { NormalisedListQuery } from '../listing.js';
import { LAST_SEQ_COLUMN } from './statements.js';

/** Name of the SQL function registered on each connection for case-insensitive substring search. */
export const CONTAINS_FUNCTION = 'session_store_contains';

/**
 * Builds the `listSessions` SQL and its parameters. Text search uses {@link CONTAINS_FUNCTION} (Unicode
 * lower-casing in JS, same as the memory store) over title, goal, workflow id and the notes of
 * `output_appended` events. Order: updated_at DESC, session_id ASC.
 */
export function buildListSql(q: NormalisedListQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.status !== undefined) {
    where.push(`s.status IN (${q.status.map(() => '?').join(', ')})`);
    params.push(...q.status);
  }
  if (q.workflowId !== undefined) {
    where.push('s.workflow_id = ?');
    params.push(q.workflowId);
  }
  if (q.workspacePath !== undefined) {
    where.push('s.workspace_path = ?');
    params.push(q.workspacePath);
  }
  if (q.parentSessionId !== undefined) {
    where.push('s.parent_session_id = ?');
    params.push(q.parentSessionId);
  }
  if (q.updatedSince !== undefined) {
    where.push('s.updated_at >= ?');
    params.push(q.updatedSince);
  }
  if (q.needle !== undefined) {
    where.push(
      `(${CONTAINS_FUNCTION}(s.title, ?) OR ${CONTAINS_FUNCTION}(s.goal, ?) OR ${CONTAINS_FUNCTION}(s.workflow_id, ?)
        OR EXISTS (SELECT 1 FROM session_events e WHERE e.session_id = s.session_id AND e.kind = 'output_appended'
                   AND ${CONTAINS_FUNCTION}(json_extract(e.data, '$.notesMarkdown'), ?)))`,
    );
    params.push(q.needle, q.needle, q.needle, q.needle);
  }
  const sql = `SELECT s.*, ${LAST_SEQ_COLUMN} FROM sessions s${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY s.updated_at DESC, s.session_id ASC LIMIT ? OFFSET ?`;
  params.push(q.limit, q.offset);
  return { sql, params };
}
