import type { ResultAsync } from '@worktrain/contracts';
import type { DeliveryError } from './errors.js';
import type { TemplateForge } from './templates.js';

/** Input of {@link ForgeClient.openOrUpdateChangeRequest}. */
export interface ChangeRequestInput {
  readonly headBranch: string;
  readonly baseBranch: string;
  readonly title: string;
  readonly body: string;
  readonly draft?: boolean;
}

/** A pull request (GitHub) or merge request (GitLab). */
export interface ChangeRequest {
  readonly number: number;
  readonly url: string;
  /** True when this call opened it; false when an existing one was found (and updated if needed). */
  readonly created: boolean;
  readonly updated: boolean;
}

export interface CloseChangeRequestInput {
  readonly number: number;
  /** Hidden marker identifying the rollback note; must be in `comment`. */
  readonly marker: string;
  readonly comment: string;
}

export interface ClosedChangeRequest {
  readonly number: number;
  readonly url: string;
  /** False when it was already closed before this call. */
  readonly closedNow: boolean;
  readonly commentUrl: string;
}

export interface IssueCommentInput {
  readonly issueNumber: number;
  /** Hidden marker identifying our comment (`<!-- worktrain:session=<id> -->`); must be in `body`. */
  readonly marker: string;
  readonly body: string;
}

export interface IssueComment {
  readonly id: number;
  readonly url: string;
  readonly created: boolean;
}

/**
 * The forge port of delivery: the calls a delivery target makes. GitHub implements it now
 * (`createGitHubForge`); GitLab (merge requests, notes) will implement the same port. Implementations hold
 * the forge token; nothing else in the session ever sees it. Both calls are idempotent: a retry finds what
 * an earlier attempt made and updates it instead of creating a second one.
 */
export interface ForgeClient {
  /** e.g. `github:acme/widgets`, recorded as the `target` of delivery events. */
  readonly target: string;
  /**
   * Where this forge keeps its PR/MR template, first found wins (matched case-insensitively at the base
   * commit); default GitHub's `PULL_REQUEST_TEMPLATE_PATHS`. GitLab: `.gitlab/merge_request_templates/<name>.md`.
   */
  readonly templatePaths?: readonly string[];
  /** Which template conventions apply (`findTemplates`); default `github`. */
  readonly templateForge?: TemplateForge;
  /** Template chosen in the forge's configuration (GitLab `template`), used when the delivery names none. */
  readonly templateName?: string;
  /** What this forge calls a change request in prose (`merge request` on GitLab); default `pull request`. */
  readonly changeRequestNoun?: string;
  openOrUpdateChangeRequest(input: ChangeRequestInput): ResultAsync<ChangeRequest, DeliveryError>;
  /**
   * Closes a change request with a comment (rollback). Idempotent: the comment is found by `marker` and not
   * repeated, an already closed one stays closed. A merged one is PR_MERGED (nothing written).
   */
  closeChangeRequest?(input: CloseChangeRequestInput): ResultAsync<ClosedChangeRequest, DeliveryError>;
  upsertIssueComment(input: IssueCommentInput): ResultAsync<IssueComment, DeliveryError>;
}
