/**
 * The daemon's side of the `feature` pipeline's merge gate ({@link MergeGatePorts}): the forge's merge
 * client for the change's project (the token stays here), policy.yaml's `merge:` rules, merge approvals as
 * high-tier (by default) requests of the existing approvals store, the merge log with its circuit breaker
 * (`runtime_merge_log` in `worktrain.db`), and the Jira follow-up after a merge.
 */

import { type Clock, type Logger, sleep } from '@worktrain/contracts';
import {
  type MergeGatePorts,
  type MergeLogEntry,
  mergeRulesFor,
  pipelineBranch,
} from '@worktrain/coordinator-kit';
import { type ApprovalStore, classifyAction, type Policy } from '@worktrain/delivery';
import type Database from 'better-sqlite3';
import type { Forges } from '../forges.js';
import { type DeliveryTarget, targetFromJson } from '../payload.js';

/** One line of the merge log as stored. */
export interface MergeLogRow extends MergeLogEntry {
  readonly at: number;
}

/** The merge log: every merge the gate made, refused or failed (newest first when listed). */
export interface MergeLog {
  append(entry: MergeLogEntry): void;
  /** Failed merges of `kind` at or after `since` (ms epoch). */
  failuresSince(kind: string, since: number): number;
  list(limit?: number): MergeLogRow[];
  /** The lines of one pipeline, oldest first. */
  listFor(pipelineId: string): MergeLogRow[];
}

/** Opens the merge log table (created if missing; one row per pipeline, SHA and outcome). */
export function openMergeLog(db: Database.Database, clock: Clock): MergeLog {
  db.exec(`CREATE TABLE IF NOT EXISTS runtime_merge_log (
    pipeline_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    pull_request_url TEXT NOT NULL,
    sha TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (pipeline_id, sha, outcome)
  )`);
  const insert = db.prepare(
    'INSERT OR IGNORE INTO runtime_merge_log (pipeline_id, kind, pull_request_url, sha, outcome, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const failures = db.prepare<[string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM runtime_merge_log WHERE kind = ? AND outcome = 'failed' AND at >= ?",
  );
  const select = db.prepare<[number], Record<string, string | number>>(
    'SELECT * FROM runtime_merge_log ORDER BY at DESC LIMIT ?',
  );
  const selectFor = db.prepare<[string], Record<string, string | number>>(
    'SELECT * FROM runtime_merge_log WHERE pipeline_id = ? ORDER BY at',
  );
  const row = (r: Record<string, string | number>): MergeLogRow => ({
    pipelineId: String(r.pipeline_id),
    kind: String(r.kind),
    pullRequestUrl: String(r.pull_request_url),
    sha: String(r.sha),
    outcome: String(r.outcome) as MergeLogEntry['outcome'],
    reason: String(r.reason),
    at: Number(r.at),
  });
  return {
    append: (e) => {
      insert.run(e.pipelineId, e.kind, e.pullRequestUrl, e.sha, e.outcome, e.reason, clock.now());
    },
    failuresSince: (kind, since) => failures.get(kind, since)?.n ?? 0,
    list: (limit = 100) => select.all(limit).map(row),
    listFor: (pipelineId) => selectFor.all(pipelineId).map(row),
  };
}

/** What the merge gate ports are built from. */
export interface MergeGateDeps {
  readonly forges: Forges;
  readonly policy: Policy;
  readonly approvals: ApprovalStore;
  readonly mergeLog: MergeLog;
  /** The pipeline's delivery target (from its input). */
  readonly targetOf: (pipelineId: string) => DeliveryTarget | null;
  /** The Jira follow-up of a merged change (the code child's session holds the ticket). */
  readonly afterMerge?: (input: { pipelineId: string; pullRequestUrl: string; sha: string }) => Promise<void>;
  /** Caps each wait of the gate (CI, a pending approval), ms; the kit asks for 15 000. */
  readonly pollIntervalMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

const dedupeKeyOf = (pipelineId: string, sha: string): string => `${pipelineId}:merge:${sha}`;

/** The ports of the `feature` pipeline's merge gate over the daemon's forges, policy and approvals. */
export function createMergeGatePorts(deps: MergeGateDeps): MergeGatePorts {
  const { policy, approvals, mergeLog, clock } = deps;
  const targetOfInput = (context: Record<string, unknown>): DeliveryTarget | null => {
    const t = context.target;
    return typeof t === 'object' && t !== null && !Array.isArray(t) ? targetFromJson({ ...t }) : null;
  };
  return {
    forgeFor(input) {
      const target = targetOfInput(input.context);
      if (target?.repo == null) return null;
      return deps.forges.mergeClientFor(target.forge, target.repo);
    },
    rulesFor(input, changedFiles) {
      const repo = targetOfInput(input.context)?.repo ?? input.workspace;
      return mergeRulesFor(policy.merge ?? undefined, repo, changedFiles);
    },
    async approvalsOf(pipelineId, sha) {
      const listed = approvals.list({ state: 'approved', limit: 1000 });
      if (listed.isErr()) return [];
      return listed.value
        .filter((r) => r.dedupeKey === dedupeKeyOf(pipelineId, sha))
        .map((r) => ({ actor: r.decidedBy ?? 'unknown', sha }));
    },
    async requestMergeApproval({ pipelineId, pullRequestUrl, sha, reasons }) {
      const action = { kind: 'merge', branch: pipelineBranch(pipelineId), target: pullRequestUrl };
      const tier = classifyAction(policy, action);
      if (tier.tier === 'low') return 'approved';
      const requested = await approvals.requestApproval({
        sessionId: null,
        action,
        tier: tier.tier,
        summary: `Merge ${pullRequestUrl} at ${sha.slice(0, 12)}`,
        details: { pipelineId, sha, pullRequestUrl, reasons: [...reasons] },
        dedupeKey: dedupeKeyOf(pipelineId, sha),
        actor: `pipeline:${pipelineId}`,
        classification: tier.reason,
        ...(tier.autoApproveAfterMs === null ? {} : { autoApproveAfterMs: tier.autoApproveAfterMs }),
      });
      if (requested.isErr()) {
        deps.logger.warn({ pipelineId, code: requested.error.code }, requested.error.message);
        return 'pending';
      }
      const state = requested.value.request.state;
      return state === 'approved' ? 'approved' : state === 'rejected' ? 'rejected' : 'pending';
    },
    breakerOpen(kind) {
      const breaker = policy.merge?.breaker;
      if (breaker === undefined) return null;
      const n = mergeLog.failuresSince(kind, clock.now() - breaker.window);
      return n >= breaker.failures
        ? `${n} failed merge(s) of ${kind} pipelines within ${breaker.window} ms (policy merge.breaker); merges resume as they age out`
        : null;
    },
    logMerge: (entry) => mergeLog.append(entry),
    ...(deps.afterMerge === undefined ? {} : { afterMerge: deps.afterMerge }),
    now: () => clock.now(),
    sleep: async (ms, signal) => {
      await sleep(Math.min(ms, deps.pollIntervalMs ?? ms), signal);
    },
  };
}
