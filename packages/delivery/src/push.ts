import { errAsync, type GitTarget, okAsync, type ResultAsync } from '@worktrain/contracts';
import type { CommitIdentity } from './commit.js';
import { type DeliveryError, deliveryError } from './errors.js';
import { authEnv, runGit } from './git.js';

export interface PushOptions {
  /** The session worktree (its trusted ref), or a repository path. */
  readonly worktree: GitTarget;
  readonly branch: string;
  /** Default `origin`. */
  readonly remote?: string;
  /** Forge token for HTTPS remotes; sent as a header through the environment of each git command only. */
  readonly token?: string;
  /** Identity for the commits a rebase rewrites. */
  readonly identity?: CommitIdentity;
}

export interface PushResult {
  readonly commitSha: string;
  /** True when the first push was rejected and our commits were rebased onto the remote branch. */
  readonly rebased: boolean;
}

const REJECTED = /\[rejected\]|\[remote rejected\]|non-fast-forward|fetch first|failed to push some refs/i;
const NON_FAST_FORWARD = /non-fast-forward|fetch first|\(stale info\)/i;

/**
 * Pushes HEAD of the worktree to `refs/heads/<branch>` on the remote, in code. The token never reaches argv,
 * the repository config or events (see `authEnv`); pre-push hooks are skipped (`--no-verify`) because they
 * would run with the token in their environment. A non-fast-forward rejection (someone pushed to the branch)
 * is retried once: fetch the branch, rebase our commits onto it, push again; if the rebase conflicts it is
 * aborted and the result is PUSH_REJECTED. Any other rejection (protected branch, hook) → PUSH_REJECTED;
 * other failures (network, auth) → PUSH_FAILED.
 */
export function pushBranch(options: PushOptions): ResultAsync<PushResult, DeliveryError> {
  const remote = options.remote ?? 'origin';
  const ref = `refs/heads/${options.branch}`;
  const push = () =>
    runGit(options.worktree, ['push', '--no-verify', remote, `HEAD:${ref}`], { env, timeoutMs: 300_000 });
  const head = () => runGit(options.worktree, ['rev-parse', 'HEAD']).map((o) => o.stdout.trim());
  const classify = (e: DeliveryError): DeliveryError => {
    const text = `${String(e.details?.stderrTail ?? '')}`;
    if (REJECTED.test(text)) {
      return deliveryError(
        'PUSH_REJECTED',
        `The remote rejected the push to ${options.branch}: ${lastLines(text)}`,
        {
          branch: options.branch,
          nonFastForward: NON_FAST_FORWARD.test(text),
          stderrTail: text,
        },
      );
    }
    return deliveryError('PUSH_FAILED', `Could not push to ${remote}: ${lastLines(text)}`, {
      branch: options.branch,
      stderrTail: text,
    });
  };
  // `git push --porcelain` reports rejections on stdout; fold it into the error text.
  const pushClassified = () => push().mapErr((e) => classify(e));

  let env: Record<string, string> = {};
  return runGit(options.worktree, ['remote', 'get-url', remote])
    .map((o) => {
      env = authEnv(options.token, o.stdout.trim());
      return env;
    })
    .mapErr((e) =>
      deliveryError('PUSH_FAILED', `Remote ${remote} is not configured`, { remote, cause: e.message }),
    )
    .andThen(() => pushClassified())
    .andThen(() => head().map((commitSha) => ({ commitSha, rebased: false })))
    .orElse((first) => {
      if (first.code !== 'PUSH_REJECTED' || first.details?.nonFastForward !== true) return errAsync(first);
      const identityEnv: Record<string, string> =
        options.identity === undefined
          ? {}
          : { GIT_COMMITTER_NAME: options.identity.name, GIT_COMMITTER_EMAIL: options.identity.email };
      return runGit(
        options.worktree,
        ['fetch', '--no-tags', remote, `+${ref}:refs/remotes/${remote}/${options.branch}`],
        { env },
      )
        .mapErr((e) => classify(e))
        .andThen(() =>
          runGit(
            options.worktree,
            ['rebase', '--no-autosquash', `refs/remotes/${remote}/${options.branch}`],
            { env: identityEnv },
          ).orElse((rebaseError) =>
            runGit(options.worktree, ['rebase', '--abort'], { okExitCodes: [128] }).andThen(() =>
              errAsync(
                deliveryError(
                  'PUSH_REJECTED',
                  `The remote branch ${options.branch} moved and our commits do not rebase cleanly onto it`,
                  {
                    branch: options.branch,
                    nonFastForward: true,
                    rebaseConflict: true,
                    stderrTail: rebaseError.details?.stderrTail,
                  },
                ),
              ),
            ),
          ),
        )
        .andThen(() => pushClassified())
        .andThen(() => head())
        .andThen((commitSha) => okAsync({ commitSha, rebased: true }));
    });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
}
