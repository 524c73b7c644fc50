/**
 * Fresh base branches: fetching `origin/<base>` for new worktrees, coalesced per (repository, branch) so
 * a burst of tasks costs one fetch per interval, with the prefetch a task starts when it is enqueued and
 * the `freshBase` lookup that reports the commit a worktree would start from.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { okAsync, type Result, ResultAsync } from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from '../errors.js';
import { runGit } from '../git.js';
import type { ManagerContext } from './context.js';
import type { RepoLookups } from './repo-lookups.js';
import type { FreshBase, FreshBaseInput, PrefetchBaseInput } from './types.js';

/**
 * How old a fetch of a base branch (ms since it started) `WorkspaceManager.prefetchBase` still reuses
 * instead of starting another.
 */
export const PREFETCH_REUSE_MS = 2_000;

export interface BaseFetcher {
  /**
   * The commit of `origin/<base>` after a fetch that started at or after `since` (ms epoch; undefined:
   * a fetch that starts now or after the running one). Errors: BASE_BRANCH_NOT_FOUND, GIT_FAILED.
   */
  freshFetch(repo: string, base: string, since: number | undefined): ResultAsync<string, WorkspaceError>;
  /** See `WorkspaceManager.prefetchBase`: never fails. */
  prefetchBase(input: PrefetchBaseInput): Promise<void>;
  /** See `WorkspaceManager.freshBase`. */
  freshBase(input: FreshBaseInput): ResultAsync<FreshBase, WorkspaceError>;
}

interface FetchEntry {
  running: { at: number; done: Promise<Result<string, WorkspaceError>> } | null;
  next: { done: Promise<Result<string, WorkspaceError>> } | null;
  lastOk: { at: number; head: string } | null;
}

/** The base fetcher of one manager (its coalescing state lives as long as it does). */
export function createBaseFetcher(ctx: ManagerContext, lookups: RepoLookups): BaseFetcher {
  const { clock, logger } = ctx;
  /**
   * Fetches of one (repository, base branch), coalesced: a caller that accepts a fetch started at or after
   * `since` joins the running or last successful one when it is recent enough; otherwise it joins the one
   * queued behind the running fetch (it starts when that ends, so it is fresh for everyone waiting). Each
   * fetch resolves with the commit it left `origin/<base>` at (read right after it, before the next fetch
   * of that branch can start), so a worktree made from a prefetch needs no git process to learn its base.
   */
  const fetches = new Map<string, FetchEntry>();
  const freshFetch = (
    repo: string,
    base: string,
    since: number | undefined,
  ): ResultAsync<string, WorkspaceError> => {
    const key = `${repo}\u0000${base}`;
    let entry = fetches.get(key);
    if (entry === undefined) {
      entry = { running: null, next: null, lastOk: null };
      fetches.set(key, entry);
    }
    const e = entry;
    const start = (): Promise<Result<string, WorkspaceError>> => {
      const at = clock.now();
      const done: Promise<Result<string, WorkspaceError>> = Promise.resolve(
        fetchBase(repo, base).andThen(() => remoteBranchCommit(lookups, repo, base)),
      ).then((r) => {
        if (r.isOk() && (e.lastOk === null || at >= e.lastOk.at)) e.lastOk = { at, head: r.value };
        if (e.running?.done === done) e.running = null;
        return r;
      });
      e.running = { at, done };
      return done;
    };
    if (since !== undefined) {
      if (e.lastOk !== null && e.lastOk.at >= since) return okAsync(e.lastOk.head);
      if (e.running !== null && e.running.at >= since) return new ResultAsync(e.running.done);
    }
    if (e.running === null) return new ResultAsync(start());
    if (e.next === null) {
      const after = e.running.done;
      const next = { done: after.then(() => start()) };
      e.next = next;
      void next.done.then(() => {
        if (e.next === next) e.next = null;
      });
    }
    return new ResultAsync(e.next.done);
  };

  const baseOf = (input: PrefetchBaseInput) =>
    input.baseBranch === undefined ? lookups.defaultBranch(input.repoPath) : okAsync(input.baseBranch);

  const prefetchBase = async (input: PrefetchBaseInput): Promise<void> => {
    // A fetch started up to PREFETCH_REUSE_MS before the request is good enough for a prefetch: a burst of
    // tasks on one repository (1 000 webhooks/s) costs one fetch per interval, not one after another for
    // the whole burst. A session needing a newer base still fetches itself (fetchedSince is its enqueue time).
    const requestedAt = clock.now() - PREFETCH_REUSE_MS;
    // Spawning git forks this process and blocks its event loop for a while (10-30 ms for a daemon of a
    // few hundred MB): start after the caller's turn (e.g. a webhook's 202 is sent first). A fetch that
    // another caller started meanwhile, at or after the request, is joined instead of queueing another.
    await new Promise<void>((done) => setImmediate(done));
    await lookups
      .repoCommonDirOf(input.repoPath)
      .andThen(() => baseOf(input))
      .andThen((base) => freshFetch(input.repoPath, base, requestedAt).map(() => undefined))
      .orElse((e) => {
        logger.debug({ repoPath: input.repoPath, code: e.code }, `prefetch failed: ${e.message}`);
        return okAsync(undefined);
      });
  };

  const freshBase = (input: FreshBaseInput): ResultAsync<FreshBase, WorkspaceError> =>
    lookups
      .repoCommonDirOf(input.repoPath)
      .andThen(() => baseOf(input))
      .andThen((baseBranch) =>
        freshFetch(input.repoPath, baseBranch, input.fetchedSince).map((commit) => ({ baseBranch, commit })),
      );

  return { freshFetch, prefetchBase, freshBase };
}

/** `git fetch` of one branch into `refs/remotes/origin/<base>`; a branch origin lacks is BASE_BRANCH_NOT_FOUND. */
function fetchBase(repo: string, base: string): ResultAsync<unknown, WorkspaceError> {
  return runGit(repo, [
    'fetch',
    '--no-tags',
    'origin',
    `+refs/heads/${base}:refs/remotes/origin/${base}`,
  ]).mapErr((e) =>
    e.code === 'GIT_FAILED' && /couldn't find remote ref|invalid refspec/i.test(String(e.details?.stderrTail))
      ? workspaceError('BASE_BRANCH_NOT_FOUND', `Branch ${base} does not exist on origin`, {
          baseBranch: base,
        })
      : e,
  );
}

/**
 * The commit of `origin/<base>`: from its loose ref file, which a fetch that moved it has just written
 * (the file git itself reads first), else (packed, reftable, a symbolic ref) from `git rev-parse`.
 */
function remoteBranchCommit(
  lookups: RepoLookups,
  repo: string,
  base: string,
): ResultAsync<string, WorkspaceError> {
  return lookups
    .repoCommonDirOf(repo)
    .andThen((commonDir) =>
      ResultAsync.fromSafePromise(
        readFile(join(commonDir, 'refs', 'remotes', 'origin', ...base.split('/')), 'utf8').catch(() => ''),
      ),
    )
    .andThen((text) => {
      const sha = text.trim();
      if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) return okAsync(sha);
      return runGit(repo, ['rev-parse', '--verify', `refs/remotes/origin/${base}^{commit}`]).map((o) =>
        o.stdout.trim(),
      );
    });
}
