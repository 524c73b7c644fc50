import { fakeSha } from '../github/state.js';
import {
  type CommitStatusInput,
  type FakeGitLabCommitStatus,
  type FakeGitLabPipeline,
  type GitLabPipelineStatus,
  setCommitStatus,
} from './ci-state.js';

export type {
  CommitStatusInput,
  FakeGitLabCommitStatus,
  FakeGitLabPipeline,
  GitLabCommitStatusState,
  GitLabPipelineStatus,
} from './ci-state.js';

/** A user of the fake GitLab (the author of everything the token's owner makes). */
export interface FakeGitLabUser {
  readonly id: number;
  readonly username: string;
  readonly name: string;
}

export interface FakeGitLabNote {
  readonly id: number;
  body: string;
  readonly authorId: number;
  readonly createdAt: string;
  updatedAt: string;
  /** The thread it belongs to (40 hex); a note without one is its own individual-note discussion. */
  readonly discussionId?: string;
  /** Where a diff note sits (makes it a `DiffNote`). */
  readonly position?: FakeGitLabPosition;
}

/** A diff note's position, as GitLab's discussions API takes and renders it (`position_type: text`). */
export interface FakeGitLabPosition {
  readonly baseSha: string;
  readonly startSha: string;
  readonly headSha: string;
  readonly oldPath: string;
  readonly newPath: string;
  /** Line in the old file (a removed or context line), or null for an added line. */
  readonly oldLine: number | null;
  /** Line in the new file (an added or context line), or null for a removed line. */
  readonly newLine: number | null;
}

/** Access levels of project members (docs.gitlab.com/api/members). */
export const GITLAB_ACCESS_LEVELS = {
  noAccess: 0,
  minimalAccess: 5,
  guest: 10,
  planner: 15,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;

export interface FakeGitLabIssue {
  readonly id: number;
  readonly iid: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  labels: string[];
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  readonly notes: FakeGitLabNote[];
  /** Usernames of the assignees (added with `addUser`); rendered as `assignees` / `assignee`. */
  assignees?: string[];
}

export interface FakeGitLabMergeRequest {
  readonly id: number;
  readonly iid: number;
  title: string;
  description: string;
  /** A test can set `closed` or `merged` to act as a human. */
  state: 'opened' | 'closed' | 'merged' | 'locked';
  readonly sourceBranch: string;
  targetBranch: string;
  labels: string[];
  readonly authorId: number;
  readonly createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
  readonly notes: FakeGitLabNote[];
  /** Usernames of the assignees and of the reviewers whose review is requested. */
  assignees?: string[];
  reviewers?: string[];
  /** Head commit of the source branch (`sha`); set at creation, moved by `pushToMergeRequest`. */
  sha?: string;
  /** Base commit of the target branch (`diff_refs.base_sha`). */
  baseSha?: string;
  /**
   * `false` makes the merge route answer 406 "Branch cannot be merged" (as for conflicts); `null` renders the
   * MR as still being checked (`merge_status`/`detailed_merge_status` `checking`), as GitLab does right after
   * a push.
   */
  mergeable?: boolean | null;
  mergeCommitSha?: string;
  /** Set by a merge with `squash: true`: the MR reads `squash: true` and names its `squash_commit_sha`. */
  squash?: boolean;
  squashCommitSha?: string;
  mergedById?: number;
  /** Diff per new path (hunks from the first `@@` line) that diff-note positions must point into. */
  files?: Record<string, string>;
}

export interface FakeGitLabProject {
  readonly id: number;
  /** `group/subgroup/name`. */
  readonly pathWithNamespace: string;
  readonly defaultBranch: string;
  readonly createdAt: string;
  readonly issues: FakeGitLabIssue[];
  readonly mergeRequests: FakeGitLabMergeRequest[];
  /** Pipelines in creation order (`addPipeline`, and the `external` ones `setCommitStatus` makes). */
  readonly pipelines: FakeGitLabPipeline[];
  /** Commit statuses in creation order (`setCommitStatus`). */
  readonly commitStatuses: FakeGitLabCommitStatus[];
  /** Member user id → access level, inherited members included (`setMember`). */
  readonly members: Map<number, number>;
}

export interface RecordedGitLabRequest {
  readonly method: string;
  /** Path and query as received (including the self-managed prefix). */
  readonly url: string;
  /** Route name, e.g. `createMergeRequest`. */
  readonly route: string;
  readonly body: unknown;
  readonly username: string | undefined;
  status?: number;
}

/** A scripted failure: the next `times` (default 1) requests to `route` answer `status` with `message`. */
export interface GitLabFault {
  readonly route: string;
  readonly status: number;
  readonly message?: string;
  times?: number;
}

/** A deterministic head sha for a branch of a project (the fake has no git repository behind it). */
export function headShaFor(project: FakeGitLabProject, branch: string, generation: number): string {
  return fakeSha(`gitlab:${project.pathWithNamespace}:${branch}:${generation}`);
}

/** In-memory state of the fake GitLab; tests read and change it directly. */
export class FakeGitLabState {
  readonly projects: FakeGitLabProject[] = [];
  readonly users: FakeGitLabUser[] = [];
  readonly requests: RecordedGitLabRequest[] = [];
  /** Answers (or requests) that did not match the documented shapes; should stay empty. */
  readonly schemaViolations: string[] = [];
  readonly faults: GitLabFault[] = [];
  /** token → username; a revoked token answers 401 from the next request on. */
  readonly tokens = new Map<string, string>();
  /**
   * Called with each authenticated request's route name and body before it is handled; tests use it to act
   * as a concurrent human or daemon (open an MR in a race, revoke a token mid-delivery).
   */
  onRequest: ((route: string, body: unknown) => void) | undefined;
  private nextId = 1000;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  now(): string {
    return this.clock().toISOString();
  }

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  addUser(username: string, name = username): FakeGitLabUser {
    const existing = this.users.find((u) => u.username === username);
    if (existing !== undefined) return existing;
    const user = { id: this.id(), username, name };
    this.users.push(user);
    return user;
  }

  addToken(token: string, username: string): void {
    this.addUser(username);
    this.tokens.set(token, username);
  }

  /** Simulates a token that expires (or is revoked) while a delivery runs. */
  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  addProject(pathWithNamespace: string, options: { defaultBranch?: string } = {}): FakeGitLabProject {
    const project: FakeGitLabProject = {
      id: this.id(),
      pathWithNamespace,
      defaultBranch: options.defaultBranch ?? 'main',
      createdAt: this.now(),
      issues: [],
      mergeRequests: [],
      pipelines: [],
      commitStatuses: [],
      members: new Map(),
    };
    this.projects.push(project);
    return project;
  }

  /** By numeric id or (URL-decoded) full path, as GitLab's `:id` accepts either. */
  project(idOrPath: string | number): FakeGitLabProject | undefined {
    const key = String(idOrPath);
    return /^\d+$/.test(key)
      ? this.projects.find((p) => p.id === Number(key))
      : this.projects.find((p) => p.pathWithNamespace === key);
  }

  addIssue(
    project: FakeGitLabProject,
    input: { title: string; description?: string; labels?: string[]; assignees?: string[] },
  ): FakeGitLabIssue {
    const now = this.now();
    for (const username of input.assignees ?? []) this.addUser(username);
    const issue: FakeGitLabIssue = {
      id: this.id(),
      iid: project.issues.length + 1,
      title: input.title,
      description: input.description ?? '',
      state: 'opened',
      labels: [...(input.labels ?? [])],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      notes: [],
      ...(input.assignees === undefined ? {} : { assignees: [...input.assignees] }),
    };
    project.issues.push(issue);
    return issue;
  }

  /**
   * Adds an open merge request as a human would have opened it (the author is the first user; tests of
   * pollers use it, delivery creates MRs over the API instead).
   */
  addMergeRequest(
    project: FakeGitLabProject,
    input: {
      title: string;
      sourceBranch: string;
      targetBranch?: string;
      description?: string;
      labels?: string[];
      assignees?: string[];
      reviewers?: string[];
    },
  ): FakeGitLabMergeRequest {
    const now = this.now();
    for (const username of [...(input.assignees ?? []), ...(input.reviewers ?? [])]) this.addUser(username);
    const mr: FakeGitLabMergeRequest = {
      id: this.id(),
      iid: project.mergeRequests.length + 1,
      title: input.title,
      description: input.description ?? '',
      state: 'opened',
      sourceBranch: input.sourceBranch,
      targetBranch: input.targetBranch ?? project.defaultBranch,
      labels: [...(input.labels ?? [])],
      authorId: this.users[0]?.id ?? 1,
      createdAt: now,
      updatedAt: now,
      mergedAt: null,
      closedAt: null,
      notes: [],
      assignees: [...(input.assignees ?? [])],
      reviewers: [...(input.reviewers ?? [])],
      sha: headShaFor(project, input.sourceBranch, 0),
      baseSha: headShaFor(project, input.targetBranch ?? project.defaultBranch, 0),
    };
    project.mergeRequests.push(mr);
    return mr;
  }

  /** Moves a merge request's head as a push to its source branch would; returns the new sha. */
  pushToMergeRequest(
    mr: FakeGitLabMergeRequest,
    sha: string = fakeSha(`push:${mr.id}:${this.id()}`),
  ): string {
    mr.sha = sha;
    mr.updatedAt = this.now();
    return sha;
  }

  /** Adds a pipeline for `sha` (default ref: the project's default branch, source `push`). */
  addPipeline(
    project: FakeGitLabProject,
    input: { sha: string; ref?: string; status?: GitLabPipelineStatus; source?: string },
  ): FakeGitLabPipeline {
    const now = this.now();
    const pipeline: FakeGitLabPipeline = {
      id: this.id(),
      iid: project.pipelines.length + 1,
      sha: input.sha,
      ref: input.ref ?? project.defaultBranch,
      status: input.status ?? 'created',
      source: input.source ?? 'push',
      createdAt: now,
      updatedAt: now,
    };
    project.pipelines.push(pipeline);
    return pipeline;
  }

  /** Moves a pipeline to `status` (e.g. running → success), stamping `updated_at`. */
  setPipelineStatus(pipeline: FakeGitLabPipeline, status: GitLabPipelineStatus): void {
    pipeline.status = status;
    pipeline.updatedAt = this.now();
  }

  /**
   * Sets a commit status as `POST /projects/:id/statuses/:sha` does (same sha, ref and name moves it), in the
   * sha's `external` pipeline (see ci-state.ts).
   */
  setCommitStatus(project: FakeGitLabProject, input: CommitStatusInput): FakeGitLabCommitStatus {
    return setCommitStatus(this, project, input);
  }

  /** Makes `username` a member with `accessLevel` (see GITLAB_ACCESS_LEVELS); 0 removes the membership. */
  setMember(project: FakeGitLabProject, username: string, accessLevel: number): void {
    const user = this.addUser(username);
    if (accessLevel === 0) project.members.delete(user.id);
    else project.members.set(user.id, accessLevel);
  }

  /** Queues a fault for a route (see {@link GitLabFault}). */
  injectFault(fault: GitLabFault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  takeFault(route: string): GitLabFault | undefined {
    const index = this.faults.findIndex((f) => f.route === route);
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (fault === undefined) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
