/**
 * Reading repositories and session worktrees: their head, branch and dirty files, the trusted git ref of a
 * session's worktree derived from its source repository, and releasing a stale `index.lock`.
 */
import {
  err,
  type GitTarget,
  type ResultAsync,
  type WorktreeGitRef,
  worktreeGitRef,
} from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from '../errors.js';
import { runGit } from '../git.js';
import { clearStaleIndexLock, type IndexLockOutcome } from '../locks.js';
import { parsePorcelainZ } from '../worktree-info.js';
import { type ManagerContext, pathExists, realCommonDir, validateSessionId } from './context.js';
import type { RepoLookups } from './repo-lookups.js';
import type { GitRefForInput, RepoState } from './types.js';

/** See `WorkspaceManager.gitRefFor`. */
export function gitRefFor(
  ctx: ManagerContext,
  lookups: RepoLookups,
  input: GitRefForInput,
): ResultAsync<WorktreeGitRef, WorkspaceError> {
  return validateSessionId(input.sessionId)
    .asyncAndThen(() => lookups.repoCommonDirOf(input.repoPath))
    .andThen(realCommonDir)
    .map((common) => worktreeGitRef(ctx.pathFor(input.sessionId), common));
}

/**
 * See `WorkspaceManager.releaseStaleIndexLock`: a worktree by its ref runs no git process; a path asks git
 * for its git dir first.
 */
export function releaseStaleIndexLock(
  ctx: ManagerContext,
  target: GitTarget,
): ResultAsync<IndexLockOutcome, WorkspaceError> {
  return typeof target === 'string'
    ? runGit(target, ['rev-parse', '--absolute-git-dir']).andThen((o) =>
        clearStaleIndexLock(o.stdout.trim(), target, ctx.indexLockOptions),
      )
    : clearStaleIndexLock(target.gitDir, target.worktree, ctx.indexLockOptions);
}

/** See `WorkspaceManager.repoState`. Errors: WORKTREE_MISSING, WORKTREE_TAMPERED, NOT_A_REPOSITORY, GIT_FAILED. */
export function repoState(target: GitTarget): ResultAsync<RepoState, WorkspaceError> {
  const path = typeof target === 'string' ? target : target.worktree;
  return pathExists(path).andThen((present) => {
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
}
