import { JsonObjectSchema } from '@worktrain/contracts';
import { ActionSchema, type Tier } from '../policy/schema.js';
import type { ApprovalRequest, ApprovalState } from './types.js';

/** A row of `approval_requests` as better-sqlite3 returns it. */
export interface ApprovalRow {
  readonly seq: number;
  readonly id: string;
  readonly session_id: string | null;
  readonly dedupe_key: string;
  readonly action_kind: string;
  readonly action: string;
  readonly tier: Tier;
  readonly summary: string;
  readonly details: string;
  readonly classification: string | null;
  readonly state: ApprovalState;
  readonly requested_by: string;
  readonly requested_at: number;
  readonly auto_approve_at: number | null;
  readonly decided_at: number | null;
  readonly decided_by: string | null;
  readonly decision_reason: string | null;
}

/** Maps a row to the public shape; JSON columns are re-validated (a corrupted cell degrades, never throws). */
export function rowToRequest(row: ApprovalRow): ApprovalRequest {
  const action = ActionSchema.safeParse(safeJson(row.action));
  const details = JsonObjectSchema.safeParse(safeJson(row.details));
  return {
    id: row.id,
    sessionId: row.session_id,
    dedupeKey: row.dedupe_key,
    action: action.success ? action.data : { kind: row.action_kind },
    tier: row.tier,
    summary: row.summary,
    details: details.success ? details.data : {},
    classification: row.classification,
    state: row.state,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    autoApproveAt: row.auto_approve_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
