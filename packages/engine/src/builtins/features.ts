/**
 * Built-in `wr.features.*`: cross-cutting guidance a workflow opts into with its top-level `features` list.
 * At compile time each declared feature appends its items to the `constraints`, `procedure` and `verify`
 * blocks of every step authored with `promptBlocks` (steps with a raw `prompt` are left as written).
 *
 * The ids and the injection rule follow WorkRail (EtienneBBeaulac/workrail
 * `src/application/services/compiler/feature-registry.ts` and `resolve-features.ts`, MIT); the text is
 * WorkTrain's own. Items may be plain strings or part lists that reference `wr.refs.*`.
 */

/** One prompt item: plain text, or parts mixing literal text and references to built-in refs. */
export type BuiltinPromptValue =
  | string
  | readonly (
      | { readonly kind: 'text'; readonly text: string }
      | { readonly kind: 'ref'; readonly refId: string }
    )[];

export interface FeatureDefinition {
  readonly id: string;
  /** One line for previews and `inspect_workflow`. */
  readonly summary: string;
  readonly constraints?: readonly BuiltinPromptValue[];
  readonly procedure?: readonly BuiltinPromptValue[];
  readonly verify?: readonly BuiltinPromptValue[];
}

const ref = (refId: string): BuiltinPromptValue => [{ kind: 'ref', refId }];

const FEATURES: readonly FeatureDefinition[] = [
  {
    id: 'wr.features.memory_context',
    summary: 'Use connected memory tools to recall and save workspace knowledge.',
    constraints: [ref('wr.refs.memory_usage')],
  },
  {
    id: 'wr.features.capabilities',
    summary:
      'Establish which optional capabilities (delegation, web access, memory) are really available and adapt.',
    constraints: [
      'Rely only on capabilities you have actually seen work in this session (subagent delegation, web access, memory, special tools); an unverified capability counts as unavailable.',
      'When a capability the step would benefit from is missing, use the documented fallback (do the work yourself, ask the user for sources) instead of stopping.',
    ],
    procedure: [
      'If this step depends on an optional capability you have not used yet in this session, check it with one cheap call first and note the result.',
    ],
    verify: [
      'Every capability the work relied on was confirmed available, and any fallback taken is stated in the notes.',
    ],
  },
  {
    id: 'wr.features.subagent_guidance',
    summary: 'Delegate independent thinking to executors; keep decisions and synthesis with the main agent.',
    constraints: [
      'Delegate only to generic workflow executors (subagents that run a WorkRail-compatible workflow or routine); do not assume named specialist personas exist.',
      'You, the main agent, own the strategy, the decisions, the synthesis and the final artifacts; delegated work supplies independent perspectives only.',
      ref('wr.refs.parallelize_cognition_serialize_synthesis'),
    ],
    procedure: [
      'When you delegate, give each executor a distinct focus and the same shared facts as its starting point.',
      'Read every delegated result critically and merge them yourself; none of them is adopted as the answer as is.',
    ],
    verify: [
      'Delegated outputs were reviewed and merged by the main agent rather than copied through.',
      'No executor was left to make the final call on findings, recommendations or artifacts.',
    ],
  },
];

/** Feature definitions by id. Frozen: the set is closed because its content participates in workflow hashes. */
export const BUILTIN_FEATURES: Readonly<Record<string, FeatureDefinition>> = Object.freeze(
  Object.fromEntries(FEATURES.map((feature) => [feature.id, feature])),
);

/** The known feature ids, sorted. */
export function knownFeatureIds(): readonly string[] {
  return Object.keys(BUILTIN_FEATURES).sort();
}

/** The definition of a feature id, or undefined when it is not a built-in feature. */
export function findFeature(featureId: string): FeatureDefinition | undefined {
  return Object.hasOwn(BUILTIN_FEATURES, featureId) ? BUILTIN_FEATURES[featureId] : undefined;
}
