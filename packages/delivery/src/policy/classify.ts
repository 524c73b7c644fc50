import picomatch from 'picomatch';
import {
  ACTION_KINDS,
  type Action,
  type ActionKind,
  type Policy,
  type PolicyRule,
  type Tier,
} from './schema.js';

/** The verdict of {@link classifyAction}. */
export interface Classification {
  readonly tier: Tier;
  /** Index of the matching rule in `policy.rules`, or null when no rule matched (default-deny → high). */
  readonly ruleIndex: number | null;
  /** Why, for humans and audit records. */
  readonly reason: string;
  /** ms a medium-tier request waits before auto-approval; null for low and high. */
  readonly autoApproveAfterMs: number | null;
}

function isKnownKind(kind: string): kind is ActionKind {
  return (ACTION_KINDS as readonly string[]).includes(kind);
}

/**
 * Command patterns: `*` matches any run of characters (spaces and slashes included), everything else is
 * literal, and the whole command must match (so `*npm publish*` finds it anywhere).
 */
export function commandMatches(pattern: string, command: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${source}$`).test(command.trim());
}

const glob = (patterns: readonly string[]) => picomatch([...patterns], { dot: true });

/** True when `rule` (already of the action's kind) applies to `action`. Missing action fields never match a condition. */
function ruleMatches(rule: PolicyRule, action: Action): boolean {
  switch (rule.action) {
    case 'push':
    case 'merge':
      return (
        rule.branches === undefined || (action.branch !== undefined && glob(rule.branches)(action.branch))
      );
    case 'touch_protected_path': {
      if (rule.paths === undefined) return true;
      const match = glob(rule.paths);
      return (action.paths ?? []).some((p) => match(p));
    }
    case 'run_command':
      return (
        rule.commands === undefined ||
        (action.command !== undefined && rule.commands.some((p) => commandMatches(p, action.command ?? '')))
      );
    case 'spend':
      return rule.aboveUsd === undefined || (action.usd !== undefined && action.usd > rule.aboveUsd);
    case 'transition_ticket':
      return (
        rule.statuses === undefined ||
        (action.status !== undefined &&
          rule.statuses.some((s) => s.toLowerCase() === (action.status ?? '').toLowerCase()))
      );
    default:
      return true;
  }
}

/**
 * Classifies an action by blast radius: the first rule of its kind whose conditions hold gives the tier.
 * Default-deny: an unknown action kind, or a known one that no rule matches, is `high`.
 */
export function classifyAction(policy: Policy, action: Action): Classification {
  if (!isKnownKind(action.kind)) {
    return {
      tier: 'high',
      ruleIndex: null,
      reason: `unknown action '${action.kind}': high by default (default-deny)`,
      autoApproveAfterMs: null,
    };
  }
  const index = policy.rules.findIndex((rule) => rule.action === action.kind && ruleMatches(rule, action));
  const rule = policy.rules[index];
  if (rule === undefined) {
    return {
      tier: 'high',
      ruleIndex: null,
      reason: `no rule of ${policy.source} matches this '${action.kind}': high by default (default-deny)`,
      autoApproveAfterMs: null,
    };
  }
  return {
    tier: rule.tier,
    ruleIndex: index,
    reason: `rules[${index}] of ${policy.source} (${rule.description ?? describeRule(rule)}) → ${rule.tier}`,
    autoApproveAfterMs: rule.tier === 'medium' ? (rule.autoApproveAfter ?? policy.autoApproveAfterMs) : null,
  };
}

function describeRule(rule: PolicyRule): string {
  switch (rule.action) {
    case 'push':
    case 'merge':
      return rule.branches ? `${rule.action} to ${rule.branches.join(', ')}` : `any ${rule.action}`;
    case 'touch_protected_path':
      return rule.paths ? `paths ${rule.paths.join(', ')}` : 'any protected path';
    case 'run_command':
      return rule.commands ? `commands ${rule.commands.join(', ')}` : 'any command';
    case 'spend':
      return rule.aboveUsd === undefined ? 'any spend' : `spend above ${rule.aboveUsd} USD`;
    case 'transition_ticket':
      return rule.statuses ? `transition to ${rule.statuses.join(', ')}` : 'any transition';
    default:
      return `any ${rule.action}`;
  }
}
