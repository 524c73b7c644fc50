/**
 * `merge:` in policy.yaml — when a pipeline may merge the change it made (issue #15). The schema lives with
 * the rest of policy.yaml's (one file, one schema); the coordinator kit applies it (`mergeRulesFor`). Off by default: a
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
import { parseDuration } from '@worktrain/contracts';
import * as z from 'zod';

/** `30m`, `2h`, `45s`, `1d` or a number of ms → ms (the one duration parser, `@worktrain/contracts`). */
const Duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 30m, 2h or 45s; got '${value}'` });
    return z.NEVER;
  }
  return ms;
});

/** One requirement: a gate of the proof record that must have passed for the head SHA. */
export const MergeRequirementSchema = z.union([
  z.enum(['tests', 'ci', 'review_clean', 'diff_scope']),
  z.strictObject({ approvals: z.number().int().min(1).max(20) }),
]);
export type MergeRequirement = z.infer<typeof MergeRequirementSchema>;

const Rules = {
  auto: z.boolean().optional(),
  require: z.array(MergeRequirementSchema).max(10).optional(),
  method: z.enum(['squash', 'merge', 'rebase']).optional(),
  ciTimeout: Duration.optional(),
};

/** The `merge:` section as written. */
export const MergePolicySchema = z
  .strictObject({
    ...Rules,
    breaker: z.strictObject({ failures: z.number().int().min(1).max(100), window: Duration }).optional(),
    overrides: z
      .array(
        z.strictObject({
          repo: z.string().min(1).optional(),
          /** Globs every changed path must match for the override to apply. */
          paths: z.array(z.string().min(1)).min(1).optional(),
          ...Rules,
        }),
      )
      .max(50)
      .optional(),
  })
  .superRefine((policy, ctx) => {
    const check = (
      rules: { auto?: boolean; require?: readonly MergeRequirement[] },
      path: (string | number)[],
    ) => {
      const require = rules.require ?? policy.require ?? DEFAULT_REQUIRE;
      if ((rules.auto ?? policy.auto) === true && require.length === 0)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'require'],
          message:
            'auto-merge without any requirement is refused: name at least one of tests, ci, review_clean, diff_scope, approvals',
        });
    };
    check(policy, []);
    for (const [i, o] of (policy.overrides ?? []).entries()) check(o, ['overrides', i]);
  });
export type MergePolicyInput = z.input<typeof MergePolicySchema>;
export type MergePolicy = z.infer<typeof MergePolicySchema>;

/** Requirements when `require` is not written: tests, CI and a clean review. */
export const DEFAULT_REQUIRE: readonly MergeRequirement[] = ['tests', 'ci', 'review_clean'];
