/**
 * The state the `feature` pipeline carries from stage to stage (JSON, validated on every transition), and
 * the ports its merge gate reads the world through. The runtime implements the ports over the configured
 * forge, the approvals store and the merge log; tests implement them over the doubles.
 */
import { JsonObjectSchema, type ResultAsync } from '@worktrain/contracts';
import * as z from 'zod';
import type { EffectiveMergeRules } from '../merge/policy.js';
import type { PipelineInput } from '../pipeline/events.js';

const ShaEvidence = z.strictObject({ passed: z.boolean(), sha: z.string().min(1) });

/** The `feature` pipeline's state. */
export const FeatureStateSchema = z.strictObject({
  /** The classify child's `wr.classify_task`, once classified. */
  classification: JsonObjectSchema.nullable(),
  /** The discovery child's session, when the classification asked for one. */
  discoverySessionId: z.string().nullable(),
  /** The change request the code stage opened: its URL, number and head branch. */
  pr: z.strictObject({ url: z.string(), number: z.number().int().positive(), branch: z.string() }).nullable(),
  /** The head the last delivery pushed. */
  headSha: z.string().nullable(),
  changedFiles: z.array(z.string()),
  /** The configured checks delivery ran on `sha` (null: none configured yet). */
  tests: ShaEvidence.nullable(),
  /** The patch validator's verdict on the diff pushed as `sha`. */
  diffScope: ShaEvidence.nullable(),
  reviews: z.number().int().nonnegative(),
  fixRounds: z.number().int().nonnegative(),
  /** The latest review's verdict, the head it reviewed and the reviewing session. */
  review: z
    .strictObject({
      verdict: z.enum(['clean', 'minor', 'blocking']),
      sha: z.string(),
      sessionId: z.string(),
      summary: z.string(),
      findings: z.array(JsonObjectSchema),
    })
    .nullable(),
  /** The merge, once the forge confirmed it. */
  merged: z.strictObject({ sha: z.string(), mergeCommitSha: z.string().nullable() }).nullable(),
});
export type FeatureState = z.infer<typeof FeatureStateSchema>;

/** A forge error as the merge gate sees it (delivery's `DeliveryError` fits). */
export interface ForgeFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * The merge gate's calls to the forge for the pipeline's repository; delivery's `MergeClient`
 * (`createGitHubMergeClient`, `createGitLabMergeClient`) has this shape.
 */
export interface MergeForge {
  changeRequestState(number: number): ResultAsync<
    {
      readonly headSha: string;
      readonly state: 'open' | 'closed' | 'merged';
      readonly mergeCommitSha: string | null;
      readonly url: string;
    },
    ForgeFailure
  >;
  ciStatus(sha: string): ResultAsync<
    {
      readonly state: 'success' | 'failure' | 'pending' | 'none';
      readonly checks: readonly {
        readonly name: string;
        readonly state: string;
        readonly url: string | null;
      }[];
    },
    ForgeFailure
  >;
  /** Errors: MERGE_HEAD_MOVED (the branch moved past `sha`), MERGE_NOT_ALLOWED, others. */
  merge(input: {
    readonly number: number;
    readonly sha: string;
    readonly method: 'squash' | 'merge' | 'rebase';
  }): ResultAsync<{ readonly sha: string; readonly merged: boolean }, ForgeFailure>;
  /** Writes the proof summary into the PR/MR description (its own marked section; the rest is kept). */
  publishSummary(number: number, markdown: string): ResultAsync<void, ForgeFailure>;
}

/** A person's decision on the merge (a high-tier action under the approvals). */
export type MergeApproval = 'approved' | 'rejected' | 'pending';

/** One line of the merge log. */
export interface MergeLogEntry {
  readonly pipelineId: string;
  readonly kind: string;
  readonly pullRequestUrl: string;
  readonly sha: string;
  readonly outcome: 'merged' | 'refused' | 'failed';
  readonly reason: string;
}

/** What the `feature` pipeline's merge gate needs from its host (the runtime). */
export interface MergeGatePorts {
  /** The forge client for the pipeline's repository; null when no forge is configured for it. */
  forgeFor(input: PipelineInput): MergeForge | null;
  /** The `merge:` rules of policy.yaml in force for this change. */
  rulesFor(input: PipelineInput, changedFiles: readonly string[]): EffectiveMergeRules;
  /** People who approved merging `sha` of this pipeline's change (the approvals store). */
  approvalsOf(pipelineId: string, sha: string): Promise<readonly { actor: string; sha: string }[]>;
  /**
   * Asks a person to approve merging `sha` (idempotent per pipeline and SHA) and returns the decision so
   * far: `pending` until someone decides.
   */
  requestMergeApproval(request: {
    readonly pipelineId: string;
    readonly pullRequestUrl: string;
    readonly sha: string;
    readonly reasons: readonly string[];
  }): Promise<MergeApproval>;
  /** The circuit breaker: why merges of `kind` are paused now, or null. */
  breakerOpen(kind: string): string | null;
  /** Appends to the merge log (the breaker counts its `failed` lines). */
  logMerge(entry: MergeLogEntry): void;
  /** After a merge: the follow-up (Jira transition, comments). Never throws. */
  afterMerge?(input: {
    readonly pipelineId: string;
    readonly pullRequestUrl: string;
    readonly sha: string;
  }): Promise<void>;
  /** ms since epoch. */
  now(): number;
  /** Waits `ms` (a test clock resolves at once); rejects never; returns early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The workflows each stage runs (bundled ids by default). */
export interface FeatureWorkflows {
  readonly classify: string;
  readonly discovery: string;
  readonly code: string;
  readonly review: string;
  readonly fix: string;
}

export const DEFAULT_FEATURE_WORKFLOWS: FeatureWorkflows = {
  classify: 'wr.classify-task',
  discovery: 'wr.discovery',
  code: 'wr.coding-task',
  review: 'wr.mr-review',
  fix: 'wr.review-fix',
};

/** The head branch every change of pipeline `pipelineId` is pushed to (code and fix rounds alike). */
export function pipelineBranch(pipelineId: string): string {
  return `worktrain/${pipelineId}`;
}

/** Rules in force when none is configured (kept here so tests and the runtime share them). */
export type { EffectiveMergeRules };
