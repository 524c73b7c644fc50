import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { errAsync, type GitTarget, gitTargetPath, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';
import { runGit } from './git.js';

/** The signing configuration git will apply to a commit in a repository (git-config(1) `commit.gpgSign`,
 *  `gpg.format`, `user.signingKey`). */
export interface SigningConfig {
  readonly required: boolean;
  /** `openpgp` (git's default), `ssh` or `x509`. */
  readonly format: string;
  readonly signingKey: string | null;
}

const get = (cwd: GitTarget, key: string) =>
  runGit(cwd, ['config', '--get', key], { okExitCodes: [1] }).map((o) =>
    o.exitCode === 0 ? o.stdout.trim() : null,
  );

/** Reads the signing configuration that applies in `worktree` (repository, global and system config). */
export function readSigningConfig(worktree: GitTarget): ResultAsync<SigningConfig, DeliveryError> {
  return runGit(worktree, ['config', '--type=bool', '--get', 'commit.gpgsign'], { okExitCodes: [1] }).andThen(
    (sign) =>
      get(worktree, 'gpg.format').andThen((format) =>
        get(worktree, 'user.signingkey').map((signingKey) => ({
          required: sign.exitCode === 0 && sign.stdout.trim() === 'true',
          format: format ?? 'openpgp',
          signingKey: signingKey === '' ? null : signingKey,
        })),
      ),
  );
}

/** `~/x` and relative paths the way git resolves `user.signingKey` for SSH (relative to the cwd). */
function keyPath(key: string, cwd: string): string {
  if (key.startsWith('~/')) return resolve(homedir(), key.slice(2));
  return isAbsolute(key) ? key : resolve(cwd, key);
}

/**
 * Checks before committing that a repository which requires signed commits (`commit.gpgSign=true`) can
 * sign them, so delivery fails with a clear SIGNING_FAILED instead of git's terse one: for
 * `gpg.format=ssh`, `user.signingKey` must be set and, unless it is a literal key (`key::…`, `ssh-…`), name
 * an existing file. OpenPGP and X.509 keys live in the user's keyring, which only git's signing attempt
 * can check (its failure is SIGNING_FAILED too, with git's message). Signing is never turned off here.
 */
export function checkSigningPossible(worktree: GitTarget): ResultAsync<SigningConfig, DeliveryError> {
  return readSigningConfig(worktree).andThen((config) => {
    if (!config.required || config.format !== 'ssh') return okAsync(config);
    const fail = (why: string) =>
      errAsync<SigningConfig, DeliveryError>(
        deliveryError(
          'SIGNING_FAILED',
          `The repository requires signed commits (commit.gpgsign=true, gpg.format=ssh) but ${why}; configure a signing key for the daemon or disable signing for this repository`,
          { format: config.format, signingKey: config.signingKey },
        ),
      );
    if (config.signingKey === null) return fail('user.signingkey is not set');
    const key = config.signingKey;
    if (key.startsWith('key::') || /^(ssh-|ecdsa-|sk-)/.test(key)) return okAsync(config);
    const path = keyPath(key, gitTargetPath(worktree));
    if (!existsSync(path)) return fail(`the signing key ${path} (user.signingkey) does not exist`);
    return okAsync(config);
  });
}
