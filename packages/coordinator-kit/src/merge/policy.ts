/**
 * `merge:` in policy.yaml — when a pipeline may merge the change it made (issue #15). Off by default: a
 * pipeline that passes every gate then waits for a person. Requirements name evidence the runtime gathered
 * itself (the proof record's gates), never an agent's claim. An auto-merge policy without a single
 * requirement is refused when the file is loaded.
 *
 * ```yaml
 * merge:
 *   auto: false                              # true: merge without a person once every requirement holds
 *   require: [tests, ci, review_clean, { approvals: 1 }]
 *   method: squash                           # squash | merge | rebase
 *   ciTimeout: 30m                           # how long to wait for the forge's CI on the head SHA
 *   breaker: { failures: 3, window: 1h }     # pause a pipeline kind after 3 failed merges within an hour
 *   overrides:                               # first match wins; unset keys come from above
 *     - repo: acme/docs
 *       paths: ['docs/**']
 *       auto: true
 *       require: [review_clean]
 * ```
 */
import {
  DEFAULT_REQUIRE,
  type MergePolicy,
  type MergePolicyInput,
  MergePolicySchema,
  type MergeRequirement,
  MergeRequirementSchema,
} from '@worktrain/delivery';

export type { MergePolicy, MergePolicyInput, MergeRequirement };
export { DEFAULT_REQUIRE, MergePolicySchema, MergeRequirementSchema };

/** ms to wait for CI by default: 30 minutes. */
export const DEFAULT_CI_TIMEOUT_MS = 30 * 60_000;

/** The rules in force for one change, after overrides. */
export interface EffectiveMergeRules {
  readonly auto: boolean;
  readonly require: readonly MergeRequirement[];
  readonly method: 'squash' | 'merge' | 'rebase';
  /** ms. */
  readonly ciTimeoutMs: number;
  /** Which override applied (its index), or null. */
  readonly override: number | null;
}

/** Glob match for override paths: `*` within a segment, `**` across segments, `?` one character. */
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * The rules for a change to `repo` touching `changedPaths`: the first override whose `repo` equals and
 * whose `paths` globs cover every changed path, merged over the top-level rules and the defaults
 * (`auto: false`, {@link DEFAULT_REQUIRE}, `squash`, {@link DEFAULT_CI_TIMEOUT_MS}).
 */
export function mergeRulesFor(
  policy: MergePolicy | undefined,
  repo: string,
  changedPaths: readonly string[],
): EffectiveMergeRules {
  const base = {
    auto: policy?.auto ?? false,
    require: policy?.require ?? DEFAULT_REQUIRE,
    method: policy?.method ?? ('squash' as const),
    ciTimeoutMs: policy?.ciTimeout ?? DEFAULT_CI_TIMEOUT_MS,
  };
  for (const [i, o] of (policy?.overrides ?? []).entries()) {
    if (o.repo !== undefined && o.repo !== repo) continue;
    if (o.paths !== undefined) {
      const globs = o.paths.map(globToRegExp);
      if (changedPaths.length === 0 || !changedPaths.every((p) => globs.some((g) => g.test(p)))) continue;
    }
    return {
      auto: o.auto ?? base.auto,
      require: o.require ?? base.require,
      method: o.method ?? base.method,
      ciTimeoutMs: o.ciTimeout ?? base.ciTimeoutMs,
      override: i,
    };
  }
  return { ...base, override: null };
}
