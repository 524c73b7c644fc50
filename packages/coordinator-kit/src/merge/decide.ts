/**
 * The merge gate's decision, as a pure function of the rules in force and the evidence the runtime
 * gathered for the change's current head SHA (DESIGN §9: gated by evidence, never by the agent's claim).
 * Evidence about any other SHA does not count: a commit pushed after a gate passed voids that gate.
 */
import type { EffectiveMergeRules, MergeRequirement } from './policy.js';

/** What the runtime knows about the change, each piece tied to the SHA it was gathered for. */
export interface MergeEvidence {
  /** The PR/MR's head SHA as the forge reports it now. */
  readonly headSha: string;
  /** The test commands the runtime ran (sandboxed) on `sha`. */
  readonly tests: { readonly passed: boolean; readonly sha: string } | null;
  /** The forge's CI (check runs and statuses, or the pipeline) for `sha`. */
  readonly ci: { readonly state: 'success' | 'failure' | 'pending' | 'none'; readonly sha: string } | null;
  /** The latest review verdict, from a review session other than the coder's. */
  readonly review: {
    readonly verdict: 'clean' | 'minor' | 'blocking';
    readonly sha: string;
    readonly sessionId: string;
  } | null;
  /** The patch validator's verdict on the change's scope, for `sha`. */
  readonly diffScope: { readonly passed: boolean; readonly sha: string } | null;
  /** People who approved the merge of `sha` (the approvals store). */
  readonly approvals: readonly { readonly actor: string; readonly sha: string }[];
  /** True when the pipeline escalated at any point: such a change is never merged by a pipeline. */
  readonly escalated: boolean;
}

/** What the gate does next. */
export type MergeDecision =
  | { readonly action: 'merge'; readonly method: EffectiveMergeRules['method']; readonly sha: string }
  /** Every requirement holds but `auto` is false: a person approves the merge (high tier). */
  | { readonly action: 'await_person'; readonly sha: string }
  /** CI has not reported (or not finished) on the head SHA; ask again until `ciTimeoutMs`. */
  | { readonly action: 'wait_ci'; readonly sha: string }
  | { readonly action: 'refuse'; readonly reasons: readonly string[] };

const describe = (r: MergeRequirement): string => (typeof r === 'string' ? r : `approvals: ${r.approvals}`);

/** Decides the merge gate (see {@link MergeDecision}); `reasons` name each requirement that failed. */
export function decideMerge(rules: EffectiveMergeRules, evidence: MergeEvidence): MergeDecision {
  const sha = evidence.headSha;
  if (evidence.escalated) return { action: 'refuse', reasons: ['the pipeline escalated; it never merges'] };
  const failed: string[] = [];
  let ciPending = false;
  for (const requirement of rules.require) {
    if (typeof requirement !== 'string') {
      const approvers = new Set(evidence.approvals.filter((a) => a.sha === sha).map((a) => a.actor));
      if (approvers.size < requirement.approvals)
        failed.push(`${describe(requirement)}: ${approvers.size} approval(s) of ${sha.slice(0, 12)}`);
      continue;
    }
    switch (requirement) {
      case 'tests':
        if (evidence.tests === null || evidence.tests.sha !== sha)
          failed.push(`tests: not run on ${sha.slice(0, 12)}`);
        else if (!evidence.tests.passed) failed.push('tests: failed');
        break;
      case 'ci':
        // Nothing reported yet is a wait, not a failure: CI may start late; the gate's `ciTimeout` ends it.
        if (
          evidence.ci === null ||
          evidence.ci.sha !== sha ||
          evidence.ci.state === 'pending' ||
          evidence.ci.state === 'none'
        )
          ciPending = true;
        else if (evidence.ci.state === 'failure') failed.push('ci: failed');
        break;
      case 'review_clean':
        if (evidence.review === null || evidence.review.sha !== sha)
          failed.push(`review_clean: no review of ${sha.slice(0, 12)}`);
        else if (evidence.review.verdict !== 'clean')
          failed.push(
            `review_clean: the review (${evidence.review.sessionId}) is ${evidence.review.verdict}`,
          );
        break;
      case 'diff_scope':
        if (evidence.diffScope === null || evidence.diffScope.sha !== sha)
          failed.push(`diff_scope: not checked on ${sha.slice(0, 12)}`);
        else if (!evidence.diffScope.passed) failed.push('diff_scope: the change leaves its declared scope');
        break;
    }
  }
  if (failed.length > 0) return { action: 'refuse', reasons: failed };
  if (ciPending) return { action: 'wait_ci', sha };
  return rules.auto ? { action: 'merge', method: rules.method, sha } : { action: 'await_person', sha };
}
