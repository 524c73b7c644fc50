import { lstat, mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type Clock,
  err,
  type GitTarget,
  type Logger,
  ok,
  okAsync,
  type Result,
  ResultAsync,
  silentLogger,
  systemClock,
  type WorktreeGitRef,
  worktreeGitRef,
} from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from './errors.js';
import { checkWorktree, runGit } from './git.js';
import { clearStaleIndexLock, type IndexLockOutcome, withRepoLock } from './locks.js';
import { defaultBranchOf } from './origin.js';
import {
  type DirtyFile,
  parsePorcelainZ,
  readWorktreeEntries,
  readWorktreeEntry,
  readWorktreeGitDir,
  repoPathOfCommonDir,
  WORKTRAIN_META_FILE,
  type WorktreeEntry,
} from './worktree-info.js';

/** Options of {@link createWorkspaceManager}. Times in milliseconds. */
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
   * now reuses it instead of fetching again. A fetch started at most {@link PREFETCH_REUSE_MS} (2 000 ms)
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
   * The default branch of the repository's origin ({@link defaultBranchOf}), the lookup worktree creation
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

/**
 * How old a fetch of a base branch (ms since it started) {@link WorkspaceManager.prefetchBase} still reuses
 * instead of starting another.
 */
export const PREFETCH_REUSE_MS = 2_000;

/** How long a repository's detected default branch is reused before it is looked up again, ms. */
const DEFAULT_BRANCH_TTL_MS = 5 * 60_000;

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Checks a session id can be a directory name and a branch name component. */
export function validateSessionId(sessionId: string): Result<string, WorkspaceError> {
  if (!SESSION_ID.test(sessionId) || sessionId.includes('..') || sessionId.endsWith('.lock')) {
    return err(
      workspaceError('INVALID_SESSION_ID', `Session id ${JSON.stringify(sessionId)} cannot name a worktree`, {
        sessionId,
      }),
    );
  }
  return ok(sessionId);
}

/**
 * Creates the worktree manager (DESIGN §8): one `git worktree` per session on branch
 * `worktrain/<session-id>` under `worktreesDir`, started from a freshly fetched base branch. Git operations
 * on one repository are serialised by a per-repo lock (in-process queue + lock file in
 * `<worktreesDir>/.locks/`). All methods return errors as values (see `WorkspaceErrorCode`).
 */
export function createWorkspaceManager(options: WorkspaceManagerOptions): WorkspaceManager {
  const worktreesDir = resolve(options.worktreesDir);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const prefix = options.branchPrefix ?? 'worktrain/';
  const lockOptions = {
    locksDir: join(worktreesDir, '.locks'),
    clock,
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
  };
  const indexLockOptions = {
    clock,
    logger,
    ...(options.indexLockStaleMs === undefined ? {} : { staleMs: options.indexLockStaleMs }),
    ...(options.indexLockWaitMs === undefined ? {} : { waitMs: options.indexLockWaitMs }),
  };
  const branchFor = (sessionId: string) => `${prefix}${sessionId}`;
  const pathFor = (sessionId: string) => join(worktreesDir, sessionId);

  const commonDirOf = (path: string) =>
    runGit(path, ['rev-parse', '--path-format=absolute', '--git-common-dir']).map((o) => o.stdout.trim());
  // The repositories sessions start from are few and fixed: their common dir and default branch are looked
  // up once (the default branch again after DEFAULT_BRANCH_TTL_MS), not with two git processes per session.
  const repoCommonDirs = new Map<string, string>();
  // Lookups in flight, shared by concurrent callers (a burst of webhooks would otherwise start one git
  // process each before the first answer is cached).
  const commonDirLookups = new Map<string, Promise<Result<string, WorkspaceError>>>();
  const repoCommonDirOf = (repo: string): ResultAsync<string, WorkspaceError> => {
    const known = repoCommonDirs.get(repo);
    if (known !== undefined) return okAsync(known);
    return sharedLookup(commonDirLookups, repo, () =>
      commonDirOf(repo).map((dir) => {
        repoCommonDirs.set(repo, dir);
        return dir;
      }),
    );
  };
  const defaultBranches = new Map<string, { branch: string; at: number }>();
  const exists = (path: string) =>
    ResultAsync.fromSafePromise(
      stat(path).then(
        () => true,
        () => false,
      ),
    );

  /** The common dir as git writes it into a worktree's `.git` file (its real path). */
  const realCommonDir = (commonDir: string): ResultAsync<string, WorkspaceError> =>
    ResultAsync.fromPromise(realpath(commonDir), (e) =>
      workspaceError('IO_FAILED', `Cannot resolve ${commonDir}`, { path: commonDir, cause: String(e) }),
    );

  const gitRefFor = (input: GitRefForInput): ResultAsync<WorktreeGitRef, WorkspaceError> =>
    validateSessionId(input.sessionId)
      .asyncAndThen(() => repoCommonDirOf(input.repoPath))
      .andThen(realCommonDir)
      .map((common) => worktreeGitRef(pathFor(input.sessionId), common));

  const releaseStaleIndexLock = (target: GitTarget) =>
    typeof target === 'string'
      ? runGit(target, ['rev-parse', '--absolute-git-dir']).andThen((o) =>
          clearStaleIndexLock(o.stdout.trim(), target, indexLockOptions),
        )
      : clearStaleIndexLock(target.gitDir, target.worktree, indexLockOptions);

  const defaultBranchLookups = new Map<string, Promise<Result<string, WorkspaceError>>>();
  const cachedDefaultBranch = (repo: string): ResultAsync<string, WorkspaceError> => {
    const hit = defaultBranches.get(repo);
    if (hit !== undefined && clock.now() - hit.at < DEFAULT_BRANCH_TTL_MS) return okAsync(hit.branch);
    return sharedLookup(defaultBranchLookups, repo, () =>
      defaultBranchOf(repo).map((branch) => {
        defaultBranches.set(repo, { branch, at: clock.now() });
        return branch;
      }),
    );
  };

  /**
   * Fetches of one (repository, base branch), coalesced: a caller that accepts a fetch started at or after
   * `since` joins the running or last successful one when it is recent enough; otherwise it joins the one
   * queued behind the running fetch (it starts when that ends, so it is fresh for everyone waiting). Each
   * fetch resolves with the commit it left `origin/<base>` at (read right after it, before the next fetch
   * of that branch can start), so a worktree made from a prefetch needs no git process to learn its base.
   */
  const fetches = new Map<
    string,
    {
      running: { at: number; done: Promise<Result<string, WorkspaceError>> } | null;
      next: { done: Promise<Result<string, WorkspaceError>> } | null;
      lastOk: { at: number; head: string } | null;
    }
  >();
  const freshFetch = (
    repo: string,
    base: string,
    since: number | undefined,
  ): ResultAsync<string, WorkspaceError> => {
    const key = `${repo}\u0000${base}`;
    let entry = fetches.get(key);
    if (entry === undefined) {
      entry = { running: null, next: null, lastOk: null };
      fetches.set(key, entry);
    }
    const e = entry;
    const start = (): Promise<Result<string, WorkspaceError>> => {
      const at = clock.now();
      const done: Promise<Result<string, WorkspaceError>> = Promise.resolve(
        fetchBase(repo, base).andThen(() => remoteBranchCommit(repo, base)),
      ).then((r) => {
        if (r.isOk() && (e.lastOk === null || at >= e.lastOk.at)) e.lastOk = { at, head: r.value };
        if (e.running?.done === done) e.running = null;
        return r;
      });
      e.running = { at, done };
      return done;
    };
    if (since !== undefined) {
      if (e.lastOk !== null && e.lastOk.at >= since) return okAsync(e.lastOk.head);
      if (e.running !== null && e.running.at >= since) return new ResultAsync(e.running.done);
    }
    if (e.running === null) return new ResultAsync(start());
    if (e.next === null) {
      const after = e.running.done;
      const next = { done: after.then(() => start()) };
      e.next = next;
      void next.done.then(() => {
        if (e.next === next) e.next = null;
      });
    }
    return new ResultAsync(e.next.done);
  };

  /**
   * The commit of `origin/<base>`: from its loose ref file, which a fetch that moved it has just written
   * (the file git itself reads first), else (packed, reftable, a symbolic ref) from `git rev-parse`.
   */
  const remoteBranchCommit = (repo: string, base: string): ResultAsync<string, WorkspaceError> =>
    repoCommonDirOf(repo)
      .andThen((commonDir) =>
        ResultAsync.fromSafePromise(
          readFile(join(commonDir, 'refs', 'remotes', 'origin', ...base.split('/')), 'utf8').catch(() => ''),
        ),
      )
      .andThen((text) => {
        const sha = text.trim();
        if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) return okAsync(sha);
        return runGit(repo, ['rev-parse', '--verify', `refs/remotes/origin/${base}^{commit}`]).map((o) =>
          o.stdout.trim(),
        );
      });

  const fetchBase = (repo: string, base: string) =>
    runGit(repo, ['fetch', '--no-tags', 'origin', `+refs/heads/${base}:refs/remotes/origin/${base}`]).mapErr(
      (e) =>
        e.code === 'GIT_FAILED' &&
        /couldn't find remote ref|invalid refspec/i.test(String(e.details?.stderrTail))
          ? workspaceError('BASE_BRANCH_NOT_FOUND', `Branch ${base} does not exist on origin`, {
              baseBranch: base,
            })
          : e,
    );

  const headOf = (target: GitTarget) => runGit(target, ['rev-parse', 'HEAD']).map((o) => o.stdout.trim());

  /**
   * A session directory that is already there (the agent may have run in it): its ref is derived from the
   * repository (`<common>/worktrees/<session-id>`), and its `.git` must still be git's link to that admin
   * folder. No `.git` at all: a plain directory occupies the path (WORKTREE_CONFLICT); any other `.git`:
   * WORKTREE_TAMPERED.
   */
  const reuseExisting = (path: string, commonDir: string, input: CreateWorktreeInput, branch: string) =>
    ResultAsync.fromSafePromise(
      lstat(join(path, '.git')).then(
        () => true,
        () => false,
      ),
    )
      .andThen((linked) =>
        linked
          ? realCommonDir(commonDir).map((common) => worktreeGitRef(path, common))
          : err(
              workspaceError(
                'WORKTREE_CONFLICT',
                `${path} exists but is not a worktree of ${input.repoPath}`,
                {
                  path,
                },
              ),
            ),
      )
      .andThen((ref) => checkWorktree(ref).map(() => ref))
      .andThen((ref) => reuseChecked(ref, commonDir, input, branch));

  const reuseChecked = (ref: WorktreeGitRef, commonDir: string, input: CreateWorktreeInput, branch: string) =>
    runGit(ref, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] })
      .andThen((o) => {
        const current = o.stdout.trim();
        return current === branch
          ? ok(undefined)
          : err(
              workspaceError(
                'WORKTREE_CONFLICT',
                `${ref.worktree} is on ${current || 'a detached HEAD'}, expected ${branch}`,
                {
                  path: ref.worktree,
                  branch: current,
                },
              ),
            );
      })
      .andThen(() => releaseStaleIndexLock(ref))
      .andThen(() => headOf(ref))
      .map(
        (head): Worktree => ({
          sessionId: input.sessionId,
          path: ref.worktree,
          branch,
          repoPath: repoPathOfCommonDir(commonDir),
          baseBranch: null,
          head,
          outcome: 'reused',
          git: ref,
        }),
      );

  /**
   * `git worktree add` for a new session. The base comes from a fresh fetch (a prefetch started at or after
   * `fetchedSince` is reused, with the commit it fetched); the new worktree starts at that exact commit, so
   * its HEAD is known without asking git again, and its git dir comes from its `.git` file. A new session
   * has no branch yet, so `worktree add -b` runs first; only when it fails is the session's branch looked
   * up (it exists: the branch is checked out again, `reattached`) and a stale registration pruned.
   */
  const addWorktree = (
    repo: string,
    commonDir: string,
    input: CreateWorktreeInput,
    path: string,
    branch: string,
  ) =>
    (input.baseBranch === undefined ? cachedDefaultBranch(repo) : okAsync(input.baseBranch))
      .andThen((base) => freshFetch(repo, base, input.fetchedSince).map((baseHead) => ({ base, baseHead })))
      .andThen(({ base, baseHead }) => {
        const addNew = ['worktree', 'add', '--no-track', '-b', branch, path, baseHead];
        return runGit(repo, addNew)
          .map(() => ({ base, head: baseHead, reattached: false }))
          .orElse(() =>
            runGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
              okExitCodes: [1],
            }).andThen((verified) => {
              const branchExists = verified.exitCode === 0;
              const args = branchExists ? ['worktree', 'add', path, branch] : addNew;
              const head = branchExists ? verified.stdout.trim() : baseHead;
              return runGit(repo, args)
                .orElse(() => runGit(repo, ['worktree', 'prune']).andThen(() => runGit(repo, args)))
                .map(() => ({ base, head, reattached: branchExists }));
            }),
          );
      })
      .andThen(({ base, head, reattached }) =>
        freshRef(path, commonDir)
          .andThen((ref) =>
            ResultAsync.fromPromise(
              writeFile(
                join(ref.gitDir, WORKTRAIN_META_FILE),
                JSON.stringify({ sessionId: input.sessionId, createdAt: clock.now(), baseBranch: base }),
              ),
              (e) => workspaceError('IO_FAILED', 'Cannot write worktree metadata', { cause: String(e) }),
            ).map(() => ref),
          )
          .map(
            (ref): Worktree => ({
              sessionId: input.sessionId,
              path,
              branch,
              repoPath: repoPathOfCommonDir(commonDir),
              baseBranch: base,
              head,
              outcome: reattached ? 'reattached' : 'created',
              git: ref,
            }),
          ),
      );

  /**
   * The ref of a worktree `git worktree add` has just made (nothing else has run in it yet): its admin
   * folder's name is read from the fresh `.git` file when that names a folder under `<common>/worktrees/`
   * (git picks another name when the path's basename is taken), else the basename is assumed.
   */
  const freshRef = (path: string, commonDir: string): ResultAsync<WorktreeGitRef, WorkspaceError> =>
    realCommonDir(commonDir).andThen((common) =>
      ResultAsync.fromSafePromise(readWorktreeGitDir(path).catch(() => null)).map((gitDir) =>
        gitDir !== null && dirname(gitDir) === join(common, 'worktrees')
          ? worktreeGitRef(path, common, basename(gitDir))
          : worktreeGitRef(path, common),
      ),
    );

  const createWorktree = (input: CreateWorktreeInput): ResultAsync<Worktree, WorkspaceError> =>
    validateSessionId(input.sessionId)
      .asyncAndThen(() => repoCommonDirOf(input.repoPath))
      .andThen((commonDir) =>
        withRepoLock(commonDir, lockOptions, () => {
          const path = pathFor(input.sessionId);
          const branch = branchFor(input.sessionId);
          return ResultAsync.fromPromise(mkdir(worktreesDir, { recursive: true }), (e) =>
            workspaceError('IO_FAILED', `Cannot create ${worktreesDir}`, { cause: String(e) }),
          )
            .andThen(() => exists(path))
            .andThen((present) =>
              present
                ? reuseExisting(path, commonDir, input, branch)
                : addWorktree(input.repoPath, commonDir, input, path, branch),
            );
        }),
      )
      .map((worktree) => {
        logger.info(
          { sessionId: worktree.sessionId, path: worktree.path, outcome: worktree.outcome },
          'worktree ready',
        );
        return worktree;
      });

  const prefetchBase = async (input: PrefetchBaseInput): Promise<void> => {
    // A fetch started up to PREFETCH_REUSE_MS before the request is good enough for a prefetch: a burst of
    // tasks on one repository (1 000 webhooks/s) costs one fetch per interval, not one after another for
    // the whole burst. A session needing a newer base still fetches itself (fetchedSince is its enqueue time).
    const requestedAt = clock.now() - PREFETCH_REUSE_MS;
    // Spawning git forks this process and blocks its event loop for a while (10-30 ms for a daemon of a
    // few hundred MB): start after the caller's turn (e.g. a webhook's 202 is sent first). A fetch that
    // another caller started meanwhile, at or after the request, is joined instead of queueing another.
    await new Promise<void>((done) => setImmediate(done));
    await repoCommonDirOf(input.repoPath)
      .andThen(() =>
        input.baseBranch === undefined ? cachedDefaultBranch(input.repoPath) : okAsync(input.baseBranch),
      )
      .andThen((base) => freshFetch(input.repoPath, base, requestedAt).map(() => undefined))
      .orElse((e) => {
        logger.debug({ repoPath: input.repoPath, code: e.code }, `prefetch failed: ${e.message}`);
        return okAsync(undefined);
      });
  };

  const freshBase = (input: FreshBaseInput): ResultAsync<FreshBase, WorkspaceError> =>
    repoCommonDirOf(input.repoPath)
      .andThen(() =>
        input.baseBranch === undefined ? cachedDefaultBranch(input.repoPath) : okAsync(input.baseBranch),
      )
      .andThen((baseBranch) =>
        freshFetch(input.repoPath, baseBranch, input.fetchedSince).map((commit) => ({ baseBranch, commit })),
      );

  const removeWorktree = (input: RemoveWorktreeInput): ResultAsync<RemoveWorktreeResult, WorkspaceError> =>
    validateSessionId(input.sessionId).asyncAndThen(() => {
      const path = pathFor(input.sessionId);
      const branch = branchFor(input.sessionId);
      return ResultAsync.fromSafePromise(
        stat(path).then(
          () => readWorktreeEntry(path, input.sessionId),
          () => null,
        ),
      ).andThen((entry) => {
        // The caller's repository first: the entry's comes from the admin folder's `commondir` file, which
        // the agent could have rewritten.
        const repo = input.repoPath ?? entry?.repoPath ?? null;
        const removeDir = (): ResultAsync<boolean, WorkspaceError> => {
          if (entry === null) return okAsync(false);
          if (entry.status === 'ok' && repo !== null) {
            return runGit(repo, ['worktree', 'remove', '--force', '--force', path])
              .orElse(() => rmDir(path))
              .map(() => true);
          }
          return rmDir(path).map(() => true);
        };
        const body = () =>
          removeDir().andThen((removed) => {
            if (repo === null)
              return okAsync({ sessionId: input.sessionId, path, removed, branchDeleted: false });
            return runGit(repo, ['worktree', 'prune'])
              .andThen(() =>
                input.deleteBranch === true
                  ? runGit(repo, ['branch', '-D', branch], { okExitCodes: [1] }).map((o) => o.exitCode === 0)
                  : okAsync(false),
              )
              .map((branchDeleted) => ({ sessionId: input.sessionId, path, removed, branchDeleted }));
          });
        return repo === null ? body() : commonDirOf(repo).andThen((c) => withRepoLock(c, lockOptions, body));
      });
    });

  const listWorktrees = () => ResultAsync.fromSafePromise(readWorktreeEntries(worktreesDir));

  const removeMany = (entries: readonly WorktreeEntry[], deleteBranch: boolean) =>
    ResultAsync.fromSafePromise(
      (async () => {
        const removed: string[] = [];
        const failed: { sessionId: string; error: WorkspaceError }[] = [];
        for (const entry of entries) {
          const result = await removeWorktree({
            sessionId: entry.sessionId,
            deleteBranch,
            ...(entry.repoPath === null ? {} : { repoPath: entry.repoPath }),
          });
          if (result.isOk()) removed.push(entry.sessionId);
          else failed.push({ sessionId: entry.sessionId, error: result.error });
        }
        return { removed, failed };
      })(),
    );

  const cleanWorktrees = (input: CleanWorktreesInput = {}) => {
    const dryRun = input.dryRun ?? true;
    return listWorktrees().andThen((entries) => {
      const only = input.sessionIds === undefined ? null : new Set(input.sessionIds);
      const keep = new Set(input.keepSessionIds ?? []);
      const now = clock.now();
      const selected = entries.filter(
        (e) =>
          (only === null || only.has(e.sessionId)) &&
          !keep.has(e.sessionId) &&
          (input.olderThanMs === undefined || now - e.createdAt >= input.olderThanMs),
      );
      if (dryRun) return okAsync({ dryRun, selected, removed: [], failed: [] });
      return removeMany(selected, input.deleteBranches ?? false).map((r) => ({ dryRun, selected, ...r }));
    });
  };

  const pruneOrphans = (input: PruneOrphansInput) => {
    const live = new Set(input.liveSessionIds);
    return listWorktrees().andThen((entries) => {
      const orphans = entries.filter((e) => !live.has(e.sessionId));
      const repos = new Set([
        ...(input.repoPaths ?? []),
        ...entries.flatMap((e) => (e.repoPath === null ? [] : [e.repoPath])),
      ]);
      return removeMany(orphans, false).andThen((r) =>
        ResultAsync.fromSafePromise(
          (async () => {
            const prunedRepos: string[] = [];
            for (const repo of repos) {
              if ((await runGit(repo, ['worktree', 'prune'])).isOk()) prunedRepos.push(repo);
            }
            if (r.removed.length > 0) logger.info({ removed: r.removed }, 'pruned orphan worktrees');
            return { ...r, prunedRepos };
          })(),
        ),
      );
    });
  };

  const repoState = (target: GitTarget): ResultAsync<RepoState, WorkspaceError> => {
    const path = typeof target === 'string' ? target : target.worktree;
    return exists(path).andThen((present) => {
      if (!present)
        return err(workspaceError('WORKTREE_MISSING', `Directory does not exist: ${path}`, { path }));
      return runGit(target, ['rev-parse', '--verify', '--quiet', 'HEAD'], { okExitCodes: [1] }).andThen((h) =>
        runGit(target, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] }).andThen((b) =>
          runGit(target, [
            '--no-optional-locks',
            'status',
            '--porcelain=v1',
            '-z',
            '--untracked-files=all',
          ]).map(
            (s): RepoState => ({
              path,
              head: h.exitCode === 0 ? h.stdout.trim() : null,
              branch: b.exitCode === 0 ? b.stdout.trim() : null,
              dirty: parsePorcelainZ(s.stdout),
            }),
          ),
        ),
      );
    });
  };

  return {
    worktreesDir,
    branchFor,
    pathFor,
    createWorktree,
    prefetchBase,
    freshBase,
    defaultBranch: (repoPath) => cachedDefaultBranch(repoPath),
    removeWorktree,
    listWorktrees,
    cleanWorktrees,
    pruneOrphans,
    repoState,
    releaseStaleIndexLock,
    gitRefFor,
  };
}

/**
 * The lookup of `key` in flight in `inFlight`, or a new one from `start` that later callers join until it
 * settles (then it is forgotten: the caller caches what it wants to keep).
 */
function sharedLookup<T, E>(
  inFlight: Map<string, Promise<Result<T, E>>>,
  key: string,
  start: () => ResultAsync<T, E>,
): ResultAsync<T, E> {
  let lookup = inFlight.get(key);
  if (lookup === undefined) {
    const started = Promise.resolve(start());
    lookup = started;
    inFlight.set(key, started);
    void started.then(() => inFlight.delete(key));
  }
  return new ResultAsync(lookup);
}

function rmDir(path: string): ResultAsync<void, WorkspaceError> {
  return ResultAsync.fromPromise(rm(path, { recursive: true, force: true }), (e) =>
    workspaceError('IO_FAILED', `Cannot remove ${path}`, { path, cause: String(e) }),
  );
}
