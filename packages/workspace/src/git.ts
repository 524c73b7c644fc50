import {
  type GitError,
  type GitOutput,
  type GitTarget,
  type RunGitOptions as HardenedRunGitOptions,
  checkWorktree as hardenedCheckWorktree,
  runGit as hardenedRunGit,
  type ResultAsync,
  type SpawnCommand,
  spawnCommand,
  type WorktreeGitRef,
} from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from './errors.js';
import { gitSpawnHelperEnabled, spawnViaHelper } from './spawner.js';

export type { GitOutput } from '@worktrain/contracts';

/** Options of {@link runGit}: those of contracts' runner but the spawn strategy (the workspace picks it). */
export type RunGitOptions = Omit<HardenedRunGitOptions, 'spawn'>;

/** Through the small spawn helper once the daemon enabled it (a fork of a big process blocks its event
 *  loop in proportion to its memory); directly for stdin input or when the helper cannot be used. */
const viaHelper: SpawnCommand = (request) =>
  request.input !== undefined
    ? spawnCommand(request)
    : spawnViaHelper(request).catch(() => spawnCommand(request));

/** Contracts' git error in the workspace's union (an `index.lock` failure stays GIT_FAILED here). */
function toWorkspaceError(e: GitError): WorkspaceError {
  return workspaceError(e.code === 'INDEX_LOCKED' ? 'GIT_FAILED' : e.code, e.message, { ...e.details });
}

/** {@link runGit}'s worktree check alone: WORKTREE_TAMPERED or WORKTREE_MISSING, running nothing. */
export function checkWorktree(ref: WorktreeGitRef): ResultAsync<void, WorkspaceError> {
  return hardenedCheckWorktree(ref).mapErr(toWorkspaceError);
}

/**
 * The one hardened git runner (`runGit` of `@worktrain/contracts`: pinned worktree refs checked before every
 * call, no hooks, no fsmonitor, no git inside submodules), spawning through the daemon's spawn helper once
 * `enableGitSpawnHelper` ran. Errors: WORKTREE_TAMPERED (nothing run), WORKTREE_MISSING, NOT_A_REPOSITORY,
 * GIT_FAILED (args, exit code, stderr tail).
 */
export function runGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions = {},
): ResultAsync<GitOutput, WorkspaceError> {
  return hardenedRunGit(target, args, {
    ...options,
    ...(gitSpawnHelperEnabled() ? { spawn: viaHelper } : {}),
  }).mapErr(toWorkspaceError);
}
