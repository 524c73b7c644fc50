import type { ActionGate, ActionGateDecision, ActionGateRequest } from '@worktrain/agent';
import type { Logger } from '@worktrain/contracts';
import {
  type Action,
  type ApprovalRequest,
  type ApprovalStore,
  classifyAction,
  LOW_TIER_ACTOR,
  type Policy,
  requestDecision,
} from '@worktrain/delivery';

/** The daemon's {@link ActionGate}: `policy.yaml` + durable approval requests. */
export interface AgentActionGate extends ActionGate {
  /**
   * True when `sessionId` has a pending approval request of an agent action (a command or a spend
   * threshold): the session shows `awaiting_approval`, but its agent run must go on (and wait inside the
   * gate), unlike a delivery parked for approval.
   */
  awaits(sessionId: string): boolean;
}

export interface AgentActionGateDeps {
  readonly policy: Policy;
  readonly approvals: ApprovalStore;
  /** Called once for a request this gate created that waits for a person ("approval needed"). */
  readonly onApprovalNeeded?: (sessionId: string, request: ApprovalRequest) => void;
  /** Poll interval of a wait, ms (default 500): decisions come from other processes (CLI). */
  readonly pollMs?: number;
  readonly logger: Logger;
}

/** Dedupe keys of agent actions: deterministic, so a resumed run finds the request it waited on. */
export const agentActionKeys = {
  prefix: (sessionId: string): string => `${sessionId}:agent:`,
  command: (sessionId: string, toolUseId: string): string => `${sessionId}:agent:run_command:${toolUseId}`,
  spend: (sessionId: string, thresholdUsd: number): string => `${sessionId}:agent:spend:${thresholdUsd}`,
} as const;

/**
 * The USD amounts at which the agent asks for `spend`: every `aboveUsd` of the policy's spend rules, and 0
 * (the first cent) — each kept only when spending just above it is not low tier (a low-tier spend needs
 * no decision, so it is not asked). With the built-in policy: [10]. A policy without any spend rule is
 * default-deny: [0], so the first model cost waits for a decision.
 */
export function spendThresholds(policy: Policy): number[] {
  const points = new Set<number>([0]);
  for (const rule of policy.rules)
    if (rule.action === 'spend' && rule.aboveUsd !== undefined) points.add(rule.aboveUsd);
  return [...points]
    .sort((a, b) => a - b)
    .filter((t) => classifyAction(policy, { kind: 'spend', usd: t + 1e-6 }).tier !== 'low');
}

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Puts the blast-radius policy in front of the agent's own actions (DESIGN §8, issue #6): each `bash`
 * command is classified as `run_command`, each spend threshold as `spend`, and recorded as an approval
 * request (dedupe key `<session>:agent:run_command:<tool_use id>` or `<session>:agent:spend:<threshold>`).
 * Low tier is recorded approved by `policy:low` and runs at once; medium waits for a person or its
 * timeout (`policy:timeout`); high waits for a person (`worktrain approvals approve|reject`, the API).
 * While a request is pending the approval store mirrors `gate_parked` into the session log (status
 * `awaiting_approval`) and `gate_resolved` with the decider once decided. The wait holds the session's
 * worker; a run stopped while waiting (daemon restart) asks again on resume with the same key and finds the
 * same request. Failures of the store refuse (fail closed, actor `worktrain`).
 */
export function createAgentActionGate(deps: AgentActionGateDeps): AgentActionGate {
  const log = deps.logger.child({ component: 'action-gate' });
  return {
    spendThresholdsUsd: spendThresholds(deps.policy),
    awaits(sessionId) {
      const pending = deps.approvals.list({ state: 'pending', sessionId, limit: 1000 });
      if (pending.isErr()) return false;
      return pending.value.some((r) => r.dedupeKey.startsWith(agentActionKeys.prefix(sessionId)));
    },
    async decide(request, context): Promise<ActionGateDecision> {
      const { sessionId } = context;
      const { action, summary, dedupeKey, details } = describe(sessionId, request);
      const snapshot = await requestDecision(
        { policy: deps.policy, approvals: deps.approvals },
        { sessionId, action, summary, dedupeKey, details, actor: `session:${sessionId}` },
      );
      if (snapshot.isErr()) {
        log.warn(
          { sessionId, code: snapshot.error.code },
          `cannot ask for approval: ${snapshot.error.message}`,
        );
        return {
          allowed: false,
          actor: 'worktrain',
          reason: `cannot ask for approval: ${snapshot.error.message}`,
        };
      }
      let current = snapshot.value.request;
      if (current.state === 'pending') {
        if (snapshot.value.created) deps.onApprovalNeeded?.(sessionId, current);
        log.info(
          { sessionId, approvalId: current.id, tier: current.tier },
          `waiting for approval: ${summary}`,
        );
        await context.onWaiting({ requestId: current.id, tier: current.tier, summary });
        const decided = await deps.approvals.waitForDecision(current.id, {
          signal: context.signal,
          ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
        });
        if (decided.isErr())
          return {
            allowed: false,
            actor: 'worktrain',
            reason:
              decided.error.code === 'ABORTED'
                ? 'stopped waiting for the decision (the session was stopped)'
                : `cannot read the decision: ${decided.error.message}`,
          };
        current = decided.value;
      }
      const actor = current.decidedBy ?? LOW_TIER_ACTOR;
      if (current.state === 'rejected')
        return { allowed: false, actor, reason: current.decisionReason ?? 'rejected' };
      return {
        allowed: true,
        actor,
        ...(current.decisionReason === null ? {} : { reason: current.decisionReason }),
      };
    },
  };
}

function describe(
  sessionId: string,
  request: ActionGateRequest,
): { action: Action; summary: string; dedupeKey: string; details: { [key: string]: string | number } } {
  if (request.kind === 'run_command')
    return {
      action: { kind: 'run_command', command: request.command, target: sessionId },
      summary: `run \`${cut(request.command, 200)}\` in session ${sessionId}`,
      dedupeKey: agentActionKeys.command(sessionId, request.toolUseId),
      details: { command: cut(request.command, 4000), toolUseId: request.toolUseId },
    };
  return {
    action: { kind: 'spend', usd: request.usd, target: sessionId },
    summary: `spend more than ${request.thresholdUsd} USD on model calls in session ${sessionId} (spent ${request.usd.toFixed(2)} USD so far)`,
    dedupeKey: agentActionKeys.spend(sessionId, request.thresholdUsd),
    details: { usd: request.usd, thresholdUsd: request.thresholdUsd },
  };
}
