import { makeError, type WorkTrainError } from '@worktrain/contracts';

/**
 * Error codes of `@worktrain/workspace` (closed union).
 * - GIT_FAILED: a git command exited non-zero (details: args, exitCode, stderrTail — the last 2000
 *   characters of stderr).
 * - NOT_A_REPOSITORY: the path is not inside a git repository.
 * - WORKTREE_MISSING: the session's worktree directory does not exist (e.g. deleted under a session).
 * - WORKTREE_CONFLICT: the session's worktree path is occupied by something else (another repository, a
 *   plain directory, or a worktree on another branch).
 * - BASE_BRANCH_NOT_FOUND: the base branch does not exist on `origin`, or origin's default branch could not
 *   be detected.
 * - LOCKED: a lock (per-repo WorkTrain lock or git's `index.lock`) was still held when the wait ran out.
 * - INVALID_SESSION_ID: the session id cannot be used as a directory and branch name.
 * - IO_FAILED: a file-system operation failed (details: path, cause).
 * - WORKTREE_TAMPERED: a session worktree's `.git` is no longer the file `git worktree add` wrote (a symlink,
 *   a planted `.git/` directory, a `gitdir:` pointing elsewhere), its admin folder's `commondir` leads
 *   elsewhere, or the admin folder holds a `config.worktree` git would read; no git command was run
 *   (details: path, found, expectedGitDir).
 */
export type WorkspaceErrorCode =
  | 'GIT_FAILED'
  | 'NOT_A_REPOSITORY'
  | 'WORKTREE_MISSING'
  | 'WORKTREE_CONFLICT'
  | 'BASE_BRANCH_NOT_FOUND'
  | 'LOCKED'
  | 'INVALID_SESSION_ID'
  | 'IO_FAILED'
  | 'WORKTREE_TAMPERED';

export type WorkspaceError = WorkTrainError<WorkspaceErrorCode>;

export const workspaceError = (
  code: WorkspaceErrorCode,
  message: string,
  details?: Record<string, unknown>,
): WorkspaceError => makeError(code, message, details);
