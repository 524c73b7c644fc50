import {
  checkWorktreeLink,
  errAsync,
  type GitTarget,
  gitInvocation,
  gitTargetPath,
  okAsync,
  ResultAsync,
  type WorktreeGitRef,
} from '@worktrain/contracts';
import { execa } from 'execa';
import { type DeliveryError, deliveryError } from './errors.js';

export interface GitOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunGitOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Written to git's stdin (commit messages, batch input). */
  readonly input?: string;
  readonly okExitCodes?: readonly number[];
  /** Default 120 000 ms. */
  readonly timeoutMs?: number;
}

const BASE_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  LC_ALL: 'C',
  LANG: 'C',
};

const tail = (text: string, n = 2000) => (text.length <= n ? text : text.slice(text.length - n));

/**
 * Before a git command on a session worktree: WORKTREE_TAMPERED when its `.git` is no longer the file `git
 * worktree add` wrote (see `checkWorktreeLink` of `@worktrain/contracts`), WORKTREE_MISSING when it is gone.
 */
export function checkWorktree(ref: WorktreeGitRef): ResultAsync<void, DeliveryError> {
  return ResultAsync.fromSafePromise(checkWorktreeLink(ref)).andThen((state) => {
    if (state.status === 'intact') return okAsync(undefined);
    if (state.status === 'missing')
      return errAsync(
        deliveryError('WORKTREE_MISSING', `Worktree does not exist: ${ref.worktree}`, { path: ref.worktree }),
      );
    return errAsync(
      deliveryError(
        'WORKTREE_TAMPERED',
        `The worktree ${ref.worktree} was tampered with (${state.found}); no git command was run and the delivery was refused`,
        { path: ref.worktree, found: state.found, expectedGitDir: ref.gitDir },
      ),
    );
  });
}

/**
 * Runs `git <args>` (no shell) in `target`: a session worktree by its trusted ref (checked with
 * {@link checkWorktree} before every call, then run with `GIT_DIR`/`GIT_WORK_TREE`/`GIT_COMMON_DIR` pinned),
 * or a repository path (unpinned: only for repositories the daemon trusts, such as the source repository);
 * either way with the hardening config of `gitInvocation` (no hooks, no fsmonitor, no status inside
 * submodules). Non-zero exit → GIT_FAILED with args, exit code and stderr tail; a missing directory →
 * WORKTREE_MISSING; a tampered worktree → WORKTREE_TAMPERED (nothing run). Secrets must never be passed in
 * `args` (they would show in errors and in `ps`): pass them through `env` (see `authEnv`), which is never
 * copied into errors.
 */
export function runGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions = {},
): ResultAsync<GitOutput, DeliveryError> {
  if (typeof target !== 'string') return checkWorktree(target).andThen(() => execGit(target, args, options));
  return execGit(target, args, options);
}

function execGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions,
): ResultAsync<GitOutput, DeliveryError> {
  const cwd = gitTargetPath(target);
  const invocation = gitInvocation(target, args);
  return ResultAsync.fromPromise(
    execa('git', invocation.args, {
      reject: false,
      stripFinalNewline: false,
      timeout: options.timeoutMs ?? 120_000,
      env: { ...BASE_ENV, ...options.env, ...invocation.env },
      ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    }),
    (thrown) =>
      deliveryError('GIT_FAILED', `git ${args[0] ?? ''} could not be started`, { cause: String(thrown) }),
  ).andThen((result) => {
    const stdout = typeof result.stdout === 'string' ? result.stdout : '';
    const stderr = typeof result.stderr === 'string' ? result.stderr : '';
    const exitCode = result.exitCode ?? -1;
    if (exitCode === 0 || options.okExitCodes?.includes(exitCode))
      return okAsync({ stdout, stderr, exitCode });
    if (/cannot change to '.*': No such file or directory/.test(stderr)) {
      return errAsync(deliveryError('WORKTREE_MISSING', `Worktree does not exist: ${cwd}`, { path: cwd }));
    }
    if (/index\.lock'?: File exists/i.test(stderr)) {
      return errAsync(
        deliveryError(
          'INDEX_LOCKED',
          `git's index.lock exists in ${cwd}; another git process runs there or died`,
          {
            path: cwd,
          },
        ),
      );
    }
    const what = result.timedOut ? 'timed out' : `exited with ${exitCode}`;
    return errAsync(
      deliveryError('GIT_FAILED', `git ${args.join(' ')} ${what}: ${tail(stderr, 300).trim()}`, {
        args: [...args],
        exitCode,
        stderrTail: tail(stderr),
      }),
    );
  });
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
