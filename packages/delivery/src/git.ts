import {
  type GitError,
  type GitOutput,
  type GitTarget,
  type RunGitOptions as HardenedRunGitOptions,
  runGit as hardenedRunGit,
  type ResultAsync,
} from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';

export type { GitOutput } from '@worktrain/contracts';

/** Options of {@link runGit} (contracts' runner; delivery always spawns git directly). */
export type RunGitOptions = Omit<HardenedRunGitOptions, 'spawn'>;

/** Contracts' git error in delivery's union (NOT_A_REPOSITORY stays GIT_FAILED here, as it always was). */
function toDeliveryError(e: GitError): DeliveryError {
  if (e.code === 'WORKTREE_TAMPERED')
    return deliveryError(
      'WORKTREE_TAMPERED',
      `The worktree ${String(e.details?.path)} was tampered with (${String(e.details?.found)}); no git command was run and the delivery was refused`,
      { ...e.details },
    );
  return deliveryError(e.code === 'NOT_A_REPOSITORY' ? 'GIT_FAILED' : e.code, e.message, { ...e.details });
}

/**
 * Delivery's git: the one hardened runner of `@worktrain/contracts` (`runGit`: a session worktree by its
 * trusted ref, checked before every call and pinned with `GIT_DIR`/`GIT_WORK_TREE`/`GIT_COMMON_DIR`; or a
 * trusted repository path; always without hooks, fsmonitor or git inside submodules). Errors:
 * WORKTREE_TAMPERED (nothing run; the delivery is refused), WORKTREE_MISSING, INDEX_LOCKED, GIT_FAILED
 * (args, exit code, stderr tail). Secrets go in `env` (see {@link authEnv}), never in `args`.
 */
export function runGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions = {},
): ResultAsync<GitOutput, DeliveryError> {
  return hardenedRunGit(target, args, options).mapErr(toDeliveryError);
}

/** `https://host:port/` of an HTTP(S) remote URL followed by `.`, so the header goes to that host only
 *  (git-config(1) `http.<url>.*`); empty (all URLs) for anything else. */
function scopeOf(remoteUrl: string | undefined): string {
  if (remoteUrl === undefined || !/^https?:\/\//i.test(remoteUrl)) return '';
  try {
    const url = new URL(remoteUrl);
    return `${url.protocol}//${url.host}/.`;
  } catch {
    return '';
  }
}

/**
 * Environment that authenticates one git command over HTTPS with a forge token, without writing it to any
 * config file or argv: git reads `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` as extra
 * command-scoped config (git-config(1), "ENVIRONMENT", git ≥ 2.31), and `http.extraheader` adds the
 * header to every request to the remote's host (scoped with `http.<scheme>://<host>/.extraheader`). Same header as actions/checkout (`src/git-auth-helper.ts`):
 * `AUTHORIZATION: basic base64("x-access-token:<token>")`.
 */
export function authEnv(
  token: string | undefined,
  remoteUrl?: string,
  username = 'x-access-token',
): Record<string, string> {
  if (token === undefined || token === '') return {};
  const basic = Buffer.from(`${username}:${token}`, 'utf8').toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${scopeOf(remoteUrl)}extraheader`,
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
  };
}
