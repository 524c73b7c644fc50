import { err, type GitTarget, ok, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';
import { runGit } from './git.js';
import { checkSigningPossible } from './signing.js';

export interface CommitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface CommitResult {
  readonly commitSha: string;
  /** False when the staged tree equals HEAD's tree (nothing new since the last delivery commit). */
  readonly created: boolean;
}

const SIGNING_FAILURE =
  /gpg failed to sign|couldn't load (?:public|private) key|error: cannot run gpg|signing failed|ssh-keygen.*(?:fail|error)|unable to sign|no secret key/i;

/**
 * Commits the staged tree of `worktree` with `message` (via stdin, so the message is never in argv).
 * Idempotent: when the staged tree equals HEAD's tree, no commit is made and HEAD is returned — unless HEAD
 * is still `baseSha`, which means there is nothing to deliver (NOTHING_TO_DELIVER). The repository's signing
 * configuration (`commit.gpgsign`, `gpg.format`) is honoured, never overridden; when signing fails the error
 * is SIGNING_FAILED. `identity`, when given, sets author and committer for this one command.
 */
export function commitStaged(
  worktree: GitTarget,
  message: string,
  baseSha: string,
  identity?: CommitIdentity,
): ResultAsync<CommitResult, DeliveryError> {
  return runGit(worktree, ['write-tree']).andThen((tree) =>
    runGit(worktree, ['rev-parse', 'HEAD', 'HEAD^{tree}']).andThen((head) => {
      const [headSha = '', headTree = ''] = head.stdout.trim().split('\n');
      if (tree.stdout.trim() === headTree) {
        return headSha === baseSha
          ? err(
              deliveryError('NOTHING_TO_DELIVER', 'The worktree has no change against its base branch', {
                baseSha,
              }),
            )
          : okAsync({ commitSha: headSha, created: false });
      }
      const env: Record<string, string> =
        identity === undefined
          ? {}
          : {
              GIT_AUTHOR_NAME: identity.name,
              GIT_AUTHOR_EMAIL: identity.email,
              GIT_COMMITTER_NAME: identity.name,
              GIT_COMMITTER_EMAIL: identity.email,
            };
      return checkSigningPossible(worktree)
        .andThen(() =>
          runGit(worktree, ['commit', '--quiet', '--file=-', '--cleanup=strip'], {
            input: message,
            env,
          }).mapErr((e) => {
            const stderr = String(e.details?.stderrTail ?? '');
            if (SIGNING_FAILURE.test(stderr)) {
              const said = stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
              return deliveryError(
                'SIGNING_FAILED',
                `The repository requires signed commits (commit.gpgsign) but signing failed (${said}); configure a signing key for the daemon or disable signing for this repository`,
                { stderrTail: stderr },
              );
            }
            return deliveryError('COMMIT_FAILED', `git commit failed: ${stderr.trim().slice(-300)}`, {
              stderrTail: stderr,
            });
          }),
        )
        .andThen(() => runGit(worktree, ['rev-parse', 'HEAD']))
        .andThen((o) => ok({ commitSha: o.stdout.trim(), created: true }));
    }),
  );
}
