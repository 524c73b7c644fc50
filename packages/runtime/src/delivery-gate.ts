import {
  err,
  errAsync,
  type JsonObject,
  type Logger,
  makeError,
  ok,
  type Result,
  ResultAsync,
  type WorkTrainError,
} from '@worktrain/contracts';
import {
  type DeliveryGateVerdict,
  gateDeliveryActions,
  planDeliveryActions,
  protectedPathsOf,
  sessionActivity,
} from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';
import { agentActionKeys } from './action-gate.js';
import type { DeliveryApprovals } from './approvals.js';
import type { DeliverFn, DeliverRequest } from './delivery.js';
import { appendAtHead, readAll } from './session-log.js';

/**
 * Errors the gate adds to a {@link DeliverFn}:
 * - NEEDS_APPROVAL: at least one side effect waits for a person (details: `approvalIds` pending,
 *   `createdIds` the ones this call created — "approval needed" is notified once for those);
 * - APPROVAL_REJECTED: a side effect was rejected (details: approvalId, action, actor, reason). Nothing was
 *   pushed or opened.
 */
export type GateErrorCode = 'NEEDS_APPROVAL' | 'APPROVAL_REJECTED';

/**
 * Puts the blast-radius policy in front of a delivery (DESIGN §8): before the first side effect, the
 * delivery's actions — protected paths the change touches, commands the agent ran that the policy ranks
 * above low (except those its action gate already decided before they ran), money spent, the push of `worktrain/<session>`, the pull/merge request, labels, the issue
 * comment, the Jira transition —
 * are cleared with `policy.yaml` as durable approval requests. Only when every one is approved does the
 * inner delivery run (with the approved protected paths passed on, so its patch check lets them through).
 * Asking again (a resume, a restart) finds the same requests by their dedupe keys. Each evaluation is
 * written to the session log as a `decision_trace` (`delivery_gate`) with every action's tier, decider and
 * reason; the requests themselves mirror `gate_parked` / `gate_resolved` events.
 */
export function gateDelivery(
  inner: DeliverFn,
  deps: {
    readonly store: SessionStore;
    readonly approvals: DeliveryApprovals;
    readonly logger: Logger;
    /** Remote whose base branch the diff is measured against (default `origin`). */
    readonly remote?: string;
    /** Status the Jira return path moves a ticket to when the change request opens (`jira.transitions.onOpened`). */
    readonly ticketStatus?: string | null;
    /** Labels the delivery adds for this request (GitLab `forge.gitlab.labels` / `issueLabels`). */
    readonly labelsFor?: (request: DeliverRequest) => readonly string[];
  },
): DeliverFn {
  const log = deps.logger.child({ component: 'delivery-gate' });
  return (request) =>
    // A dry run has no side effect to clear: it only plans.
    request.dryRun === true
      ? inner(request)
      : ResultAsync.fromSafePromise(evaluate(request)).andThen((verdict) => {
          if (verdict.isErr()) return errAsync(verdict.error);
          const v = verdict.value;
          if (v === 'delivered') return inner(request);
          if (v.verdict.kind === 'pending') {
            const createdIds = v.verdict.decisions.flatMap((d) =>
              d.created && d.request?.state === 'pending' ? [d.request.id] : [],
            );
            return errAsync(
              makeError(
                'NEEDS_APPROVAL',
                `delivery waits for approval of ${v.verdict.pending.map((r) => `${r.action.kind} (${r.tier})`).join(', ')}`,
                { approvalIds: v.verdict.pending.map((r) => r.id), createdIds },
              ),
            );
          }
          if (v.verdict.kind === 'rejected') {
            const r = v.verdict.rejected;
            return errAsync(
              makeError(
                'APPROVAL_REJECTED',
                `${r.action.kind} was rejected by ${r.decidedBy ?? '?'}${r.decisionReason ? `: ${r.decisionReason}` : ''}`,
                { approvalId: r.id, action: r.action.kind, actor: r.decidedBy, reason: r.decisionReason },
              ),
            );
          }
          return inner({ ...request, approvedProtectedPaths: v.protectedPaths });
        });

  async function evaluate(
    request: DeliverRequest,
  ): Promise<
    Result<'delivered' | { verdict: DeliveryGateVerdict; protectedPaths: string[] }, WorkTrainError<string>>
  > {
    const events = await readAll(deps.store, request.sessionId);
    if (events.isErr()) return err(events.error);
    // Already delivered: the inner delivery replays its record, nothing new happens.
    if (
      events.value.some(
        (e) =>
          e.kind === 'delivery_recorded' && e.data.stage === 'delivery' && e.data.outcome === 'succeeded',
      )
    )
      return ok('delivered');
    const baseRef = `refs/remotes/${deps.remote ?? 'origin'}/${request.baseBranch}`;
    const paths = await protectedPathsOf(request.worktreeGit, baseRef);
    if (paths.isErr()) return err(paths.error);
    const activity = sessionActivity(events.value);
    // Commands the agent's action gate already decided (run after approval, or refused and never run) are
    // not asked about again; only commands that ran without the gate (an older daemon) are.
    const asked = deps.approvals.store.list({ sessionId: request.sessionId, limit: 1000 });
    const gated = new Set(asked.isOk() ? asked.value.map((r) => r.dedupeKey) : []);
    const ungated = events.value.flatMap((e) => {
      if (e.kind !== 'tool_call_started' || e.data.name !== 'bash') return [];
      if (gated.has(agentActionKeys.command(request.sessionId, e.data.toolCallId))) return [];
      const input = e.data.input;
      const command =
        typeof input === 'object' && input !== null && !Array.isArray(input) ? input.command : undefined;
      return typeof command === 'string' ? [command] : [];
    });
    const branch = `worktrain/${request.sessionId}`;
    const planned = planDeliveryActions({
      sessionId: request.sessionId,
      deliveryId: '1',
      repo: request.repo,
      changeRequestNoun: request.forge === 'gitlab' ? 'merge request' : 'pull request',
      branch,
      baseBranch: request.baseBranch,
      issueNumber: request.issueNumber,
      protectedPaths: paths.value,
      commands: ungated,
      spentUsd: activity.spentUsd,
      labels: deps.labelsFor?.(request) ?? [],
      ticket:
        request.jiraIssueKey === undefined || request.jiraIssueKey === null
          ? null
          : { key: request.jiraIssueKey, status: deps.ticketStatus ?? null },
    });
    const verdict = await gateDeliveryActions(
      { policy: deps.approvals.policy, approvals: deps.approvals.store },
      request.sessionId,
      planned,
    );
    if (verdict.isErr()) return err(verdict.error);
    const decisions: JsonObject[] = verdict.value.decisions.map((d) => ({
      action: d.planned.action.kind,
      summary: d.planned.summary,
      tier: d.tier,
      state: d.request?.state ?? 'approved',
      approvalId: d.request?.id ?? null,
      decidedBy: d.request?.decidedBy ?? (d.request === null ? 'policy:low' : null),
      reason: d.request?.decisionReason ?? d.reason,
    }));
    const traced = await appendAtHead(deps.store, request.sessionId, [
      {
        kind: 'decision_trace',
        data: {
          nodeId: null,
          decision: 'delivery_gate',
          reason: `${verdict.value.kind} under ${deps.approvals.policy.source}`,
          data: { verdict: verdict.value.kind, policy: deps.approvals.policy.source, decisions },
        },
      },
    ]);
    if (traced.isErr())
      log.warn({ sessionId: request.sessionId, code: traced.error.code }, 'delivery gate not traced');
    return ok({ verdict: verdict.value, protectedPaths: paths.value });
  }
}
