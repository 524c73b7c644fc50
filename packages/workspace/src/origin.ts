import { errAsync, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from './errors.js';
import { runGit } from './git.js';

/**
 * The URL of `repoPath`'s `origin` remote: sessions branch from origin's default branch and deliver there,
 * so a workspace without one cannot be used. Errors: WORKTREE_MISSING (the directory does not exist),
 * NOT_A_REPOSITORY, BASE_BRANCH_NOT_FOUND (no remote named origin: `details.remote`), GIT_FAILED.
 */
export function originUrl(repoPath: string): ResultAsync<string, WorkspaceError> {
  // `git remote get-url` exits 2 when there is no such remote: a configuration error no retry fixes.
  return runGit(repoPath, ['remote', 'get-url', 'origin'], { okExitCodes: [2] }).andThen((r) =>
    r.exitCode === 2
      ? errAsync(
          workspaceError(
            'BASE_BRANCH_NOT_FOUND',
            `${repoPath} has no remote named origin: sessions branch from origin's default branch and deliver there (add it with \`git remote add origin <url>\`)`,
            { repoPath, remote: 'origin' },
          ),
        )
      : okAsync(r.stdout.trim()),
  );
}
