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
import { type WorkspaceError, workspaceError } from './errors.js';
import { gitSpawnHelperEnabled, spawnViaHelper } from './spawner.js';

/** Characters of stderr kept in GIT_FAILED details. */
export const STDERR_TAIL_CHARS = 2000;

export interface GitOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunGitOptions {
  /** Kill git after this many milliseconds (default 120 000). */
  readonly timeoutMs?: number;
  /** Extra environment for this one command (merged over a neutral git environment). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that count as success besides 0 (e.g. `git diff --quiet` uses 1). */
  readonly okExitCodes?: readonly number[];
}

/** Keeps git non-interactive and its messages in English so stderr can be matched. */
const BASE_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  LC_ALL: 'C',
  LANG: 'C',
};

/** Last `n` characters of a text, for error details. */
export function tail(text: string, n = STDERR_TAIL_CHARS): string {
  return text.length <= n ? text : text.slice(text.length - n);
}

/**
 * Before a git command on a session worktree: WORKTREE_TAMPERED when its `.git` is no longer the file `git
 * worktree add` wrote (see `checkWorktreeLink`), WORKTREE_MISSING when the directory is gone.
 */
export function checkWorktree(ref: WorktreeGitRef): ResultAsync<void, WorkspaceError> {
  return ResultAsync.fromSafePromise(checkWorktreeLink(ref)).andThen((state) => {
    if (state.status === 'intact') return okAsync(undefined);
    if (state.status === 'missing')
      return errAsync(
        workspaceError('WORKTREE_MISSING', `Directory does not exist: ${ref.worktree}`, {
          path: ref.worktree,
        }),
      );
    return errAsync(
      workspaceError(
        'WORKTREE_TAMPERED',
        `Refused to run git in ${ref.worktree}: ${state.found}; the worktree was tampered with, so nothing was run`,
        { path: ref.worktree, found: state.found, expectedGitDir: ref.gitDir },
      ),
    );
  });
}

/**
 * Runs `git <args>` without a shell in `target`: a trusted repository path, or a session worktree by its
 * trusted ref (checked with {@link checkWorktree} first, then run with `GIT_DIR`/`GIT_WORK_TREE`/
 * `GIT_COMMON_DIR` pinned); either way with `HARDENED_GIT_CONFIG` (no hooks, no fsmonitor; see
 * `gitInvocation` of `@worktrain/contracts`). Resolves ok with stdout/stderr when git exits 0 (or with one
 * of `okExitCodes`); otherwise GIT_FAILED with the args, exit code and stderr tail. A missing directory gives
 * WORKTREE_MISSING; a tampered worktree WORKTREE_TAMPERED (nothing is run).
 */
export function runGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions = {},
): ResultAsync<GitOutput, WorkspaceError> {
  if (typeof target !== 'string') return checkWorktree(target).andThen(() => execGit(target, args, options));
  return execGit(target, args, options);
}

function execGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions,
): ResultAsync<GitOutput, WorkspaceError> {
  const cwd = gitTargetPath(target);
  const invocation = gitInvocation(target, args);
  const env = { ...BASE_ENV, ...options.env, ...invocation.env };
  const timeoutMs = options.timeoutMs ?? 120_000;
  const direct = () =>
    execa('git', invocation.args, {
      reject: false,
      stripFinalNewline: false,
      timeout: timeoutMs,
      env,
      stdin: 'ignore',
    });
  // Through the small spawn helper once enabled (a fork of a big process blocks its event loop in
  // proportion to its memory); directly when it is off or cannot be used.
  const run = gitSpawnHelperEnabled()
    ? spawnViaHelper({ file: 'git', args: invocation.args, env, timeoutMs }).catch(() => direct())
    : direct();
  return ResultAsync.fromPromise(run, (thrown) =>
    workspaceError('GIT_FAILED', `git ${args[0] ?? ''} could not be started`, { cause: String(thrown) }),
  ).andThen((result) => {
    const stdout = typeof result.stdout === 'string' ? result.stdout : '';
    const stderr = typeof result.stderr === 'string' ? result.stderr : '';
    const exitCode = result.exitCode ?? -1;
    if (exitCode === 0 || options.okExitCodes?.includes(exitCode))
      return okAsync({ stdout, stderr, exitCode });
    if (/cannot change to '.*': No such file or directory/.test(stderr)) {
      return errAsync(workspaceError('WORKTREE_MISSING', `Directory does not exist: ${cwd}`, { path: cwd }));
    }
    if (/not a git repository/i.test(stderr)) {
      return errAsync(workspaceError('NOT_A_REPOSITORY', `Not a git repository: ${cwd}`, { path: cwd }));
    }
    const what = result.timedOut ? 'timed out' : `exited with ${exitCode}`;
    return errAsync(
      workspaceError('GIT_FAILED', `git ${args.join(' ')} ${what}: ${tail(stderr, 300).trim()}`, {
        args: [...args],
        exitCode,
        stderrTail: tail(stderr),
      }),
    );
  });
}
