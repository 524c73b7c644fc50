import { createHash } from 'node:crypto';
import {
  err,
  type GitTarget,
  type JsonObject,
  ok,
  type Result,
  type ResultAsync,
  type SessionEvent,
} from '@worktrain/contracts';
import { collectWorktreeChanges } from '../diff.js';
import type { DeliveryError } from '../errors.js';
import { checkPatch } from '../patch-check.js';
import { classifyAction } from '../policy/classify.js';
import type { Action, Policy } from '../policy/schema.js';
import { requestDecision } from './guard.js';
import type { ApprovalError } from './schema.js';
import type { ApprovalStore } from './store.js';
import type { ApprovalRequest } from './types.js';

/** What a delivery is about to do, gathered before its first side effect. */
export interface DeliveryFacts {
  readonly sessionId: string;
  /** Delivery round (`1` unless a fix loop delivers again); part of every approval's dedupeKey. */
  readonly deliveryId: string;
  /** Where: `owner/name` (GitHub) or the GitLab project path. */
  readonly repo: string;
  /** `pull request` or `merge request`, for the approver's summary. */
  readonly changeRequestNoun: string;
  /** Head branch that is pushed (`worktrain/<session>`). */
  readonly branch: string;
  readonly baseBranch: string;
  /** Source issue that gets a comment, or null. */
  readonly issueNumber: number | null;
  /** Changed paths the patch check marks as protected (need approval), repo-relative. */
  readonly protectedPaths: readonly string[];
  /** Shell commands the agent ran (`bash` tool calls), in order, duplicates allowed. */
  readonly commands: readonly string[];
  /** Money the session spent on model calls, USD; null when unknown. */
  readonly spentUsd: number | null;
  /** Labels delivery adds (to the merge request or the source issue); default none. */
  readonly labels?: readonly string[];
  /** Jira ticket the return path moves to `status` (null: its configured status is unknown here). */
  readonly ticket?: { readonly key: string; readonly status: string | null } | null;
}

/** One side effect to clear with the policy. */
export interface PlannedAction {
  readonly action: Action;
  /** One line for the approver. */
  readonly summary: string;
  /** Stable across restarts: the same action of the same delivery round finds the same request. */
  readonly dedupeKey: string;
  readonly details: JsonObject;
  /**
   * Whether a low-tier classification is still written to the approval store (true for forge side
   * effects). Commands the agent ran are only recorded when the policy ranks them medium or high, so a
   * session of 200 harmless `npm test` runs does not write 200 audit rows.
   */
  readonly recordWhenLow: boolean;
}

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Lists the side effects of a delivery in the order they would happen: protected paths the change
 * touches, commands the agent ran that the policy ranks above low, money spent, the push of the head
 * branch, the pull/merge request, labels, the comment on the source issue, and the Jira transition. Pure.
 */
export function planDeliveryActions(facts: DeliveryFacts): PlannedAction[] {
  const base = `${facts.sessionId}:delivery:${facts.deliveryId}`;
  const out: PlannedAction[] = [];
  if (facts.protectedPaths.length > 0) {
    const paths = [...new Set(facts.protectedPaths)].sort();
    out.push({
      action: { kind: 'touch_protected_path', paths, target: facts.repo },
      summary: `change protected path${paths.length > 1 ? 's' : ''} ${paths.join(', ')} in ${facts.repo}`,
      dedupeKey: `${base}:touch_protected_path:${short(paths.join('\n'))}`,
      details: { paths },
      recordWhenLow: true,
    });
  }
  for (const command of [...new Set(facts.commands.map((c) => c.trim()))].filter((c) => c !== '')) {
    out.push({
      action: { kind: 'run_command', command, target: facts.repo },
      summary: `deliver the work of a session that ran \`${command.length > 200 ? `${command.slice(0, 199)}…` : command}\``,
      dedupeKey: `${base}:run_command:${short(command)}`,
      details: { command },
      recordWhenLow: false,
    });
  }
  if (facts.spentUsd !== null) {
    const usd = Math.round(facts.spentUsd * 10_000) / 10_000;
    out.push({
      action: { kind: 'spend', usd, target: facts.repo },
      summary: `deliver the work of a session that spent ${usd.toFixed(2)} USD on model calls`,
      dedupeKey: `${base}:spend`,
      details: { usd },
      recordWhenLow: true,
    });
  }
  out.push({
    action: { kind: 'push', branch: facts.branch, target: facts.repo },
    summary: `push branch ${facts.branch} to ${facts.repo}`,
    dedupeKey: `${base}:push:${facts.branch}`,
    details: { branch: facts.branch },
    recordWhenLow: true,
  });
  out.push({
    action: { kind: 'open_pull_request', target: facts.repo },
    summary: `open or update the ${facts.changeRequestNoun} ${facts.branch} → ${facts.baseBranch} in ${facts.repo}`,
    dedupeKey: `${base}:open_pull_request:${facts.branch}`,
    details: { head: facts.branch, base: facts.baseBranch },
    recordWhenLow: true,
  });
  const labels = [...new Set(facts.labels ?? [])].sort();
  if (labels.length > 0) {
    out.push({
      action: { kind: 'label', target: facts.repo },
      summary: `add label${labels.length > 1 ? 's' : ''} ${labels.join(', ')} in ${facts.repo}`,
      dedupeKey: `${base}:label:${short(labels.join('\n'))}`,
      details: { labels },
      recordWhenLow: true,
    });
  }
  if (facts.issueNumber !== null) {
    out.push({
      action: { kind: 'comment', target: `${facts.repo}#${facts.issueNumber}` },
      summary: `comment on issue #${facts.issueNumber} of ${facts.repo}`,
      dedupeKey: `${base}:comment:${facts.issueNumber}`,
      details: { issueNumber: facts.issueNumber },
      recordWhenLow: true,
    });
  }
  if (facts.ticket) {
    const { key, status } = facts.ticket;
    out.push({
      action: { kind: 'transition_ticket', target: key, ...(status === null ? {} : { status }) },
      summary: `move Jira ticket ${key}${status === null ? '' : ` to "${status}"`}, link the ${facts.changeRequestNoun} and comment`,
      dedupeKey: `${base}:transition_ticket:${key}:${status ?? ''}`,
      details: { key, status },
      recordWhenLow: true,
    });
  }
  return out;
}

/** One cleared or waiting action. */
export interface GateDecision {
  readonly planned: PlannedAction;
  readonly tier: ApprovalRequest['tier'];
  /** Null for a low-tier action that is not recorded (see {@link PlannedAction.recordWhenLow}). */
  readonly request: ApprovalRequest | null;
  /** True when this call created the request. */
  readonly created: boolean;
  readonly reason: string;
}

/**
 * The policy's answer for a whole delivery:
 * - `proceed`: every action is approved (low tier, a person, or a medium-tier timeout);
 * - `pending`: at least one waits for a person (nothing was rejected);
 * - `rejected`: at least one was rejected; the delivery must not happen.
 */
export type DeliveryGateVerdict =
  | { readonly kind: 'proceed'; readonly decisions: readonly GateDecision[] }
  | {
      readonly kind: 'pending';
      readonly decisions: readonly GateDecision[];
      readonly pending: readonly ApprovalRequest[];
    }
  | {
      readonly kind: 'rejected';
      readonly decisions: readonly GateDecision[];
      readonly rejected: ApprovalRequest;
    };

/**
 * Clears every planned action with the policy without waiting (see `requestDecision`): each non-low action
 * becomes a durable approval request keyed by its dedupeKey, so asking again after a restart finds the same
 * requests and their decisions. Errors: the approval store's.
 */
export async function gateDeliveryActions(
  deps: { readonly policy: Policy; readonly approvals: ApprovalStore },
  sessionId: string,
  planned: readonly PlannedAction[],
): Promise<Result<DeliveryGateVerdict, ApprovalError>> {
  const decisions: GateDecision[] = [];
  for (const p of planned) {
    const classification = classifyAction(deps.policy, p.action);
    if (classification.tier === 'low' && !p.recordWhenLow) {
      decisions.push({
        planned: p,
        tier: 'low',
        request: null,
        created: false,
        reason: classification.reason,
      });
      continue;
    }
    const decided = await requestDecision(deps, {
      sessionId,
      action: p.action,
      summary: p.summary,
      details: p.details,
      dedupeKey: p.dedupeKey,
    });
    if (decided.isErr()) return err(decided.error);
    decisions.push({
      planned: p,
      tier: decided.value.request.tier,
      request: decided.value.request,
      created: decided.value.created,
      reason: decided.value.classification.reason,
    });
  }
  const requests = decisions.flatMap((d) => (d.request === null ? [] : [d.request]));
  const rejected = requests.find((r) => r.state === 'rejected');
  if (rejected !== undefined) return ok({ kind: 'rejected', decisions, rejected });
  const pending = requests.filter((r) => r.state === 'pending');
  if (pending.length > 0) return ok({ kind: 'pending', decisions, pending });
  return ok({ kind: 'proceed', decisions });
}

/**
 * Reads what the policy needs from a session's log: the commands of its `bash` tool calls and the money of
 * its model turns (`llm_turn_completed.costUsd`; null when no turn reported a cost).
 */
export function sessionActivity(events: readonly SessionEvent[]): {
  readonly commands: string[];
  readonly spentUsd: number | null;
} {
  const commands: string[] = [];
  let spent: number | null = null;
  for (const e of events) {
    if (e.kind === 'tool_call_started' && e.data.name === 'bash') {
      const input = e.data.input;
      if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
        const command = input.command;
        if (typeof command === 'string') commands.push(command);
      }
    } else if (e.kind === 'llm_turn_completed' && e.data.costUsd !== undefined) {
      spent = (spent ?? 0) + e.data.costUsd;
    }
  }
  return { commands, spentUsd: spent };
}

/**
 * The changed paths of a worktree that the patch check marks protected (stages everything, as delivery
 * does; `protectedPaths` default: the patch check's). Errors: the delivery's git errors.
 */
export function protectedPathsOf(
  worktreePath: GitTarget,
  baseRef: string,
  protectedPaths?: readonly string[],
): ResultAsync<string[], DeliveryError> {
  return collectWorktreeChanges(worktreePath, baseRef).map((changes) =>
    checkPatch(changes.changes, changes.addedLines, {
      targets: ['**'],
      ...(protectedPaths === undefined ? {} : { protectedPaths }),
    })
      .needsApproval.flatMap((r) => (r.path === null ? [] : [r.path]))
      .filter((p, i, all) => all.indexOf(p) === i),
  );
}
