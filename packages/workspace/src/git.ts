import { errAsync, okAsync, ResultAsync } from '@worktrain/contracts';
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
 * Runs `git -C <cwd> <args>` without a shell. Resolves ok with stdout/stderr when git exits 0 (or with one
 * of `okExitCodes`); otherwise GIT_FAILED with the args, exit code and stderr tail. A missing `cwd` gives
 * WORKTREE_MISSING.
 */
export function runGit(
  cwd: string,
  args: readonly string[],
  options: RunGitOptions = {},
): ResultAsync<GitOutput, WorkspaceError> {
  const env = { ...BASE_ENV, ...options.env };
  const timeoutMs = options.timeoutMs ?? 120_000;
  const direct = () =>
    execa('git', ['-C', cwd, ...args], {
      reject: false,
      stripFinalNewline: false,
      timeout: timeoutMs,
      env,
      stdin: 'ignore',
    });
  // Through the small spawn helper once enabled (a fork of a big process blocks its event loop in
  // proportion to its memory); directly when it is off or cannot be used.
  const run = gitSpawnHelperEnabled()
    ? spawnViaHelper({ file: 'git', args: ['-C', cwd, ...args], env, timeoutMs }).catch(() => direct())
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
