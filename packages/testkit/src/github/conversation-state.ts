// State of the fake GitHub beyond issues and pull requests: check runs and commit statuses per head SHA,
// collaborator roles, and the reviews and review comments of a pull request. Field meanings follow
// GitHub's REST descriptions (check-run, status, pull-request-review, pull-request-review-comment).

/** Lifecycle of a check run (GitHub reserves `waiting`/`requested`/`pending` for Actions). */
export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';

/** Conclusion of a completed check run; `null` until it completes. */
export type CheckRunConclusion =
  | 'success'
  | 'failure'
  | 'neutral'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required';

export interface FakeCheckRun {
  readonly id: number;
  readonly headSha: string;
  readonly name: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  title: string | null;
  summary: string | null;
  detailsUrl: string | null;
}

/** What a test passes to `state.setCheckRun`; `conclusion` is required exactly when `status` is `completed`. */
export type CheckRunInput = {
  readonly headSha: string;
  readonly name: string;
  readonly title?: string;
  readonly summary?: string;
  readonly detailsUrl?: string;
} & (
  | { readonly status: 'queued' | 'in_progress'; readonly conclusion?: undefined }
  | { readonly status: 'completed'; readonly conclusion: CheckRunConclusion }
);

export type CommitStatusState = 'error' | 'failure' | 'pending' | 'success';

export interface FakeCommitStatus {
  readonly id: number;
  readonly sha: string;
  readonly state: CommitStatusState;
  /** The status' label, e.g. `ci/build`; the combined status keeps the latest per context. */
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  /** Login of the status' creator. */
  readonly creator: string;
  readonly createdAt: string;
}

export interface CommitStatusInput {
  readonly sha: string;
  readonly state: CommitStatusState;
  /** Default `default`, as GitHub names a status posted without one. */
  readonly context?: string;
  readonly description?: string;
  readonly targetUrl?: string;
  /** Default `ci-bot`. */
  readonly creator?: string;
}

/** A collaborator's repository role (GitHub's five built-in roles). */
export type RepoRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

/** The coarse `permission` GitHub derives from a role: maintain → write, triage → read. */
export function permissionOfRole(role: RepoRole | 'none'): 'admin' | 'write' | 'read' | 'none' {
  if (role === 'maintain') return 'write';
  if (role === 'triage') return 'read';
  return role;
}

/** REST review state (the webhook payload spells it in lower case). */
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING' | 'DISMISSED';

export interface FakeReview {
  readonly id: number;
  readonly author: string;
  body: string;
  state: ReviewState;
  /** Head SHA the review was made on. */
  readonly commitId: string;
  /** `null` while pending. */
  submittedAt: string | null;
}

export interface FakeReviewComment {
  readonly id: number;
  readonly reviewId: number;
  readonly author: string;
  body: string;
  readonly path: string;
  /** Line in the file on `side` (new file for RIGHT, old file for LEFT). */
  readonly line: number;
  readonly side: 'LEFT' | 'RIGHT';
  /** Line index in the file's diff counted from its first `@@` header (GitHub's deprecated `position`). */
  readonly position: number;
  /** The hunk header and the diff lines up to and including the commented line. */
  readonly diffHunk: string;
  readonly commitId: string;
  /** Id of the thread's first comment when this is a reply. */
  readonly inReplyTo?: number;
  readonly createdAt: string;
  updatedAt: string;
}

/** Per-pull conversation state, created on first use (see `conversationOf`). */
export interface FakePullConversation {
  readonly reviews: FakeReview[];
  readonly comments: FakeReviewComment[];
}
