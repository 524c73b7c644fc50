import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, readlink, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Clock, err, type Logger, ok, type Result, ResultAsync } from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from './errors.js';

/** Options of the per-repo lock. Times in milliseconds. */
export interface RepoLockOptions {
  /** Directory holding the lock files (created when missing). */
  readonly locksDir: string;
  readonly clock: Clock;
  /** Give up with LOCKED after waiting this long (default 60 000). */
  readonly timeoutMs?: number;
  /** A lock file older than this is taken over even if its holder looks alive (default 600 000). */
  readonly staleMs?: number;
  /** Poll interval while waiting (default 50). */
  readonly pollMs?: number;
}

const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (thrown) {
    return (thrown as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs `work` while holding an exclusive lock on `key` (a repository path): an in-process queue (so
 * concurrent sessions of one daemon take turns without polling) plus a lock file
 * `<locksDir>/<sha256(key)>.lock` created with O_EXCL (so two daemons on one machine do not race git
 * either). A lock file whose holder pid is dead on this host, or that is older than `staleMs`, is taken
 * over. Waiting longer than `timeoutMs` gives LOCKED.
 */
export function withRepoLock<T>(
  key: string,
  options: RepoLockOptions,
  work: () => ResultAsync<T, WorkspaceError>,
): ResultAsync<T, WorkspaceError> {
  const file = join(
    options.locksDir,
    `${createHash('sha256').update(resolve(key)).digest('hex').slice(0, 32)}.lock`,
  );
  const previous = inProcess.get(file) ?? Promise.resolve();
  const run = previous.then(
    () => runLocked(file, key, options, work),
    () => runLocked(file, key, options, work),
  );
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  inProcess.set(file, settled);
  void settled.then(() => {
    if (inProcess.get(file) === settled) inProcess.delete(file);
  });
  return new ResultAsync(run);
}

async function runLocked<T>(
  file: string,
  key: string,
  options: RepoLockOptions,
  work: () => ResultAsync<T, WorkspaceError>,
): Promise<Result<T, WorkspaceError>> {
  const acquired = await acquire(file, key, options);
  if (acquired.isErr()) return err(acquired.error);
  try {
    return await work();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}

async function acquire(
  file: string,
  key: string,
  options: RepoLockOptions,
): Promise<Result<void, WorkspaceError>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 600_000;
  const pollMs = options.pollMs ?? 50;
  const started = Date.now();
  try {
    await mkdir(options.locksDir, { recursive: true });
  } catch (thrown) {
    return err(workspaceError('IO_FAILED', `Cannot create ${options.locksDir}`, { cause: String(thrown) }));
  }
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(
        JSON.stringify({ pid: process.pid, host: hostname(), at: options.clock.now(), key }),
      );
      await handle.close();
      return ok(undefined);
    } catch (thrown) {
      if ((thrown as NodeJS.ErrnoException).code !== 'EEXIST') {
        return err(workspaceError('IO_FAILED', `Cannot create lock ${file}`, { cause: String(thrown) }));
      }
    }
    const holder = await readHolder(file);
    const stale =
      holder === null ||
      (holder.host === hostname() && !processAlive(holder.pid)) ||
      options.clock.now() - holder.at > staleMs;
    if (stale) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() - started >= timeoutMs) {
      return err(
        workspaceError('LOCKED', `Repository ${key} is locked by pid ${holder.pid} on ${holder.host}`, {
          lockFile: file,
          holderPid: holder.pid,
        }),
      );
    }
    await delay(pollMs);
  }
}

async function readHolder(file: string): Promise<{ pid: number; host: string; at: number } | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pid, host, at } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof at !== 'number') return null;
    return { pid, host, at };
  } catch {
    // Unreadable or half-written (the holder crashed between create and write): treat as stale only if the
    // file is old enough that a live writer would have finished.
    const info = await stat(file).catch(() => null);
    if (info === null) return null;
    return Date.now() - info.mtimeMs > 5_000 ? null : { pid: process.pid, host: hostname(), at: Date.now() };
  }
}

/** Options of {@link clearStaleIndexLock}. Times in milliseconds. */
export interface IndexLockOptions {
  readonly clock: Clock;
  /** An `index.lock` no process holds is removed once older than this (default 10 000). */
  readonly staleMs?: number;
  /** Wait at most this long for a held or young lock to go away (default 30 000). */
  readonly waitMs?: number;
  readonly pollMs?: number;
  /** Told once when we start waiting for a lock (info) and when a stale one is removed (warn). */
  readonly logger?: Logger;
}

/** What {@link clearStaleIndexLock} found: no lock, a lock that went away, or a stale lock it removed. */
export type IndexLockOutcome = 'absent' | 'released' | 'removed_stale';

/**
 * Handles git's `<gitDir>/index.lock` before a git operation. Git leaves this file behind when it is killed
 * mid-write, after which every later command fails with "Unable to create index.lock: File exists". The
 * lock is removed only when no process holds it (on Linux: no open file descriptor on it in `/proc/<pid>/fd`
 * and no running `git` process whose working directory is inside `workTree`) and it is older than
 * `staleMs`; otherwise we wait for it up to `waitMs`, then fail with LOCKED.
 */
export function clearStaleIndexLock(
  gitDir: string,
  workTree: string,
  options: IndexLockOptions,
): ResultAsync<IndexLockOutcome, WorkspaceError> {
  return new ResultAsync(waitForIndexLock(gitDir, workTree, options));
}

async function waitForIndexLock(
  gitDir: string,
  workTree: string,
  options: IndexLockOptions,
): Promise<Result<IndexLockOutcome, WorkspaceError>> {
  const lock = join(gitDir, 'index.lock');
  const staleMs = options.staleMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;
  const started = Date.now();
  let seen = false;
  let waiting = false;
  for (;;) {
    const info = await stat(lock).catch(() => null);
    if (info === null) return ok(seen ? 'released' : 'absent');
    seen = true;
    const old = options.clock.now() - info.mtimeMs >= staleMs;
    if (old && !(await lockHeld(lock, workTree))) {
      await unlink(lock).catch(() => undefined);
      options.logger?.warn({ lockFile: lock }, 'removed a stale git index.lock');
      return ok('removed_stale');
    }
    if (!waiting) options.logger?.info({ lockFile: lock }, 'waiting for git index.lock');
    waiting = true;
    if (Date.now() - started >= waitMs) {
      return err(
        workspaceError('LOCKED', `${lock} is held by a running git process or is too recent to remove`, {
          lockFile: lock,
        }),
      );
    }
    await delay(options.pollMs ?? 100);
  }
}

/** Best effort: is some process holding `lock` open, or is git running inside `workTree`? */
async function lockHeld(lock: string, workTree: string): Promise<boolean> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return false; // no procfs (macOS): age alone decides
  }
  const root = resolve(workTree);
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === 'git') {
      const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
      if (cwd === root || cwd.startsWith(`${root}/`)) return true;
    }
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === lock) return true;
    }
  }
  return false;
}
