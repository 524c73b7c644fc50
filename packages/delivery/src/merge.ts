/**
 * The merge gate's view of a forge (issue #15): a change request's state and head SHA, CI for a SHA, and a
 * merge guarded by the head SHA. GitHub implements it in `github/github-merge.ts`, GitLab in
 * `gitlab/gitlab-merge.ts`; the coordinator kit's merge gate decides from these, with the runtime holding
 * the token and either forge's client behind {@link MergeClient}.
 */
import type { ResultAsync } from '@worktrain/contracts';
import type { DeliveryError } from './errors.js';

/** A PR/MR as the merge gate sees it. */
export interface ChangeRequestState {
  readonly number: number;
  readonly url: string;
  /** The head commit now. */
  readonly headSha: string;
  readonly state: 'open' | 'closed' | 'merged';
  /** The forge's mergeability (conflicts, protection); null while it has not computed it. */
  readonly mergeable: boolean | null;
  /** The merge commit, once merged. */
  readonly mergeCommitSha: string | null;
}

/** One CI signal on a SHA (a check run or a commit status / a pipeline job). */
export interface CiCheck {
  readonly name: string;
  readonly state: 'success' | 'failure' | 'pending';
  readonly url: string | null;
}

/** CI for a SHA: failure if any check failed, pending if any runs, none if nothing reported. */
export interface CiStatus {
  readonly sha: string;
  readonly state: 'success' | 'failure' | 'pending' | 'none';
  readonly checks: readonly CiCheck[];
}

export interface MergeChangeRequestInput {
  readonly number: number;
  /** The head SHA the gates passed on; the forge refuses the merge if the branch moved. */
  readonly sha: string;
  readonly method: 'squash' | 'merge' | 'rebase';
  readonly title?: string;
}

export interface ChangeRequestMerge {
  readonly number: number;
  /** The merge (or squash/rebase) commit. */
  readonly sha: string;
  readonly merged: boolean;
}

/**
 * The merge-gate calls on one repository (GitHub) or project (GitLab); numbers are the PR number / MR iid.
 * Errors: FORGE_AUTH_FAILED, FORGE_NOT_FOUND, FORGE_RATE_LIMITED, FORGE_FAILED from every call; `merge` adds
 * MERGE_HEAD_MOVED (the branch moved past `sha`; nothing merged), MERGE_NOT_ALLOWED (the forge refused:
 * conflicts, draft, protection, required pipeline) and, on GitLab, INVALID_INPUT for `method: 'rebase'`.
 */
export interface MergeClient {
  /** The change request's head SHA, state and mergeability now. */
  changeRequestState(number: number): ResultAsync<ChangeRequestState, DeliveryError>;
  /** The forge's CI result for `sha` (40 hex), combined by {@link combineCi}. */
  ciStatus(sha: string): ResultAsync<CiStatus, DeliveryError>;
  /** Merges at `input.sha` only: the forge refuses when the head moved. */
  merge(input: MergeChangeRequestInput): ResultAsync<ChangeRequestMerge, DeliveryError>;
  /**
   * Writes `markdown` into the PR/MR description between {@link SUMMARY_START} and {@link SUMMARY_END}
   * (replacing the section an earlier call wrote, or appending it); the rest of the description is kept.
   */
  publishSummary(number: number, markdown: string): ResultAsync<void, DeliveryError>;
}

/** Opening marker of the section WorkTrain keeps in a PR/MR description (the proof summary). */
export const SUMMARY_START = '<!-- worktrain:proof:start -->';
/** Closing marker of that section. */
export const SUMMARY_END = '<!-- worktrain:proof:end -->';

/** `body` with its WorkTrain section replaced by (or extended with) `markdown` between the markers. */
export function withSummary(body: string | null, markdown: string): string {
  const section = `${SUMMARY_START}\n${markdown.trim()}\n${SUMMARY_END}`;
  const text = body ?? '';
  const start = text.indexOf(SUMMARY_START);
  const end = text.indexOf(SUMMARY_END, start);
  if (start >= 0 && end > start)
    return `${text.slice(0, start)}${section}${text.slice(end + SUMMARY_END.length)}`;
  return text.trim() === '' ? section : `${text.trimEnd()}\n\n${section}\n`;
}

/** Combines CI checks into one state: any failure fails, anything unfinished is pending, none is `none`. */
export function combineCi(checks: readonly CiCheck[]): CiStatus['state'] {
  if (checks.length === 0) return 'none';
  if (checks.some((c) => c.state === 'failure')) return 'failure';
  if (checks.some((c) => c.state === 'pending')) return 'pending';
  return 'success';
}
