import { spawn } from 'node:child_process';
import { makeError, type WorkTrainError } from './errors.js';
import { errAsync, okAsync, ResultAsync } from './result.js';
import {
  checkWorktreeLink,
  type GitTarget,
  gitInvocation,
  gitTargetPath,
  type WorktreeGitRef,
} from './worktree-git.js';

/**
 * Error codes of the one git runner (closed union; `@worktrain/workspace` and `@worktrain/delivery` map
 * them into their own unions).
 * - GIT_FAILED: git could not be started, timed out or exited non-zero (details: args, exitCode,
 *   stderrTail — the last 2000 characters of stderr, timedOut: true when it was killed after `timeoutMs`;
 *   or cause when it could not be started).
 * - WORKTREE_MISSING: the directory does not exist (details: path).
 * - WORKTREE_TAMPERED: a session worktree's `.git` link, its admin folder's `commondir` or a
 *   `config.worktree` was tampered with (see `checkWorktreeLink`); no git command was run (details: path,
 *   found, expectedGitDir).
 * - NOT_A_REPOSITORY: the directory is not inside a git repository (details: path).
 * - INDEX_LOCKED: git's `index.lock` exists there (a git process runs there, or one died; details: path).
 */
export type GitErrorCode =
  | 'GIT_FAILED'
  | 'WORKTREE_MISSING'
  | 'WORKTREE_TAMPERED'
  | 'NOT_A_REPOSITORY'
  | 'INDEX_LOCKED';

export type GitError = WorkTrainError<GitErrorCode>;

export interface GitOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** What a spawned command ended with. */
export interface SpawnedOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** Null when the process was killed by a signal. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
}

/** One command to spawn without a shell. */
export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  /** Merged over the spawning process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Killed with SIGTERM after this many ms. */
  readonly timeoutMs: number;
  /** Written to stdin (else stdin is closed). */
  readonly input?: string;
}

/** How the runner starts a process (the daemon passes one that forks from a small helper process). */
export type SpawnCommand = (request: SpawnRequest) => Promise<SpawnedOutput>;

export interface RunGitOptions {
  /** Kill git after this many milliseconds (default 120 000). */
  readonly timeoutMs?: number;
  /** Extra environment for this one command (merged over a neutral git environment; never in errors). */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to git's stdin (commit messages, patches, batch input). */
  readonly input?: string;
  /** Exit codes that count as success besides 0 (e.g. `git diff --quiet` uses 1). */
  readonly okExitCodes?: readonly number[];
  /**
   * Ignore the system and global git config too (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`), for
   * git run on untrusted input in a scratch repository (the patch check). Default false: the daemon's own
   * commits and pushes honour the user's identity, signing and credential config.
   */
  readonly isolateConfig?: boolean;
  /** How to start git (default {@link spawnCommand}). */
  readonly spawn?: SpawnCommand;
}

/** Characters of stderr kept in GIT_FAILED details. */
export const STDERR_TAIL_CHARS = 2000;
/** Output kept per stream; more is dropped. */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;

/** Keeps git non-interactive and its messages in English so stderr can be matched. */
const BASE_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  LC_ALL: 'C',
  LANG: 'C',
};

const ISOLATED_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

const tail = (text: string, n = STDERR_TAIL_CHARS) => (text.length <= n ? text : text.slice(text.length - n));

/**
 * Spawns `file args` without a shell and collects its output (at most 100 MiB per stream). Never
 * rejects for a non-zero exit; rejects when the command cannot be started.
 */
export function spawnCommand(request: SpawnRequest): Promise<SpawnedOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(request.file, [...request.args], {
      env: { ...process.env, ...request.env },
      stdio: [request.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, request.timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      if (outBytes < MAX_OUTPUT_BYTES) out.push(d);
      outBytes += d.length;
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (errBytes < MAX_OUTPUT_BYTES) err.push(d);
      errBytes += d.length;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code,
        timedOut,
      });
    });
    if (request.input !== undefined && child.stdin !== null) {
      // git may exit before reading all of stdin (EPIPE): its exit code tells what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(request.input);
    }
  });
}

/**
 * Before a git command on a session worktree: WORKTREE_TAMPERED when its `.git` is no longer the file `git
 * worktree add` wrote (see {@link checkWorktreeLink}), WORKTREE_MISSING when the directory is gone.
 */
export function checkWorktree(ref: WorktreeGitRef): ResultAsync<void, GitError> {
  return ResultAsync.fromSafePromise(checkWorktreeLink(ref)).andThen((state) => {
    if (state.status === 'intact') return okAsync(undefined);
    if (state.status === 'missing')
      return errAsync(
        makeError<GitErrorCode>('WORKTREE_MISSING', `Directory does not exist: ${ref.worktree}`, {
          path: ref.worktree,
        }),
      );
    return errAsync(
      makeError<GitErrorCode>(
        'WORKTREE_TAMPERED',
        `Refused to run git in ${ref.worktree}: ${state.found}; the worktree was tampered with, so nothing was run`,
        { path: ref.worktree, found: state.found, expectedGitDir: ref.gitDir },
      ),
    );
  });
}

/**
 * The one git runner of WorkTrain (DESIGN §7 "Sandbox": daemon-side git runs with hooks, fsmonitor and
 * filter drivers disabled). Runs `git <args>` without a shell in `target`: a session worktree by its
 * trusted ref (checked with {@link checkWorktree} before every call, then run with `GIT_DIR`/
 * `GIT_WORK_TREE`/`GIT_COMMON_DIR` pinned), or a trusted repository path; either way with
 * `HARDENED_GIT_CONFIG` on the command line (no hooks, no fsmonitor, no untracked cache, no git inside
 * submodules; see {@link gitInvocation}). Resolves with stdout/stderr when git exits 0 (or with one of
 * `okExitCodes`). Errors: WORKTREE_TAMPERED (nothing run), WORKTREE_MISSING, NOT_A_REPOSITORY,
 * INDEX_LOCKED, GIT_FAILED (args, exit code, stderr tail). Secrets must never be passed in `args` (they
 * would show in errors and in `ps`): pass them through `env`, which is never copied into errors.
 */
export function runGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions = {},
): ResultAsync<GitOutput, GitError> {
  if (typeof target !== 'string') return checkWorktree(target).andThen(() => execGit(target, args, options));
  return execGit(target, args, options);
}

function execGit(
  target: GitTarget,
  args: readonly string[],
  options: RunGitOptions,
): ResultAsync<GitOutput, GitError> {
  const cwd = gitTargetPath(target);
  const invocation = gitInvocation(target, args);
  const env = {
    ...BASE_ENV,
    ...options.env,
    ...(options.isolateConfig === true ? ISOLATED_ENV : {}),
    ...invocation.env,
  };
  const request: SpawnRequest = {
    file: 'git',
    args: invocation.args,
    env,
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  };
  return ResultAsync.fromPromise((options.spawn ?? spawnCommand)(request), (thrown) =>
    makeError<GitErrorCode>('GIT_FAILED', `git ${args[0] ?? ''} could not be started`, {
      cause: String(thrown),
    }),
  ).andThen((result) => {
    const { stdout, stderr } = result;
    const exitCode = result.exitCode ?? -1;
    if (exitCode === 0 || options.okExitCodes?.includes(exitCode))
      return okAsync({ stdout, stderr, exitCode });
    if (/cannot change to '.*': No such file or directory/.test(stderr))
      return errAsync(
        makeError<GitErrorCode>('WORKTREE_MISSING', `Directory does not exist: ${cwd}`, { path: cwd }),
      );
    // The failure's details go with the specific codes too, so a caller that folds them into GIT_FAILED
    // keeps what it had.
    const failure = {
      args: [...args],
      exitCode,
      stderrTail: tail(stderr),
      ...(result.timedOut ? { timedOut: true } : {}),
    };
    if (/not a git repository/i.test(stderr))
      return errAsync(
        makeError<GitErrorCode>('NOT_A_REPOSITORY', `Not a git repository: ${cwd}`, {
          path: cwd,
          ...failure,
        }),
      );
    if (/index\.lock'?: File exists/i.test(stderr))
      return errAsync(
        makeError<GitErrorCode>(
          'INDEX_LOCKED',
          `git's index.lock exists in ${cwd}; another git process runs there or died`,
          { path: cwd, ...failure },
        ),
      );
    const what = result.timedOut ? 'timed out' : `exited with ${exitCode}`;
    return errAsync(
      makeError<GitErrorCode>(
        'GIT_FAILED',
        `git ${args.join(' ')} ${what}: ${tail(stderr, 300).trim()}`,
        failure,
      ),
    );
  });
}
