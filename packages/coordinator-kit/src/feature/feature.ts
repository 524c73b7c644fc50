/**
 * The `feature` pipeline (issue #15, DESIGN §9): classify → discovery (when the classification asks) →
 * code → review (a separate session, never the coder's) → fix loop (at most `maxFixRounds`, each on the
 * same branch and PR) → merge gate. Every routing decision reads a typed artifact or evidence the runtime
 * gathered (delivery's records, the forge's CI); a missing or malformed verdict escalates, never passes.
 */
import { type JsonObject, JsonObjectSchema } from '@worktrain/contracts';
import {
  definePipeline,
  type PipelineDefinition,
  type StageContext,
  type StageTransition,
} from '../pipeline/define.js';
import type { ChildDelivery, ChildOutcome, SpawnRequest } from '../pipeline/types.js';
import { readClassification, readReviewVerdict } from '../pipeline/verdicts.js';
import { runMergeGate } from './merge-stage.js';
import {
  DEFAULT_FEATURE_WORKFLOWS,
  type FeatureState,
  FeatureStateSchema,
  type FeatureWorkflows,
  type MergeGatePorts,
  pipelineBranch,
} from './state.js';

/** Options of {@link createFeaturePipeline}. */
export interface FeaturePipelineOptions {
  readonly mergeGate: MergeGatePorts;
  /** Fix rounds at most before the pipeline escalates (default 2). */
  readonly maxFixRounds?: number;
  readonly workflows?: Partial<FeatureWorkflows>;
}

/** The default number of fix rounds. */
export const DEFAULT_MAX_FIX_ROUNDS = 2;

type Ctx = StageContext<FeatureState>;
type Transition = StageTransition<FeatureState>;

const escalate = (state: FeatureState, reason: string): Transition => ({ end: 'escalated', state, reason });

/** Spawns one child and awaits it; an error of either is returned as a reason to escalate. */
async function runChild(ctx: Ctx, request: SpawnRequest): Promise<ChildOutcome | string> {
  const handle = await ctx.spawn(request);
  if (handle.isErr()) return `${request.key} did not start: ${handle.error.message}`;
  const outcomes = await ctx.await([handle.value]);
  if (outcomes.isErr()) return `${request.key}: ${outcomes.error.message}`;
  const [outcome] = outcomes.value;
  return outcome ?? `${request.key} has no outcome`;
}

/** The delivery of a completed delivering child, or why there is none. */
function deliveryOf(outcome: ChildOutcome): ChildDelivery | string {
  if (outcome.status !== 'completed')
    return `${outcome.key} (${outcome.sessionId}) ended ${outcome.status}: ${outcome.reason}`;
  if (outcome.delivery === null) return `${outcome.key} (${outcome.sessionId}) delivered nothing`;
  return outcome.delivery;
}

/** Records the runtime's evidence of one delivery (checks it ran, the patch verdict) in the proof record. */
function recordDelivery(ctx: Ctx, key: string, sessionId: string, d: ChildDelivery): void {
  const actor = { kind: 'runtime' as const, id: 'delivery' };
  const sha = d.headSha;
  ctx.proof(
    {
      gate: 'tests',
      verdict: d.checks === null ? 'info' : d.checks.passed ? 'pass' : 'fail',
      evidence:
        d.checks === null
          ? []
          : d.checks.results.map((r) => ({ kind: 'command' as const, data: { ...r, sha, sessionId } })),
      actor,
      note:
        d.checks === null
          ? `no checks configured for ${sha.slice(0, 12)}`
          : `${d.checks.results.filter((r) => r.exitCode === 0).length}/${d.checks.results.length} checks passed on ${sha.slice(0, 12)}`,
    },
    `${key}:tests:${sha}`,
  );
  ctx.proof(
    {
      gate: 'diff_scope',
      verdict: d.patch.passed ? 'pass' : 'fail',
      evidence: [
        {
          kind: 'diff_scope',
          data: { sha, changedFiles: [...d.changedFiles], problems: [...d.patch.problems], sessionId },
        },
      ],
      actor,
      note: `${d.changedFiles.length} file(s) changed on ${d.branch}`,
    },
    `${key}:diff_scope:${sha}`,
  );
}

/** The state after a delivery: the PR, its head and the evidence tied to that head. */
function delivered(state: FeatureState, d: ChildDelivery): FeatureState {
  return {
    ...state,
    pr: { url: d.url, number: d.number, branch: d.branch },
    headSha: d.headSha,
    changedFiles: [...d.changedFiles],
    tests: d.checks === null ? null : { passed: d.checks.passed, sha: d.headSha },
    diffScope: { passed: d.patch.passed, sha: d.headSha },
  };
}

/** The pipeline definition, over the host's merge gate ports. */
export function createFeaturePipeline(options: FeaturePipelineOptions): PipelineDefinition<FeatureState> {
  const wf: FeatureWorkflows = { ...DEFAULT_FEATURE_WORKFLOWS, ...options.workflows };
  const maxFixRounds = options.maxFixRounds ?? DEFAULT_MAX_FIX_ROUNDS;
  const base = (ctx: Ctx, key: string, workflowId: string, goal: string, context: JsonObject) => {
    // Operator guidance (`worktrain tell`) reaches every child started after it, as operator input.
    const guidance = ctx.guidance();
    return {
      key,
      workflowId,
      goal,
      context: {
        ...ctx.input.context,
        ...context,
        pipelineId: ctx.pipelineId,
        ...(guidance.length === 0
          ? {}
          : { operatorGuidance: guidance.map((g) => `${g.actor}: ${g.text}`).join('\n') }),
      },
      workspace: ctx.input.workspace,
    };
  };

  return definePipeline<FeatureState>({
    kind: 'feature',
    description: 'classify → discovery when needed → code → review → fix loop → merge gate',
    start: 'classify',
    stateSchema: FeatureStateSchema,
    initialState: () => ({
      classification: null,
      discoverySessionId: null,
      pr: null,
      headSha: null,
      changedFiles: [],
      tests: null,
      diffScope: null,
      reviews: 0,
      fixRounds: 0,
      review: null,
      merged: null,
    }),
    stages: {
      classify: {
        description: `classify the task (${wf.classify})`,
        next: ['discovery', 'code'],
        async run(ctx) {
          const outcome = await runChild(ctx, {
            ...base(ctx, 'classify', wf.classify, ctx.input.goal, {}),
            deliver: false,
          });
          if (typeof outcome === 'string') return escalate(ctx.state, outcome);
          const c = readClassification(outcome);
          if (c.isErr()) return escalate(ctx.state, `classification: ${c.error.message}`);
          ctx.proof(
            {
              gate: 'classification',
              verdict: 'info',
              evidence: [{ kind: 'other', data: { ...c.value, sessionId: outcome.sessionId } }],
              actor: { kind: 'session', id: outcome.sessionId },
              note: `${c.value.taskComplexity} task, ${c.value.riskLevel} risk, ${c.value.maturity}`,
            },
            'classify',
          );
          const needsDiscovery =
            c.value.maturity !== 'specified' ||
            c.value.touchesArchitecture ||
            c.value.taskComplexity === 'large';
          return {
            next: needsDiscovery ? 'discovery' : 'code',
            state: { ...ctx.state, classification: { ...c.value } },
          };
        },
      },
      discovery: {
        description: `discovery and design (${wf.discovery}), when the classification asks`,
        next: ['code'],
        async run(ctx) {
          const outcome = await runChild(ctx, {
            ...base(ctx, 'discovery', wf.discovery, ctx.input.goal, {
              classification: ctx.state.classification ?? {},
            }),
            deliver: false,
          });
          if (typeof outcome === 'string') return escalate(ctx.state, outcome);
          if (outcome.status !== 'completed')
            return escalate(ctx.state, `discovery ended ${outcome.status}: ${outcome.reason}`);
          return { next: 'code', state: { ...ctx.state, discoverySessionId: outcome.sessionId } };
        },
      },
      code: {
        description: `write the change and open the PR/MR (${wf.code})`,
        next: ['review'],
        async run(ctx) {
          const outcome = await runChild(ctx, {
            ...base(ctx, 'code', wf.code, ctx.input.goal, {
              classification: ctx.state.classification ?? {},
              ...(ctx.state.discoverySessionId === null
                ? {}
                : { discoverySessionId: ctx.state.discoverySessionId }),
            }),
            branch: pipelineBranch(ctx.pipelineId),
            deliver: true,
          });
          if (typeof outcome === 'string') return escalate(ctx.state, outcome);
          const d = deliveryOf(outcome);
          if (typeof d === 'string') return escalate(ctx.state, d);
          recordDelivery(ctx, 'code', outcome.sessionId, d);
          // The record is found by the PR's URL from now on (`worktrain verify <pr-url>`).
          const target = ctx.input.context.target;
          const repo =
            typeof target === 'object' &&
            target !== null &&
            !Array.isArray(target) &&
            typeof target.repo === 'string'
              ? target.repo
              : ctx.input.workspace;
          ctx.proof(
            {
              gate: 'change_request',
              verdict: 'info',
              subject: { repo, branch: d.branch, pullRequestUrl: d.url, pipelineId: ctx.pipelineId },
              actor: { kind: 'runtime', id: 'delivery' },
              note: `opened ${d.url} from ${d.branch}`,
            },
            'change_request',
          );
          return { next: 'review', state: delivered(ctx.state, d) };
        },
      },
      review: {
        description: `review the change in a separate session (${wf.review})`,
        next: ['fix', 'merge'],
        async run(ctx) {
          const { pr, headSha } = ctx.state;
          if (pr === null || headSha === null)
            return escalate(ctx.state, 'review: no change request to review');
          const round = ctx.state.reviews + 1;
          const outcome = await runChild(ctx, {
            ...base(
              ctx,
              `review-${round}`,
              wf.review,
              `Review ${pr.url} (review ${round}): ${ctx.input.goal}`,
              {
                pullRequestUrl: pr.url,
                headSha,
                changedFiles: [...ctx.state.changedFiles],
                reviewRound: round,
              },
            ),
            branch: pr.branch,
            deliver: false,
          });
          if (typeof outcome === 'string') return escalate(ctx.state, outcome);
          const verdict = readReviewVerdict(outcome, ctx.state.changedFiles);
          if (verdict.isErr()) {
            ctx.proof(
              {
                gate: 'review',
                verdict: 'escalate',
                evidence: [
                  {
                    kind: 'review_verdict',
                    data: { sessionId: outcome.sessionId, error: verdict.error.message },
                  },
                ],
                actor: { kind: 'runtime', id: 'coordinator' },
                note: verdict.error.message,
              },
              `review-${round}`,
            );
            return escalate(ctx.state, `review ${round}: ${verdict.error.message}`);
          }
          const v = verdict.value;
          ctx.proof(
            {
              gate: 'review',
              verdict: v.verdict === 'clean' ? 'pass' : 'fail',
              evidence: [
                {
                  kind: 'review_verdict',
                  data: {
                    sessionId: outcome.sessionId,
                    sha: headSha,
                    verdict: v.verdict,
                    summary: v.summary,
                    findings: v.findings.map((f) => JsonObjectSchema.parse(f)),
                  },
                },
              ],
              actor: { kind: 'session', id: outcome.sessionId },
              note: `review ${round}: ${v.verdict} (${v.findings.length} finding(s))`,
            },
            `review-${round}`,
          );
          const state: FeatureState = {
            ...ctx.state,
            reviews: round,
            review: {
              verdict: v.verdict,
              sha: headSha,
              sessionId: outcome.sessionId,
              summary: v.summary,
              findings: v.findings.map((f) => JsonObjectSchema.parse(f)),
            },
          };
          if (v.verdict === 'clean') return { next: 'merge', state };
          if (ctx.state.fixRounds < maxFixRounds)
            return { next: 'fix', state, note: `review ${round}: ${v.verdict}` };
          return escalate(
            state,
            `the review is still ${v.verdict} after ${ctx.state.fixRounds} fix round(s) (at most ${maxFixRounds})`,
          );
        },
      },
      fix: {
        description: `fix the review's findings on the same branch and PR (${wf.fix}), at most ${maxFixRounds} rounds`,
        next: ['review'],
        async run(ctx) {
          const { pr, review } = ctx.state;
          if (pr === null || review === null) return escalate(ctx.state, 'fix: no review to fix');
          const round = ctx.state.fixRounds + 1;
          const outcome = await runChild(ctx, {
            ...base(
              ctx,
              `fix-${round}`,
              wf.fix,
              `Fix the review findings on ${pr.url} (fix ${round}): ${ctx.input.goal}`,
              {
                pullRequestUrl: pr.url,
                reviewFindings: review.findings,
                reviewSummary: review.summary,
                reviewSessionId: review.sessionId,
                fixRound: round,
              },
            ),
            branch: pr.branch,
            deliver: true,
          });
          if (typeof outcome === 'string') return escalate(ctx.state, outcome);
          const d = deliveryOf(outcome);
          if (typeof d === 'string') return escalate(ctx.state, d);
          recordDelivery(ctx, `fix-${round}`, outcome.sessionId, d);
          return { next: 'review', state: { ...delivered(ctx.state, d), fixRounds: round } };
        },
      },
      merge: {
        description:
          'merge gate: tests, CI on the head SHA, a clean review, approvals → merge with the head-SHA guard',
        next: [],
        sessions: 0,
        run: (ctx) => runMergeGate(ctx, options.mergeGate),
      },
    },
  });
}
