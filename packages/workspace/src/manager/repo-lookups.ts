/**
 * Per-repository lookups the manager caches: the git common dir (fixed for a repository) and origin's
 * default branch (reused for {@link DEFAULT_BRANCH_TTL_MS}). The repositories sessions start from are few
 * and fixed, so these cost two git processes per repository, not per session; lookups in flight are shared
 * by concurrent callers (a burst of webhooks would otherwise start one git process each).
 */
import { type Clock, okAsync, type Result, ResultAsync } from '@worktrain/contracts';
import type { WorkspaceError } from '../errors.js';
import { runGit } from '../git.js';
import { defaultBranchOf } from '../origin.js';

/** How long a repository's detected default branch is reused before it is looked up again, ms. */
export const DEFAULT_BRANCH_TTL_MS = 5 * 60_000;

export interface RepoLookups {
  /** `git rev-parse --git-common-dir` of `path` (absolute), uncached. Errors: runGit's. */
  commonDirOf(path: string): ResultAsync<string, WorkspaceError>;
  /** {@link commonDirOf}, cached per repository path once it succeeded. */
  repoCommonDirOf(repo: string): ResultAsync<string, WorkspaceError>;
  /** `defaultBranchOf(repo)`, cached for {@link DEFAULT_BRANCH_TTL_MS}; an error is never cached. */
  defaultBranch(repo: string): ResultAsync<string, WorkspaceError>;
}

/** The lookups of one manager (their caches live as long as it does). */
export function createRepoLookups(clock: Clock): RepoLookups {
  const commonDirOf = (path: string) =>
    runGit(path, ['rev-parse', '--path-format=absolute', '--git-common-dir']).map((o) => o.stdout.trim());
  const repoCommonDirs = new Map<string, string>();
  const commonDirLookups = new Map<string, Promise<Result<string, WorkspaceError>>>();
  const defaultBranches = new Map<string, { branch: string; at: number }>();
  const defaultBranchLookups = new Map<string, Promise<Result<string, WorkspaceError>>>();
  return {
    commonDirOf,
    repoCommonDirOf: (repo) => {
      const known = repoCommonDirs.get(repo);
      if (known !== undefined) return okAsync(known);
      return sharedLookup(commonDirLookups, repo, () =>
        commonDirOf(repo).map((dir) => {
          repoCommonDirs.set(repo, dir);
          return dir;
        }),
      );
    },
    defaultBranch: (repo) => {
      const hit = defaultBranches.get(repo);
      if (hit !== undefined && clock.now() - hit.at < DEFAULT_BRANCH_TTL_MS) return okAsync(hit.branch);
      return sharedLookup(defaultBranchLookups, repo, () =>
        defaultBranchOf(repo).map((branch) => {
          defaultBranches.set(repo, { branch, at: clock.now() });
          return branch;
        }),
      );
    },
  };
}

/**
 * The lookup of `key` in flight in `inFlight`, or a new one from `start` that later callers join until it
 * settles (then it is forgotten: the caller caches what it wants to keep).
 */
export function sharedLookup<T, E>(
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
