/**
 * The merge gate of the `feature` pipeline: reads the change request's head SHA from the forge now, gathers
 * the evidence tied to that SHA (the checks delivery ran, the forge's CI, the last review, the diff scope,
 * people's approvals), lets {@link decideMerge} decide, and merges through the forge with the head-SHA guard
 * so a commit pushed after the gates cannot be merged. Waits for CI up to `merge.ciTimeout` (by the ports'
 * clock) and for a person's approval when `auto` is off; never merges after an escalation. Re-run after a
 * crash, a change the forge already reports merged is recorded, not merged again.
 */
import { decideMerge, type MergeEvidence } from '../merge/decide.js';
import type { StageContext, StageTransition } from '../pipeline/define.js';
import { renderProofSummary } from '../proof/summary.js';
import type { FeatureState, MergeForge, MergeGatePorts } from './state.js';

/** ms between two looks at CI or at a pending approval. */
export const MERGE_POLL_INTERVAL_MS = 15_000;

type Ctx = StageContext<FeatureState>;

const runtime = { kind: 'runtime' as const, id: 'merge-gate' };

export async function runMergeGate(ctx: Ctx, ports: MergeGatePorts): Promise<StageTransition<FeatureState>> {
  const { pr } = ctx.state;
  const escalate = (reason: string, state: FeatureState = ctx.state): StageTransition<FeatureState> => ({
    end: 'escalated',
    state,
    reason,
  });
  if (pr === null) return escalate('merge gate: no change request');
  const forge = ports.forgeFor(ctx.input);
  if (forge === null) return escalate(`merge gate: no forge is configured to merge ${pr.url}`);
  const paused = ports.breakerOpen('feature');
  if (paused !== null) return escalate(`merge gate: merges of feature pipelines are paused: ${paused}`);
  const rules = ports.rulesFor(ctx.input, ctx.state.changedFiles);
  const waitStarted = ports.now();

  for (;;) {
    if (ctx.signal?.aborted === true || ctx.cancelRequested())
      return escalate('merge gate: the pipeline was stopped while it waited');
    const current = await forge.changeRequestState(pr.number);
    if (current.isErr()) return escalate(`merge gate: ${pr.url}: ${current.error.message}`);
    const cr = current.value;
    if (cr.state === 'merged') return recordMerged(ctx, ports, cr.headSha, cr.mergeCommitSha);
    if (cr.state === 'closed') return escalate(`merge gate: ${pr.url} was closed without a merge`);
    const ci = rules.require.includes('ci') ? await forge.ciStatus(cr.headSha) : null;
    if (ci?.isErr() === true) return escalate(`merge gate: CI of ${cr.headSha}: ${ci.error.message}`);
    const ciValue = ci?.isOk() === true ? ci.value : null;
    const evidence: MergeEvidence = {
      headSha: cr.headSha,
      tests: ctx.state.tests,
      ci: ciValue === null ? null : { state: ciValue.state, sha: cr.headSha },
      review: ctx.state.review,
      diffScope: ctx.state.diffScope,
      approvals: await ports.approvalsOf(ctx.pipelineId, cr.headSha),
      escalated: false,
    };
    const decision = decideMerge(rules, evidence);
    if (decision.action === 'wait_ci') {
      if (ports.now() - waitStarted >= rules.ciTimeoutMs) {
        ctx.proof(
          {
            gate: 'ci',
            verdict: 'escalate',
            evidence: [ciEvidence(cr.headSha, ciValue)],
            actor: runtime,
            note: `CI did not report on ${cr.headSha.slice(0, 12)} within ${rules.ciTimeoutMs} ms`,
          },
          `ci:${cr.headSha}:timeout`,
        );
        return escalate(`merge gate: CI did not report on ${cr.headSha} within ${rules.ciTimeoutMs} ms`);
      }
      await ports.sleep(MERGE_POLL_INTERVAL_MS, ctx.signal);
      continue;
    }
    if (ciValue !== null)
      ctx.proof(
        {
          gate: 'ci',
          verdict: ciValue.state === 'success' ? 'pass' : 'fail',
          evidence: [ciEvidence(cr.headSha, ciValue)],
          actor: runtime,
          note: `CI ${ciValue.state} on ${cr.headSha.slice(0, 12)}`,
        },
        `ci:${cr.headSha}`,
      );
    if (decision.action === 'refuse') {
      const reason = decision.reasons.join('; ');
      ctx.proof(
        { gate: 'merge_gate', verdict: 'fail', actor: { kind: 'policy', id: 'merge' }, note: reason },
        `merge_gate:${cr.headSha}`,
      );
      ports.logMerge({
        pipelineId: ctx.pipelineId,
        kind: 'feature',
        pullRequestUrl: pr.url,
        sha: cr.headSha,
        outcome: 'refused',
        reason,
      });
      await publishSummary(ctx, forge);
      return escalate(`merge gate refused ${pr.url}: ${reason}`);
    }
    if (decision.action === 'await_person') {
      const answer = await ports.requestMergeApproval({
        pipelineId: ctx.pipelineId,
        pullRequestUrl: pr.url,
        sha: cr.headSha,
        reasons: ['policy merge.auto is false: a person approves the merge'],
      });
      if (answer === 'rejected') {
        ctx.proof(
          {
            gate: 'merge_gate',
            verdict: 'fail',
            actor: { kind: 'person', id: 'approvals' },
            note: 'merge rejected',
          },
          `merge_gate:${cr.headSha}:rejected`,
        );
        return escalate(`merge gate: a person rejected merging ${pr.url}`);
      }
      if (answer === 'pending') {
        await ports.sleep(MERGE_POLL_INTERVAL_MS, ctx.signal);
        continue;
      }
    }
    return mergeNow(ctx, ports, forge, cr.headSha, rules.method);
  }
}

/** Writes the proof record's summary into the PR/MR description; a failure is recorded, never fatal. */
async function publishSummary(ctx: Ctx, forge: MergeForge): Promise<void> {
  const pr = ctx.state.pr;
  const record = ctx.proofRecord();
  if (pr === null || record === null) return;
  const published = await forge.publishSummary(pr.number, renderProofSummary(record.proofId, record.entries));
  if (published.isErr())
    ctx.proof(
      {
        gate: 'summary',
        verdict: 'info',
        actor: runtime,
        note: `the PR description was not updated: ${published.error.message}`,
      },
      `summary:${record.entries.length}`,
    );
}

function ciEvidence(
  sha: string,
  ci: {
    readonly state: string;
    readonly checks: readonly { name: string; state: string; url: string | null }[];
  } | null,
) {
  return {
    kind: 'ci_status' as const,
    data: { sha, state: ci?.state ?? 'none', checks: (ci?.checks ?? []).map((c) => ({ ...c })) },
  };
}

async function mergeNow(
  ctx: Ctx,
  ports: MergeGatePorts,
  forge: MergeForge,
  sha: string,
  method: 'squash' | 'merge' | 'rebase',
): Promise<StageTransition<FeatureState>> {
  const pr = ctx.state.pr as NonNullable<FeatureState['pr']>;
  ctx.proof(
    {
      gate: 'merge_gate',
      verdict: 'pass',
      actor: { kind: 'policy', id: 'merge' },
      note: `every requirement holds on ${sha.slice(0, 12)}; merging (${method})`,
    },
    `merge_gate:${sha}`,
  );
  // The description is edited before the merge, so the squash commit and the merged PR carry the record.
  await publishSummary(ctx, forge);
  const merged = await forge.merge({ number: pr.number, sha, method });
  if (merged.isErr()) {
    const reason =
      merged.error.code === 'MERGE_HEAD_MOVED'
        ? `the head of ${pr.url} moved past ${sha} after the gates passed`
        : merged.error.message;
    ctx.proof(
      {
        gate: 'merge',
        verdict: 'fail',
        evidence: [{ kind: 'merge', data: { sha, code: merged.error.code, message: merged.error.message } }],
        actor: runtime,
        note: reason,
      },
      `merge:${sha}:failed`,
    );
    ports.logMerge({
      pipelineId: ctx.pipelineId,
      kind: 'feature',
      pullRequestUrl: pr.url,
      sha,
      outcome: 'failed',
      reason,
    });
    return { end: 'escalated', state: ctx.state, reason: `merge failed: ${reason}` };
  }
  return recordMerged(ctx, ports, sha, merged.value.sha);
}

async function recordMerged(
  ctx: Ctx,
  ports: MergeGatePorts,
  sha: string,
  mergeCommitSha: string | null,
): Promise<StageTransition<FeatureState>> {
  const pr = ctx.state.pr as NonNullable<FeatureState['pr']>;
  ctx.proof(
    {
      gate: 'merge',
      verdict: 'pass',
      evidence: [{ kind: 'merge', data: { sha, mergeCommitSha } }],
      actor: runtime,
      note: `merged ${pr.url} at ${sha.slice(0, 12)}`,
    },
    'merge',
  );
  ports.logMerge({
    pipelineId: ctx.pipelineId,
    kind: 'feature',
    pullRequestUrl: pr.url,
    sha,
    outcome: 'merged',
    reason: 'merged',
  });
  const forge = ports.forgeFor(ctx.input);
  if (forge !== null) await publishSummary(ctx, forge);
  await ports.afterMerge?.({ pipelineId: ctx.pipelineId, pullRequestUrl: pr.url, sha });
  return {
    end: 'completed',
    state: { ...ctx.state, merged: { sha, mergeCommitSha } },
    reason: `merged ${pr.url}`,
  };
}
