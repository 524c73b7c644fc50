import type {
  CheckRunInput,
  CommitStatusInput,
  FakeCheckRun,
  FakeCommitStatus,
  FakePullConversation,
  RepoRole,
} from './conversation-state.js';

/** In-memory model of the GitHub data the fake serves. Tests read and seed it directly. */

export interface FakeComment {
  readonly id: number;
  body: string;
  readonly author: string;
  readonly createdAt: string;
  updatedAt: string;
}

export interface FakePull {
  /** Head branch name (without owner). */
  readonly head: string;
  /** Owner of the head branch (`owner` in `owner:branch`). */
  readonly headOwner: string;
  base: string;
  readonly draft: boolean;
  merged: boolean;
  /** Head commit sha when the PR was opened (from the origin repo when one is attached). */
  headSha: string;
  /** Logins whose review is requested (rendered as `requested_reviewers`). */
  requestedReviewers?: string[];
  /**
   * Whether GitHub could merge it: `false` makes the merge route answer 405 (as for conflicts); `undefined`
   * renders `mergeable: null` (not computed yet, as GitHub answers at first). With a bare origin a real
   * conflict also answers 405.
   */
  mergeable?: boolean;
  /** Set by the merge route. */
  mergedAt?: string;
  mergeCommitSha?: string;
  mergedBy?: string;
  /**
   * Unified diff per path (from the first `@@` line on) used to place review comments; without it the diff
   * comes from `git diff base...head` in the bare origin, when one is attached.
   */
  files?: Record<string, string>;
  /** Reviews and review comments (created on first use by `conversationOf`). */
  conversation?: FakePullConversation;
}

/** An issue or a pull request: on GitHub they share one number space per repository. */
export interface FakeIssue {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  labels: string[];
  assignees: string[];
  readonly author: string;
  readonly comments: FakeComment[];
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  readonly pull?: FakePull;
}

export interface FakeRepo {
  readonly owner: string;
  readonly name: string;
  readonly id: number;
  defaultBranch: string;
  readonly private: boolean;
  /** Bare git repository backing branch existence and head shas; when absent, `branches` is used. */
  readonly originDir: string | undefined;
  /** Known branches → head sha (used only without `originDir`). */
  readonly branches: Map<string, string>;
  /** Repository labels by name. */
  readonly labels: Map<string, { id: number; name: string; color: string; description: string | null }>;
  readonly items: FakeIssue[];
  readonly createdAt: string;
  /** Check runs by head SHA, in creation order (`state.setCheckRun`). */
  readonly checkRuns: FakeCheckRun[];
  /** Commit statuses, in creation order (`state.addCommitStatus`). */
  readonly statuses: FakeCommitStatus[];
  /** Collaborator roles by login; the owner is `admin`, anyone else `none` unless set (`state.setRole`). */
  readonly roles: Map<string, RepoRole>;
}

export interface RecordedGitHubRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/repos/o/r/pulls?head=o%3Ab&state=open`. */
  readonly url: string;
  /** `operationId` from GitHub's OpenAPI description, or undefined for an unknown route. */
  readonly operationId: string | undefined;
  readonly body: unknown;
  /** Login of the authenticated token, if any. */
  readonly login: string | undefined;
  /** When the request arrived (epoch ms, `Date.now()`). */
  readonly receivedAt: number;
  status?: number;
}

export interface AddRepoOptions {
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch?: string;
  readonly private?: boolean;
  readonly originDir?: string;
  /** Extra branches (name → sha) when no `originDir` is given. */
  readonly branches?: Readonly<Record<string, string>>;
}

export interface AddIssueOptions {
  readonly title: string;
  readonly body?: string | null;
  readonly labels?: readonly string[];
  readonly assignees?: readonly string[];
  readonly author?: string;
  readonly state?: 'open' | 'closed';
}

/** A failure the fake answers instead of handling a request (no state change happens). */
export interface InjectedFault {
  /** Only requests of this operation (e.g. `pulls/create`); default: any operation. */
  readonly operationId?: string;
  /** 500/502/503 server errors, 403/429 (secondary rate limit when `retryAfterSeconds` is set). */
  readonly status: 403 | 429 | 500 | 502 | 503;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
  readonly message?: string;
  /** Sent as `retry-after` (seconds). */
  readonly retryAfterSeconds?: number;
}

export class FakeGitHubState {
  /** Pending injected faults, consumed in order by matching requests. */
  readonly faults: Array<InjectedFault & { remaining: number }> = [];

  readonly repos = new Map<string, FakeRepo>();
  readonly requests: RecordedGitHubRequest[] = [];
  /** Every mismatch between a request/response and GitHub's OpenAPI description (should stay empty). */
  readonly specViolations: string[] = [];
  /** Remaining core rate limit; at 0 requests get 403 "API rate limit exceeded". */
  rateLimitRemaining = 5000;
  readonly rateLimitLimit = 5000;
  private nextId = 1000;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** ISO 8601 timestamp without milliseconds, as GitHub returns them. */
  now(): string {
    return this.clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  newId(): number {
    this.nextId += 1;
    return this.nextId;
  }

  addRepo(options: AddRepoOptions): FakeRepo {
    const defaultBranch = options.defaultBranch ?? 'main';
    const repo: FakeRepo = {
      owner: options.owner,
      name: options.name,
      id: this.newId(),
      defaultBranch,
      private: options.private ?? false,
      originDir: options.originDir,
      branches: new Map(
        Object.entries({
          [defaultBranch]: fakeSha(`${options.owner}/${options.name}:${defaultBranch}`),
          ...options.branches,
        }),
      ),
      labels: new Map(),
      items: [],
      createdAt: this.now(),
      checkRuns: [],
      statuses: [],
      roles: new Map([[options.owner, 'admin']]),
    };
    this.repos.set(repoKey(options.owner, options.name), repo);
    return repo;
  }

  repo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  /** Seeds an issue (not a PR) and returns it. Throws if the repository was not added. */
  addIssue(owner: string, name: string, options: AddIssueOptions): FakeIssue {
    const repo = this.repo(owner, name);
    if (repo === undefined) throw new Error(`fake-github: repository ${owner}/${name} was not added`);
    const now = this.now();
    const issue: FakeIssue = {
      number: repo.items.length + 1,
      id: this.newId(),
      title: options.title,
      body: options.body ?? null,
      state: options.state ?? 'open',
      stateReason: options.state === 'closed' ? 'completed' : null,
      labels: [],
      assignees: [...(options.assignees ?? [])],
      author: options.author ?? 'octocat',
      comments: [],
      createdAt: now,
      updatedAt: now,
      closedAt: options.state === 'closed' ? now : null,
    };
    repo.items.push(issue);
    for (const label of options.labels ?? []) this.attachLabel(repo, issue, label);
    return issue;
  }

  /** Adds a pull request record (used by the POST route after its checks). */
  addPull(
    repo: FakeRepo,
    fields: Omit<
      FakeIssue,
      'number' | 'id' | 'comments' | 'createdAt' | 'updatedAt' | 'closedAt' | 'labels' | 'stateReason'
    > & { pull: FakePull },
  ): FakeIssue {
    const now = this.now();
    const item: FakeIssue = {
      ...fields,
      number: repo.items.length + 1,
      id: this.newId(),
      comments: [],
      labels: [],
      stateReason: null,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    repo.items.push(item);
    return item;
  }

  attachLabel(repo: FakeRepo, issue: FakeIssue, name: string): void {
    if (!repo.labels.has(name))
      repo.labels.set(name, { id: this.newId(), name, color: 'ededed', description: null });
    if (!issue.labels.includes(name)) issue.labels.push(name);
  }

  /** Sets a branch head (only for repos without `originDir`). */
  setBranch(
    owner: string,
    name: string,
    branch: string,
    sha: string = fakeSha(`${owner}/${name}:${branch}:${this.newId()}`),
  ): void {
    const repo = this.repo(owner, name);
    if (repo === undefined) throw new Error(`fake-github: repository ${owner}/${name} was not added`);
    repo.branches.set(branch, sha);
  }

  /** Makes the next matching request(s) fail with `fault.status` before any state change. */
  injectFault(fault: InjectedFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Takes one use of the first fault matching `operationId`, if any. */
  takeFault(operationId: string): InjectedFault | undefined {
    const fault = this.faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.operationId === undefined || candidate.operationId === operationId),
    );
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    return fault;
  }

  /**
   * Creates or updates (same head SHA and name) a check run, as a CI app would; returns it. Moving to
   * `in_progress` stamps `startedAt`, to `completed` stamps `completedAt`.
   */
  setCheckRun(owner: string, name: string, input: CheckRunInput): FakeCheckRun {
    const repo = this.mustRepo(owner, name);
    const now = this.now();
    let run = repo.checkRuns.find((r) => r.headSha === input.headSha && r.name === input.name);
    if (run === undefined) {
      run = {
        id: this.newId(),
        headSha: input.headSha,
        name: input.name,
        status: 'queued',
        conclusion: null,
        startedAt: null,
        completedAt: null,
        title: null,
        summary: null,
        detailsUrl: null,
      };
      repo.checkRuns.push(run);
    }
    run.status = input.status;
    if (input.status !== 'queued') run.startedAt ??= now;
    run.conclusion = input.status === 'completed' ? input.conclusion : null;
    run.completedAt = input.status === 'completed' ? now : null;
    if (input.title !== undefined) run.title = input.title;
    if (input.summary !== undefined) run.summary = input.summary;
    if (input.detailsUrl !== undefined) run.detailsUrl = input.detailsUrl;
    return run;
  }

  /** Adds a commit status (GitHub keeps every one; the combined status reads the latest per context). */
  addCommitStatus(owner: string, name: string, input: CommitStatusInput): FakeCommitStatus {
    const repo = this.mustRepo(owner, name);
    const status: FakeCommitStatus = {
      id: this.newId(),
      sha: input.sha,
      state: input.state,
      context: input.context ?? 'default',
      description: input.description ?? null,
      targetUrl: input.targetUrl ?? null,
      creator: input.creator ?? 'ci-bot',
      createdAt: this.now(),
    };
    repo.statuses.push(status);
    return status;
  }

  /** Gives `login` a role on the repository (`none` removes it). */
  setRole(owner: string, name: string, login: string, role: RepoRole | 'none'): void {
    const repo = this.mustRepo(owner, name);
    if (role === 'none') repo.roles.delete(login);
    else repo.roles.set(login, role);
  }

  /** Sets the diff of a pull request per path (hunks from the first `@@` line), for repos without an origin. */
  setPullFiles(owner: string, name: string, number: number, files: Readonly<Record<string, string>>): void {
    const pull = this.mustRepo(owner, name).items[number - 1]?.pull;
    if (pull === undefined) throw new Error(`fake-github: ${owner}/${name}#${number} is not a pull request`);
    pull.files = { ...files };
  }

  private mustRepo(owner: string, name: string): FakeRepo {
    const repo = this.repo(owner, name);
    if (repo === undefined) throw new Error(`fake-github: repository ${owner}/${name} was not added`);
    return repo;
  }

  /** Pull requests of a repository, in creation order. */
  pulls(owner: string, name: string): FakeIssue[] {
    return (this.repo(owner, name)?.items ?? []).filter((item) => item.pull !== undefined);
  }

  /** Issues (not PRs) of a repository, in creation order. */
  issues(owner: string, name: string): FakeIssue[] {
    return (this.repo(owner, name)?.items ?? []).filter((item) => item.pull === undefined);
  }
}

/** The reviews and review comments of a pull request, created on first use. */
export function conversationOf(pull: FakePull): FakePullConversation {
  pull.conversation ??= { reviews: [], comments: [] };
  return pull.conversation;
}

export function repoKey(owner: string, name: string): string {
  return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}

/** A deterministic 40-hex pseudo sha for branches not backed by a real repository. */
export function fakeSha(seed: string): string {
  let hex = '';
  let h = 2166136261;
  for (let round = 0; hex.length < 40; round += 1) {
    for (const char of `${seed}#${round}`) h = Math.imul(h ^ char.charCodeAt(0), 16777619) >>> 0;
    hex += h.toString(16).padStart(8, '0');
  }
  return hex.slice(0, 40);
}
