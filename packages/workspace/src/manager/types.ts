/**
 * The workspace manager's public types: its options, the input and result of each operation, and the
 * {@link WorkspaceManager} interface itself (DESIGN §8).
 */
import type { Clock, GitTarget, Logger, ResultAsync, WorktreeGitRef } from '@worktrain/contracts';
import type { WorkspaceError } from '../errors.js';
import type { IndexLockOutcome } from '../locks.js';
import type { DirtyFile, WorktreeEntry } from '../worktree-info.js';

/** Options of `createWorkspaceManager`. Times in milliseconds. */
export interface WorkspaceManagerOptions {
  /** Folder of the session worktrees (`$WORKTRAIN_HOME/worktrees`); created when missing. */
  readonly worktreesDir: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Branch name prefix (default `worktrain/`): a session's branch is `<prefix><session-id>`. */
  readonly branchPrefix?: string;
  /** Wait for the per-repo lock at most this long (default 60 000), then LOCKED. */
  readonly lockTimeoutMs?: number;
  /** A git `index.lock` no process holds is removed once older than this (default 10 000). */
  readonly indexLockStaleMs?: number;
  /** Wait for a held `index.lock` at most this long (default 30 000), then LOCKED. */
  readonly indexLockWaitMs?: number;
}

export interface CreateWorktreeInput {
  /** Any path inside the repository (main working tree or an existing worktree). */
  readonly repoPath: string;
  readonly sessionId: string;
  /** Branch on `origin` to start from; default: origin's default branch (its `HEAD`). */
  readonly baseBranch?: string;
  /**
   * Start the session's branch from this branch on `origin` instead of the base when it exists there (a
   * fix round on a pull request's head branch; fetched fresh). The base stays the PR's target.
   */
  readonly startFrom?: string;
  /**
   * A fetch of the base branch that started at or after this time (ms epoch) is fresh enough, e.g. one
   * started by {@link WorkspaceManager.prefetchBase} when the task was enqueued; default: fetch now.
   */
  readonly fetchedSince?: number;
}

/** Input of {@link WorkspaceManager.prefetchBase}. */
export interface PrefetchBaseInput {
  readonly repoPath: string;
  /** Default: origin's default branch. */
  readonly baseBranch?: string;
}

/** Input of {@link WorkspaceManager.freshBase}. */
export interface FreshBaseInput extends PrefetchBaseInput {
  /** Reuse a fetch started at or after this time (ms epoch); default: fetch now. */
  readonly fetchedSince?: number;
}

/** A fetched base branch (see {@link WorkspaceManager.freshBase}). */
export interface FreshBase {
  /** Branch name on origin (`main`). */
  readonly baseBranch: string;
  /** Commit of `origin/<baseBranch>` after the fetch (40 hex digits). */
  readonly commit: string;
}

/** A session's worktree. */
export interface Worktree {
  readonly sessionId: string;
  readonly path: string;
  /** `worktrain/<session-id>`. */
  readonly branch: string;
  /** The repository's main working tree (or bare repo). */
  readonly repoPath: string;
  /** The base branch name on origin (`main`), or null when an existing worktree was reused. */
  readonly baseBranch: string | null;
  /** Commit checked out at the worktree's HEAD. */
  readonly head: string;
  /** `created`: new branch from the fresh base; `reattached`: the session's branch existed (e.g. after the
   *  directory was deleted) and was checked out again; `reused`: the worktree was already there. */
  readonly outcome: 'created' | 'reattached' | 'reused';
  /**
   * The trusted git layout of the worktree (`worktree`, admin `gitDir`, `commonDir` of `repoPath`), for every
   * later git command on it (delivery's included): never re-read from the agent-writable `.git` file.
   */
  readonly git: WorktreeGitRef;
}

/** Input of {@link WorkspaceManager.gitRefFor}. */
export interface GitRefForInput {
  /** Any path inside the session's source repository (trusted: from the configuration). */
  readonly repoPath: string;
  readonly sessionId: string;
}

export interface RemoveWorktreeInput {
  readonly sessionId: string;
  /** Also delete the branch `worktrain/<session-id>` (default false: the branch may hold unpushed work). */
  readonly deleteBranch?: boolean;
  /** The repository, needed to prune git's registration when the directory is already gone. */
  readonly repoPath?: string;
}

export interface RemoveWorktreeResult {
  readonly sessionId: string;
  readonly path: string;
  /** False when there was nothing to remove. */
  readonly removed: boolean;
  readonly branchDeleted: boolean;
}

export interface CleanWorktreesInput {
  /** Default true: report what would be removed without removing anything. */
  readonly dryRun?: boolean;
  /** Only worktrees created at least this many ms ago (by the manager's clock). */
  readonly olderThanMs?: number;
  /** Only these sessions. */
  readonly sessionIds?: readonly string[];
  /** Never these sessions (e.g. the ones still running). */
  readonly keepSessionIds?: readonly string[];
  readonly deleteBranches?: boolean;
}

export interface CleanWorktreesResult {
  readonly dryRun: boolean;
  /** The worktrees that matched (and, unless dryRun, were removed or failed). */
  readonly selected: readonly WorktreeEntry[];
  readonly removed: readonly string[];
  readonly failed: readonly { readonly sessionId: string; readonly error: WorkspaceError }[];
}

export interface PruneOrphansInput {
  /** Sessions that still own their worktree; every other directory is an orphan. */
  readonly liveSessionIds: Iterable<string>;
  /** Repositories to run `git worktree prune` in besides the ones found under the worktrees folder. */
  readonly repoPaths?: readonly string[];
}

export interface PruneOrphansResult {
  readonly removed: readonly string[];
  readonly prunedRepos: readonly string[];
  readonly failed: readonly { readonly sessionId: string; readonly error: WorkspaceError }[];
}

/** State of a working tree. */
export interface RepoState {
  readonly path: string;
  /** Commit at HEAD, or null in a repository without commits. */
  readonly head: string | null;
  /** Checked-out branch, or null when HEAD is detached. */
  readonly branch: string | null;
  readonly dirty: readonly DirtyFile[];
}

export interface WorkspaceManager {
  readonly worktreesDir: string;
  /** The branch name of a session. */
  branchFor(sessionId: string): string;
  /** The worktree path of a session (whether or not it exists). */
  pathFor(sessionId: string): string;
  createWorktree(input: CreateWorktreeInput): ResultAsync<Worktree, WorkspaceError>;
  /**
   * Starts fetching the base branch from origin (e.g. when a task is enqueued; the git process starts
   * after the caller's event-loop turn), so that a later `createWorktree` with `fetchedSince` at or before
   * now reuses it instead of fetching again. A fetch started at most `PREFETCH_REUSE_MS` (2 000 ms)
   * before the call is joined or reused instead, so a burst of tasks on one repository costs one fetch per
   * interval. Fetches of one repository and branch are coalesced: at most one runs and one waits. Never
   * fails (a failed prefetch is simply not reused); the promise resolves when the fetch has ended.
   */
  prefetchBase(input: PrefetchBaseInput): Promise<void>;
  /**
   * The base branch and the commit a fetch of it from origin left `origin/<base>` at; with `fetchedSince`,
   * a fetch started at or after that time (ms epoch) is reused (e.g. the prefetch), else one runs now. The
   * same commit a `createWorktree` with the same `fetchedSince` starts from, unless a newer fetch lands in
   * between. Errors: BASE_BRANCH_NOT_FOUND, GIT_FAILED, NOT_A_REPOSITORY.
   */
  freshBase(input: FreshBaseInput): ResultAsync<FreshBase, WorkspaceError>;
  /**
   * The default branch of the repository's origin (`defaultBranchOf`), the lookup worktree creation
   * uses: an answer is reused for 5 minutes, an error never. Errors: WORKTREE_MISSING, NOT_A_REPOSITORY,
   * BASE_BRANCH_NOT_FOUND, GIT_FAILED.
   */
  defaultBranch(repoPath: string): ResultAsync<string, WorkspaceError>;
  removeWorktree(input: RemoveWorktreeInput): ResultAsync<RemoveWorktreeResult, WorkspaceError>;
  listWorktrees(): ResultAsync<readonly WorktreeEntry[], WorkspaceError>;
  cleanWorktrees(input?: CleanWorktreesInput): ResultAsync<CleanWorktreesResult, WorkspaceError>;
  pruneOrphans(input: PruneOrphansInput): ResultAsync<PruneOrphansResult, WorkspaceError>;
  /**
   * Head, branch and dirty files of a repository path, or of a session worktree by its trusted ref
   * ({@link Worktree.git} or {@link WorkspaceManager.gitRefFor}): pass the ref for a session worktree, a path
   * runs git there unpinned. Errors: WORKTREE_MISSING, WORKTREE_TAMPERED, NOT_A_REPOSITORY, GIT_FAILED.
   */
  repoState(target: GitTarget): ResultAsync<RepoState, WorkspaceError>;
  /**
   * Removes a stale git `index.lock` of a worktree (by its ref: no git process) or repository (see
   * `clearStaleIndexLock`).
   */
  releaseStaleIndexLock(target: GitTarget): ResultAsync<IndexLockOutcome, WorkspaceError>;
  /**
   * The trusted ref of a session's worktree, derived from its source repository (the common dir `git
   * rev-parse --git-common-dir` gives there, and git's admin folder `<common>/worktrees/<session-id>`), never
   * from the worktree's `.git` file: for a stage that knows only the session and its repository. Errors:
   * NOT_A_REPOSITORY, GIT_FAILED, IO_FAILED, INVALID_SESSION_ID.
   */
  gitRefFor(input: GitRefForInput): ResultAsync<WorktreeGitRef, WorkspaceError>;
}
