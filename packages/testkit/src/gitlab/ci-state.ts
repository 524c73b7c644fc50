import type { FakeGitLabProject, FakeGitLabState } from './state.js';

// CI state of the fake GitLab: pipelines and commit statuses, as a merge gate reads them.

/** GitLab pipeline statuses (docs.gitlab.com/api/pipelines). */
export type GitLabPipelineStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'preparing'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceled'
  | 'skipped'
  | 'manual'
  | 'scheduled';

export interface FakeGitLabPipeline {
  readonly id: number;
  readonly iid: number;
  readonly sha: string;
  /** Branch name, or `refs/merge-requests/<iid>/head` for a merge request pipeline. */
  readonly ref: string;
  status: GitLabPipelineStatus;
  /** e.g. `push`, `merge_request_event`, `web`, `external` (the pipeline holding commit statuses). */
  readonly source: string;
  readonly createdAt: string;
  updatedAt: string;
}

/**
 * States a commit status can be set to (docs.gitlab.com/api/commits, "Set the pipeline status of a commit").
 */
export type GitLabCommitStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

/**
 * A commit status (an external CI's report on a commit). As on GitLab, it lives in a pipeline of source
 * `external` for its sha and ref, whose status follows its statuses.
 */
export interface FakeGitLabCommitStatus {
  readonly id: number;
  readonly sha: string;
  readonly ref: string;
  /** GitLab's `name` (the context). */
  readonly name: string;
  status: GitLabCommitStatusState;
  targetUrl: string | null;
  description: string | null;
  /** A status that may fail without failing its pipeline (like jobs with `allow_failure: true`). */
  readonly allowFailure: boolean;
  readonly pipelineId: number;
  readonly authorId: number;
  readonly createdAt: string;
}

/** What `FakeGitLabState.setCommitStatus` takes; `ref` defaults to the project's default branch. */
export interface CommitStatusInput {
  readonly sha: string;
  readonly name: string;
  readonly status: GitLabCommitStatusState;
  readonly ref?: string;
  readonly targetUrl?: string;
  readonly description?: string;
  readonly allowFailure?: boolean;
}

/** An external pipeline's status from its commit statuses (GitLab's composite status, simplified). */
function compositeStatus(statuses: readonly FakeGitLabCommitStatus[]): GitLabPipelineStatus {
  const blocking = statuses.filter((s) => !s.allowFailure);
  if (blocking.some((s) => s.status === 'failed')) return 'failed';
  if (statuses.some((s) => s.status === 'running')) return 'running';
  if (statuses.some((s) => s.status === 'pending')) return 'pending';
  if (blocking.some((s) => s.status === 'canceled')) return 'canceled';
  if (statuses.every((s) => s.status === 'skipped')) return 'skipped';
  return 'success';
}

/**
 * Sets the status named `name` of `sha` on `ref`, as `POST /projects/:id/statuses/:sha` does: a second call
 * with the same sha, ref and name moves that status instead of adding one. Like GitLab, the status lives in
 * an `external` pipeline for the sha and ref, whose status is recomputed from its statuses (a failure that is
 * not allowed fails it; anything running or pending keeps it running; all skipped skips it; else success).
 */
export function setCommitStatus(
  state: FakeGitLabState,
  project: FakeGitLabProject,
  input: CommitStatusInput,
): FakeGitLabCommitStatus {
  const ref = input.ref ?? project.defaultBranch;
  const pipeline =
    project.pipelines.find((p) => p.source === 'external' && p.sha === input.sha && p.ref === ref) ??
    state.addPipeline(project, { sha: input.sha, ref, source: 'external', status: 'pending' });
  let status = project.commitStatuses.find(
    (s) => s.sha === input.sha && s.ref === ref && s.name === input.name,
  );
  if (status === undefined) {
    status = {
      id: state.id(),
      sha: input.sha,
      ref,
      name: input.name,
      status: input.status,
      targetUrl: input.targetUrl ?? null,
      description: input.description ?? null,
      allowFailure: input.allowFailure ?? false,
      pipelineId: pipeline.id,
      authorId: state.users[0]?.id ?? 1,
      createdAt: state.now(),
    };
    project.commitStatuses.push(status);
  } else {
    status.status = input.status;
    if (input.targetUrl !== undefined) status.targetUrl = input.targetUrl;
    if (input.description !== undefined) status.description = input.description;
  }
  const statuses = project.commitStatuses.filter((s) => s.pipelineId === pipeline.id);
  state.setPipelineStatus(pipeline, compositeStatus(statuses));
  return status;
}
