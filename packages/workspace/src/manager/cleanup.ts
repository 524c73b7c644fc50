/**
 * Removing session worktrees: one session's (directory, git's registration, optionally its branch, under
 * the per-repo lock), a selection of them (`cleanWorktrees`, dry run by default), and the orphans no live
 * session owns (`pruneOrphans`, which also prunes git's stale registrations).
 */
import { stat } from 'node:fs/promises';
import { okAsync, ResultAsync } from '@worktrain/contracts';
import type { WorkspaceError } from '../errors.js';
import { runGit } from '../git.js';
import { withRepoLock } from '../locks.js';
import { readWorktreeEntries, readWorktreeEntry, type WorktreeEntry } from '../worktree-info.js';
import { type ManagerContext, rmDir, validateSessionId } from './context.js';
import type { RepoLookups } from './repo-lookups.js';
import type {
  CleanWorktreesInput,
  CleanWorktreesResult,
  PruneOrphansInput,
  PruneOrphansResult,
  RemoveWorktreeInput,
  RemoveWorktreeResult,
} from './types.js';

/** See `WorkspaceManager.removeWorktree`. Errors: INVALID_SESSION_ID, LOCKED, GIT_FAILED, IO_FAILED. */
export function removeWorktree(
  ctx: ManagerContext,
  lookups: RepoLookups,
  input: RemoveWorktreeInput,
): ResultAsync<RemoveWorktreeResult, WorkspaceError> {
  return validateSessionId(input.sessionId).asyncAndThen(() => {
    const path = ctx.pathFor(input.sessionId);
    const branch = ctx.branchFor(input.sessionId);
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
      return repo === null
        ? body()
        : lookups.commonDirOf(repo).andThen((c) => withRepoLock(c, ctx.lockOptions, body));
    });
  });
}

/** The session worktrees under the worktrees folder (see `readWorktreeEntries`); never fails. */
export function listWorktrees(ctx: ManagerContext): ResultAsync<readonly WorktreeEntry[], WorkspaceError> {
  return ResultAsync.fromSafePromise(readWorktreeEntries(ctx.worktreesDir));
}

/** Removes `entries` one after another, collecting the sessions removed and the failures. */
function removeMany(
  ctx: ManagerContext,
  lookups: RepoLookups,
  entries: readonly WorktreeEntry[],
  deleteBranch: boolean,
) {
  return ResultAsync.fromSafePromise(
    (async () => {
      const removed: string[] = [];
      const failed: { sessionId: string; error: WorkspaceError }[] = [];
      for (const entry of entries) {
        const result = await removeWorktree(ctx, lookups, {
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
}

/** See `WorkspaceManager.cleanWorktrees`: selects by session, age (by the manager's clock) and keep list. */
export function cleanWorktrees(
  ctx: ManagerContext,
  lookups: RepoLookups,
  input: CleanWorktreesInput = {},
): ResultAsync<CleanWorktreesResult, WorkspaceError> {
  const dryRun = input.dryRun ?? true;
  return listWorktrees(ctx).andThen((entries) => {
    const only = input.sessionIds === undefined ? null : new Set(input.sessionIds);
    const keep = new Set(input.keepSessionIds ?? []);
    const now = ctx.clock.now();
    const selected = entries.filter(
      (e) =>
        (only === null || only.has(e.sessionId)) &&
        !keep.has(e.sessionId) &&
        (input.olderThanMs === undefined || now - e.createdAt >= input.olderThanMs),
    );
    if (dryRun) return okAsync({ dryRun, selected, removed: [], failed: [] });
    return removeMany(ctx, lookups, selected, input.deleteBranches ?? false).map((r) => ({
      dryRun,
      selected,
      ...r,
    }));
  });
}

/**
 * See `WorkspaceManager.pruneOrphans`: removes every worktree no live session owns (keeping branches), then
 * runs `git worktree prune` in each repository seen or named; a repository where that fails is left out
 * of `prunedRepos`.
 */
export function pruneOrphans(
  ctx: ManagerContext,
  lookups: RepoLookups,
  input: PruneOrphansInput,
): ResultAsync<PruneOrphansResult, WorkspaceError> {
  const live = new Set(input.liveSessionIds);
  return listWorktrees(ctx).andThen((entries) => {
    const orphans = entries.filter((e) => !live.has(e.sessionId));
    const repos = new Set([
      ...(input.repoPaths ?? []),
      ...entries.flatMap((e) => (e.repoPath === null ? [] : [e.repoPath])),
    ]);
    return removeMany(ctx, lookups, orphans, false).andThen((r) =>
      ResultAsync.fromSafePromise(
        (async () => {
          const prunedRepos: string[] = [];
          for (const repo of repos) {
            if ((await runGit(repo, ['worktree', 'prune'])).isOk()) prunedRepos.push(repo);
          }
          if (r.removed.length > 0) ctx.logger.info({ removed: r.removed }, 'pruned orphan worktrees');
          return { ...r, prunedRepos };
        })(),
      ),
    );
  });
}
