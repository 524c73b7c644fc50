import { parseDuration } from '@worktrain/contracts';
import * as z from 'zod';
import { type MergePolicy, MergePolicySchema } from './merge-schema.js';

/**
 * Blast-radius tiers (DESIGN §8; after the vault blast-radius tiers of the factory seed):
 * - `low`: runs at once (an already-approved audit record is still written);
 * - `medium`: runs after an approval, or by itself once `autoApproveAfter` has passed without a decision;
 * - `high`: waits for an explicit approval, however long it takes.
 */
export const TIERS = ['low', 'medium', 'high'] as const;
export type Tier = (typeof TIERS)[number];

/** The side effects a policy classifies. Any other action kind is `high` (default-deny). */
export const ACTION_KINDS = [
  'push',
  'merge',
  'close_issue',
  'touch_protected_path',
  'run_command',
  'spend',
  'open_pull_request',
  'comment',
  'label',
  'transition_ticket',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** `45s`, `30m`, `12h`, `2d` (or a number of ms) → ms: the one parser of @worktrain/contracts. */
export { parseDuration };

const Duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 30s, 30m, 12h or 2d; got '${value}'`,
    });
    return z.NEVER;
  }
  return ms;
});

const Patterns = z.array(z.string().min(1)).min(1);
const Tier = z.enum(TIERS);
const common = {
  tier: Tier,
  /** Overrides the policy's `autoApproveAfter` for this rule (medium tier only). */
  autoApproveAfter: Duration.optional(),
  /** Free text shown in approval requests and audit records. */
  description: z.string().optional(),
};

/**
 * One rule: the action it applies to, optional conditions, and a tier. A rule without conditions matches
 * every action of its kind. Rules are tried in file order; the first match wins.
 */
export const PolicyRuleSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('push'), branches: Patterns.optional(), ...common }),
  z.strictObject({ action: z.literal('merge'), branches: Patterns.optional(), ...common }),
  z.strictObject({ action: z.literal('close_issue'), ...common }),
  z.strictObject({ action: z.literal('touch_protected_path'), paths: Patterns.optional(), ...common }),
  z.strictObject({ action: z.literal('run_command'), commands: Patterns.optional(), ...common }),
  z.strictObject({ action: z.literal('spend'), aboveUsd: z.number().nonnegative().optional(), ...common }),
  z.strictObject({ action: z.literal('open_pull_request'), ...common }),
  z.strictObject({ action: z.literal('comment'), ...common }),
  z.strictObject({ action: z.literal('label'), ...common }),
  z.strictObject({ action: z.literal('transition_ticket'), statuses: Patterns.optional(), ...common }),
]);
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

/** `policy.yaml` (version 1). */
export const PolicyFileSchema = z.strictObject({
  version: z.literal(1),
  /** How long a medium-tier request waits before it is approved by `policy:timeout`. Default 30m. */
  autoApproveAfter: Duration.optional(),
  rules: z.array(PolicyRuleSchema),
  /** When a pipeline may merge the change it made (`merge-schema.ts`); absent: never without a person. */
  merge: MergePolicySchema.optional(),
});

/** A loaded policy: rules in order, durations in ms. */
export interface Policy {
  readonly version: 1;
  /** ms. */
  readonly autoApproveAfterMs: number;
  readonly rules: readonly PolicyRule[];
  /** The `merge:` section, or null when the file has none (merges then always wait for a person). */
  readonly merge: MergePolicy | null;
  /** Where it came from: the file path, or `builtin` for {@link DEFAULT_POLICY_YAML}. */
  readonly source: string;
}

/** Default wait of a medium-tier request before auto-approval: 30 minutes. */
export const DEFAULT_AUTO_APPROVE_AFTER_MS = 30 * 60_000;

/**
 * An action about to happen. `kind` is open: a kind the policy does not know is classified `high`.
 * Fields: `branch` (push, merge), `paths` (touch_protected_path), `command` (run_command), `usd` (spend),
 * `status` (transition_ticket target status).
 */
export const ActionSchema = z.object({
  kind: z.string().min(1),
  branch: z.string().optional(),
  paths: z.array(z.string()).optional(),
  command: z.string().optional(),
  usd: z.number().nonnegative().optional(),
  status: z.string().optional(),
  /** Where the action happens (repo, issue key…), for humans; not used to classify. */
  target: z.string().optional(),
});
export type Action = z.infer<typeof ActionSchema>;
