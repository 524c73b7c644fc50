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
}

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
}

export interface FakeGitLabProject {
  readonly id: number;
  /** `group/subgroup/name`. */
  readonly pathWithNamespace: string;
  readonly defaultBranch: string;
  readonly createdAt: string;
  readonly issues: FakeGitLabIssue[];
  readonly mergeRequests: FakeGitLabMergeRequest[];
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
    };
    project.mergeRequests.push(mr);
    return mr;
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
