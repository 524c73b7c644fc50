import { err, errAsync, ok, okAsync, type ResultAsync } from '@worktrain/contracts';
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

/**
 * The default branch of `repoPath`'s origin, where sessions branch from and deliver to: the local
 * `origin/HEAD` when it is set, else what origin's HEAD names (`git ls-remote --symref origin HEAD`, which a
 * bare origin nobody pushed to leaves empty). The rule the daemon applies before it creates a worktree, and
 * the check of a trigger's workspace. Errors: WORKTREE_MISSING (the directory does not exist),
 * NOT_A_REPOSITORY, BASE_BRANCH_NOT_FOUND (no origin remote: `details.remote`; or origin has no default
 * branch: `details.reason` `no_default_branch`), GIT_FAILED (e.g. origin unreachable).
 */
export function defaultBranchOf(repoPath: string): ResultAsync<string, WorkspaceError> {
  return runGit(repoPath, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], {
    okExitCodes: [1, 128],
  })
    .andThen((o): ResultAsync<string, WorkspaceError> => {
      const local = o.exitCode === 0 ? o.stdout.trim().replace(/^origin\//, '') : '';
      if (local !== '') return okAsync(local);
      return originUrl(repoPath).andThen(() =>
        runGit(repoPath, ['ls-remote', '--symref', 'origin', 'HEAD']).map(
          (r) => r.stdout.match(/^ref:\s+refs\/heads\/(\S+)\s+HEAD$/m)?.[1] ?? '',
        ),
      );
    })
    .andThen((branch) =>
      branch === ''
        ? err(
            workspaceError(
              'BASE_BRANCH_NOT_FOUND',
              `Cannot detect the default branch of origin in ${repoPath}: origin has no branch yet (push one)`,
              { repoPath, reason: 'no_default_branch' },
            ),
          )
        : ok(branch),
    );
}
