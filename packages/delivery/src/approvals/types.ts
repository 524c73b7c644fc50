import { type JsonObject, JsonObjectSchema } from '@worktrain/contracts';
import * as z from 'zod';
import { type Action, ActionSchema, TIERS, type Tier } from '../policy/schema.js';

export const APPROVAL_STATES = ['pending', 'approved', 'rejected'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];
export type ApprovalVerdict = 'approved' | 'rejected';

/** Actor recorded when a medium-tier request is approved because nobody decided in time. */
export const TIMEOUT_ACTOR = 'policy:timeout';
/** Actor recorded for a low-tier action, approved on request. */
export const LOW_TIER_ACTOR = 'policy:low';

/** A durable approval request (a row of `approval_requests`). Times are ms since the Unix epoch. */
export interface ApprovalRequest {
  /** `appr_<26 base32>`. */
  readonly id: string;
  readonly sessionId: string | null;
  readonly dedupeKey: string;
  readonly action: Action;
  readonly tier: Tier;
  readonly summary: string;
  readonly details: JsonObject;
  /** Why the policy chose this tier (see `classifyAction`), if given. */
  readonly classification: string | null;
  readonly state: ApprovalState;
  readonly requestedBy: string;
  readonly requestedAt: number;
  /** Medium tier: when `policy:timeout` approves it if nobody decided; null otherwise. */
  readonly autoApproveAt: number | null;
  readonly decidedAt: number | null;
  readonly decidedBy: string | null;
  readonly decisionReason: string | null;
}

/** One audit row: every request, re-request and decision, with who, why and when. */
export interface ApprovalAuditEntry {
  readonly seq: number;
  readonly approvalId: string;
  readonly event: 'requested' | 're_requested' | 'approved' | 'rejected';
  readonly actor: string;
  readonly reason: string | null;
  readonly at: number;
}

/** Input of `requestApproval`. */
export const ApprovalRequestInputSchema = z.object({
  sessionId: z.string().min(1).nullable(),
  action: ActionSchema,
  tier: z.enum(TIERS),
  summary: z.string().min(1).max(2000),
  details: JsonObjectSchema.default({}),
  /**
   * Stable key of this action in its session (e.g. `sess_…:push:main:1`): requesting again with the same key
   * returns the existing request (the daemon re-requests after a restart and finds it).
   */
  dedupeKey: z.string().min(1).max(512),
  /** Medium tier: ms until auto-approval; null/absent = never (then it waits like high). */
  autoApproveAfterMs: z.number().int().nonnegative().nullable().optional(),
  /** Who asks (default `session:<sessionId>`, else `worktrain`). */
  actor: z.string().min(1).optional(),
  classification: z.string().optional(),
});
export type ApprovalRequestInput = z.input<typeof ApprovalRequestInputSchema>;

/** Input of `decide`. */
export const DecisionInputSchema = z.object({
  id: z.string().min(1),
  verdict: z.enum(['approved', 'rejected']),
  /** Who decided: `cli:alice`, `api:token-name`, `console:bob`. */
  actor: z.string().trim().min(1),
  reason: z.string().trim().min(1).optional(),
});
export type DecisionInput = z.input<typeof DecisionInputSchema>;

/** What `requestApproval` returns: the request and whether this call created it. */
export interface RequestOutcome {
  readonly request: ApprovalRequest;
  readonly created: boolean;
}

export interface ListApprovalsQuery {
  readonly state?: ApprovalState;
  readonly sessionId?: string;
  /** Default 100, max 1000. Newest first. */
  readonly limit?: number;
}
