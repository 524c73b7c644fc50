import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { errAsync, type GitTarget, gitTargetPath, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';
import { runGit } from './git.js';

/** Git's marker files of an operation left half done (git-status(1) shows the same states). */
const IN_PROGRESS: readonly [string, string][] = [
  ['MERGE_HEAD', 'merge'],
  ['rebase-merge', 'rebase'],
  ['rebase-apply', 'rebase or am'],
  ['CHERRY_PICK_HEAD', 'cherry-pick'],
  ['REVERT_HEAD', 'revert'],
  ['BISECT_LOG', 'bisect'],
];

/**
 * The clean-worktree guard of delivery. "Clean" for a session worktree means: no git operation left half
 * done (merge, rebase, am, cherry-pick, revert, bisect) and no unmerged index entries (unresolved
 * conflicts). Uncommitted edits are expected (they are the agent's work and are staged by delivery), but
 * every changed path, committed or not, must be inside the handoff's declared targets: that part is checked
 * on the staged diff by `checkPatch` (OUTSIDE_TARGETS), so a stray edit outside the handoff blocks the
 * delivery too. Errors: WORKTREE_DIRTY (details.state, details.paths), WORKTREE_MISSING, GIT_FAILED.
 */
export function checkWorktreeClean(worktree: GitTarget): ResultAsync<void, DeliveryError> {
  return runGit(worktree, ['rev-parse', '--git-dir']).andThen((o) => {
    const gitDir = typeof worktree === 'string' ? o.stdout.trim() : worktree.gitDir;
    const abs = isAbsolute(gitDir) ? gitDir : join(gitTargetPath(worktree), gitDir);
    const busy = IN_PROGRESS.find(([file]) => existsSync(join(abs, file)));
    if (busy !== undefined) {
      return errAsync(
        deliveryError(
          'WORKTREE_DIRTY',
          `The worktree has a ${busy[1]} in progress; finish or abort it before delivering`,
          { state: busy[1], paths: [] },
        ),
      );
    }
    return runGit(worktree, ['-c', 'core.quotePath=false', 'ls-files', '--unmerged', '-z']).andThen((u) => {
      const paths = [
        ...new Set(
          u.stdout
            .split('\0')
            .filter((l) => l !== '')
            .map((l) => l.split('\t')[1] ?? ''),
        ),
      ];
      if (paths.length === 0) return okAsync(undefined);
      return errAsync(
        deliveryError('WORKTREE_DIRTY', `The worktree has unresolved conflicts in ${paths.join(', ')}`, {
          state: 'conflicts',
          paths,
        }),
      );
    });
  });
}
