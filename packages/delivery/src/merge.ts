/**
 * The merge gate's view of a forge (issue #15): a change request's state and head SHA, CI for a SHA, and a
 * merge guarded by the head SHA. GitHub implements it in `github/github-merge.ts`; the coordinator kit's
 * merge gate decides from these, with the runtime holding the token.
 */

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
