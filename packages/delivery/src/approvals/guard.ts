import { err, type JsonObject, makeError, ok, type Result, type WorkTrainError } from '@worktrain/contracts';
import { type Classification, classifyAction } from '../policy/classify.js';
import type { Action, Policy } from '../policy/schema.js';
import type { ApprovalError, ApprovalErrorCode } from './schema.js';
import type { ApprovalStore } from './store.js';
import type { ApprovalRequest } from './types.js';

/**
 * Errors of {@link guardAction}: APPROVAL_REJECTED (details: approvalId, actor, reason) — the action must
 * not happen; ABORTED — the wait was cancelled (the request stays pending and a later guard with the same
 * dedupeKey picks it up); any other approval store error.
 */
export type GuardErrorCode = 'APPROVAL_REJECTED' | ApprovalErrorCode;
export type GuardError = WorkTrainError<GuardErrorCode>;

export interface GuardDeps {
  readonly policy: Policy;
  readonly approvals: ApprovalStore;
  /** Cancels the wait (daemon shutdown, session killed). */
  readonly signal?: AbortSignal;
  /** Poll interval of the wait, ms (default 500). */
  readonly pollMs?: number;
  /** Called once the request is known and still pending (to notify: "approval needed"). */
  readonly onPending?: (request: ApprovalRequest, created: boolean) => void;
}

export interface GuardInput {
  readonly sessionId: string | null;
  readonly action: Action;
  /** One line for the approver: "push 3 commits to main of acme/api". */
  readonly summary: string;
  readonly details?: JsonObject;
  /**
   * Stable across restarts for the same intended action, e.g. `<sessionId>:<stage>:<action kind>:<target>`.
   * A restarted daemon that guards the same action again finds the original request (and its decision).
   */
  readonly dedupeKey: string;
  /** Who asks; default `session:<sessionId>`. */
  readonly actor?: string;
}

/** What the guard decided and why (on success). */
export interface GuardOutcome {
  readonly verdict: 'proceed';
  readonly classification: Classification;
  readonly request: ApprovalRequest;
}

/**
 * The single gate before a side effect: classifies `input.action` with the policy, records an approval
 * request (low tier: recorded approved by `policy:low`), and waits until it is decided — by a person
 * (`worktrain approvals approve|reject`, API, console), or for medium tier by the timeout (`policy:timeout`).
 * Ok(`proceed`) only for an approval; a rejection is APPROVAL_REJECTED. Durable: the request lives in the
 * database, so after a crash the same call (same dedupeKey) resumes waiting on the same request.
 */
export async function guardAction(
  deps: GuardDeps,
  input: GuardInput,
): Promise<Result<GuardOutcome, GuardError>> {
  const classification = classifyAction(deps.policy, input.action);
  const requested = await deps.approvals.requestApproval({
    sessionId: input.sessionId,
    action: input.action,
    tier: classification.tier,
    summary: input.summary,
    details: input.details ?? {},
    dedupeKey: input.dedupeKey,
    autoApproveAfterMs: classification.autoApproveAfterMs,
    classification: classification.reason,
    ...(input.actor === undefined ? {} : { actor: input.actor }),
  });
  if (requested.isErr()) return err(requested.error);
  let request = requested.value.request;
  if (request.state === 'pending') {
    deps.onPending?.(request, requested.value.created);
    const decided = await deps.approvals.waitForDecision(request.id, {
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
    });
    if (decided.isErr()) return err(decided.error);
    request = decided.value;
  }
  if (request.state === 'rejected') {
    return err(
      makeError(
        'APPROVAL_REJECTED',
        `${input.action.kind} was rejected by ${request.decidedBy ?? '?'}${request.decisionReason ? `: ${request.decisionReason}` : ''}`,
        { approvalId: request.id, actor: request.decidedBy, reason: request.decisionReason },
      ),
    );
  }
  return ok({ verdict: 'proceed', classification, request });
}

/** What {@link requestDecision} found: the request as it stands now, without waiting. */
export interface DecisionSnapshot {
  readonly classification: Classification;
  readonly request: ApprovalRequest;
  /** True when this call created the request (first time this dedupeKey was asked). */
  readonly created: boolean;
}

/**
 * The non-blocking twin of {@link guardAction}: classifies and records the request (or finds it by its
 * dedupeKey, applying a due medium-tier timeout), and returns its current state — `approved`, `rejected`
 * or `pending` — without waiting. Callers that must not hold a worker while a person decides (the daemon's
 * delivery) park on `pending` and ask again later with the same dedupeKey. Errors: the approval store's.
 */
export async function requestDecision(
  deps: Pick<GuardDeps, 'policy' | 'approvals'>,
  input: GuardInput,
): Promise<Result<DecisionSnapshot, ApprovalError>> {
  const classification = classifyAction(deps.policy, input.action);
  const requested = await deps.approvals.requestApproval({
    sessionId: input.sessionId,
    action: input.action,
    tier: classification.tier,
    summary: input.summary,
    details: input.details ?? {},
    dedupeKey: input.dedupeKey,
    autoApproveAfterMs: classification.autoApproveAfterMs,
    classification: classification.reason,
    ...(input.actor === undefined ? {} : { actor: input.actor }),
  });
  if (requested.isErr()) return err(requested.error);
  return ok({ classification, request: requested.value.request, created: requested.value.created });
}
