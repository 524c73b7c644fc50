/**
 * The merge follow-up: a change request WorkTrain opened was merged, so its session's Jira ticket moves on,
 * cleared first with the blast-radius policy (a durable approval request) when approvals are wired.
 */
import {
  err,
  errAsync,
  type JsonObject,
  makeError,
  ok,
  okAsync,
  type Result,
  ResultAsync,
  type WorkTrainError,
} from '@worktrain/contracts';
import { type ApprovalRequest, type ApprovalStore, type Policy, requestDecision } from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';
import type { Forges } from './forges.js';
import { type MergedChangeRequest, targetFromJson } from './payload.js';
import { appendAtHead, readAll } from './session-log.js';
import { TICKET_STAGE, updateTicket } from './ticket-update.js';

/** What {@link createMergeFollowUp} did for a merged change request. */
export type MergeFollowUp =
  | { readonly outcome: 'ticket_updated'; readonly issueKey: string }
  | { readonly outcome: 'nothing_to_do'; readonly reason: string }
  | {
      /** A person rejected the transition: the ticket stays where it is (recorded, stage `ticket_merged`). */
      readonly outcome: 'rejected';
      readonly issueKey: string;
      readonly approvalId: string;
      readonly actor: string | null;
      readonly reason: string | null;
    };

/** The policy and the approval store the merge follow-up clears its Jira transition with. */
export interface MergeApprovals {
  readonly policy: Policy;
  readonly store: ApprovalStore;
}

/**
 * Handles the merge of a change request WorkTrain opened (`MergedChangeRequest`, from a GitLab merge request
 * or GitHub pull request event whose head branch is `worktrain/<sessionId>`): when that session came from a
 * Jira ticket, the ticket moves to `jira.transitions.onMerged`, its remote link is marked resolved and it gets
 * one "merged" comment (stage `ticket_merged`, once per session). No new session is started.
 *
 * With `approvals`, the transition is a `transition_ticket` action (target the ticket key, status
 * `mergedStatus`) cleared with the blast-radius policy first (the built-in policy ranks Done / Closed /
 * Resolved / "Won't Do" medium), as a durable approval request whose dedupe key is
 * `<sessionId>:merged:transition_ticket:<key>:<status>` — a retried task or a restarted daemon finds the same
 * request and its decision. Each evaluation is written to the session log as a `decision_trace`
 * (`merge_gate`) with the tier, the request, who decided and why. Low tier (or a decided approval) → the
 * ticket moves; pending → NEEDS_APPROVAL (details: `approvalIds`, `createdIds`; the caller parks the task,
 * it holds no worker); rejected → `rejected`, recorded as a skipped `ticket_merged` stage with the
 * approval id, actor and reason; the ticket does not move.
 *
 * Errors: NEEDS_APPROVAL, the approval store's codes, the Jira codes (TRANSITION_NOT_FOUND lists the
 * available transitions); a session unknown to this daemon or without a ticket is `nothing_to_do`.
 */
export function createMergeFollowUp(options: {
  readonly store: SessionStore;
  readonly forges: Forges;
  /** Clear the transition with the policy (null/absent: no gate, the ticket moves at once). */
  readonly approvals?: MergeApprovals | null;
  /** The status the ticket moves to (`jira.transitions.onMerged`, default `Done`), for the policy. */
  readonly mergedStatus?: string;
}): (merged: MergedChangeRequest) => ResultAsync<MergeFollowUp, WorkTrainError<string>> {
  const { store, forges } = options;
  const approvals = options.approvals ?? null;
  const status = options.mergedStatus ?? 'Done';
  return (merged) =>
    ResultAsync.fromSafePromise(store.readEvents(merged.sessionId, { limit: 1 })).andThen((first) => {
      const created = first.isOk() ? first.value[0] : undefined;
      const meta = created?.kind === 'session_created' ? created.data.context.daemon : undefined;
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
        return okAsync<MergeFollowUp>({
          outcome: 'nothing_to_do',
          reason: `session ${merged.sessionId} was not started by this daemon`,
        });
      const target = targetFromJson(meta);
      if (target.jiraIssueKey === null)
        return okAsync<MergeFollowUp>({
          outcome: 'nothing_to_do',
          reason: `session ${merged.sessionId} has no Jira ticket`,
        });
      const issueKey = target.jiraIssueKey;
      const move = () =>
        updateTicket(
          store,
          forges.jira,
          { sessionId: merged.sessionId },
          issueKey,
          {
            target: `${merged.forge}:${merged.project}`,
            number: merged.number,
            url: merged.url ?? '',
            title: merged.title,
          },
          'merged',
        ).map((): MergeFollowUp => ({ outcome: 'ticket_updated', issueKey }));
      if (approvals === null || forges.jira === null) return move();
      return ResultAsync.fromSafePromise(
        gateMergeTransition(store, approvals, merged, issueKey, status),
      ).andThen((gate) => {
        if (gate.isErr()) return errAsync(gate.error);
        const v = gate.value;
        if (v.kind === 'proceed') return move();
        if (v.kind === 'replay') return okAsync<MergeFollowUp>(v.result);
        return errAsync(
          makeError(
            'NEEDS_APPROVAL',
            `moving Jira ticket ${issueKey} to "${status}" waits for approval (${v.request.tier})`,
            { approvalIds: [v.request.id], createdIds: v.created ? [v.request.id] : [] },
          ),
        );
      });
    });
}

type MergeGate =
  | { readonly kind: 'proceed' }
  | { readonly kind: 'replay'; readonly result: MergeFollowUp }
  | { readonly kind: 'pending'; readonly request: ApprovalRequest; readonly created: boolean };

/**
 * Clears the merge follow-up's Jira transition with the policy (see {@link createMergeFollowUp}); a
 * rejection is recorded once. A ticket already moved by an earlier run is `proceed` without a new request
 * (`updateTicket` replays its record).
 */
async function gateMergeTransition(
  store: SessionStore,
  approvals: MergeApprovals,
  merged: MergedChangeRequest,
  issueKey: string,
  status: string,
): Promise<Result<MergeGate, WorkTrainError<string>>> {
  const { sessionId } = merged;
  const events = await readAll(store, sessionId);
  const stageEvents = (events.isOk() ? events.value : []).filter(
    (e) => e.kind === 'delivery_recorded' && e.data.stage === TICKET_STAGE.merged,
  );
  if (stageEvents.some((e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded'))
    return ok({ kind: 'proceed' });
  const noun = merged.forge === 'gitlab' ? 'merge request' : 'pull request';
  const decided = await requestDecision(
    { policy: approvals.policy, approvals: approvals.store },
    {
      sessionId,
      action: { kind: 'transition_ticket', target: issueKey, status },
      summary: `move Jira ticket ${issueKey} to "${status}": the ${noun} ${merged.project}#${merged.number} was merged`,
      details: { key: issueKey, status, project: merged.project, number: merged.number, url: merged.url },
      dedupeKey: `${sessionId}:merged:transition_ticket:${issueKey}:${status}`,
    },
  );
  if (decided.isErr()) return err(decided.error);
  const { request, classification, created } = decided.value;
  const audit: JsonObject = {
    approvalId: request.id,
    action: 'transition_ticket',
    tier: request.tier,
    state: request.state,
    decidedBy: request.decidedBy,
    reason: request.decisionReason ?? classification.reason,
  };
  const traced = await appendAtHead(store, sessionId, [
    {
      kind: 'decision_trace',
      data: {
        nodeId: null,
        decision: 'merge_gate',
        reason: `${request.state} under ${approvals.policy.source}`,
        data: { issueKey, status, policy: approvals.policy.source, ...audit },
      },
    },
  ]);
  if (traced.isErr())
    return err(makeError('STORE_FAILED', `Cannot record the merge gate: ${traced.error.message}`));
  if (request.state === 'pending') return ok({ kind: 'pending', request, created });
  if (request.state !== 'rejected') return ok({ kind: 'proceed' });
  const result: MergeFollowUp = {
    outcome: 'rejected',
    issueKey,
    approvalId: request.id,
    actor: request.decidedBy,
    reason: request.decisionReason,
  };
  const recorded = stageEvents.some(
    (e) => e.kind === 'delivery_recorded' && e.data.details?.approvalId === request.id,
  );
  if (!recorded) {
    const r = await appendAtHead(store, sessionId, [
      {
        kind: 'delivery_recorded',
        data: {
          stage: TICKET_STAGE.merged,
          outcome: 'skipped',
          details: {
            code: 'APPROVAL_REJECTED',
            issueKey,
            status,
            approvalId: request.id,
            actor: request.decidedBy,
            reason: request.decisionReason,
          },
        },
      },
    ]);
    if (r.isErr()) return err(makeError('STORE_FAILED', `Cannot record the rejection: ${r.error.message}`));
  }
  return ok({ kind: 'replay', result });
}
