/**
 * Creating a session's worktree (DESIGN §8): under the per-repo lock, reuse the session's directory when
 * it is still git's worktree on the session's branch, else `git worktree add` from a freshly fetched base
 * (or check the session's existing branch out again), and write the manager's metadata beside git's.
 */
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  err,
  errAsync,
  ok,
  okAsync,
  ResultAsync,
  type WorktreeGitRef,
  worktreeGitRef,
} from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from '../errors.js';
import { checkWorktree, runGit } from '../git.js';
import { withRepoLock } from '../locks.js';
import { readWorktreeGitDir, repoPathOfCommonDir, WORKTRAIN_META_FILE } from '../worktree-info.js';
import type { BaseFetcher } from './base-fetch.js';
import { type ManagerContext, pathExists, realCommonDir, validateSessionId } from './context.js';
import type { RepoLookups } from './repo-lookups.js';
import { releaseStaleIndexLock } from './repo-state.js';
import type { CreateWorktreeInput, Worktree } from './types.js';

/** What {@link createWorktree} uses besides its input. */
export interface CreateWorktreeDeps {
  readonly ctx: ManagerContext;
  readonly lookups: RepoLookups;
  readonly fetcher: BaseFetcher;
}

/**
 * See `WorkspaceManager.createWorktree`. Errors: INVALID_SESSION_ID, NOT_A_REPOSITORY, LOCKED,
 * WORKTREE_CONFLICT, WORKTREE_TAMPERED, BASE_BRANCH_NOT_FOUND, GIT_FAILED, IO_FAILED.
 */
export function createWorktree(
  deps: CreateWorktreeDeps,
  input: CreateWorktreeInput,
): ResultAsync<Worktree, WorkspaceError> {
  const { ctx, lookups } = deps;
  return validateSessionId(input.sessionId)
    .asyncAndThen(() => lookups.repoCommonDirOf(input.repoPath))
    .andThen((commonDir) =>
      withRepoLock(commonDir, ctx.lockOptions, () => {
        const path = ctx.pathFor(input.sessionId);
        const branch = ctx.branchFor(input.sessionId);
        return ResultAsync.fromPromise(mkdir(ctx.worktreesDir, { recursive: true }), (e) =>
          workspaceError('IO_FAILED', `Cannot create ${ctx.worktreesDir}`, { cause: String(e) }),
        )
          .andThen(() => pathExists(path))
          .andThen((present) =>
            present
              ? reuseExisting(ctx, path, commonDir, input, branch)
              : addWorktree(deps, commonDir, input, path, branch),
          );
      }),
    )
    .map((worktree) => {
      ctx.logger.info(
        { sessionId: worktree.sessionId, path: worktree.path, outcome: worktree.outcome },
        'worktree ready',
      );
      return worktree;
    });
}

/**
 * A session directory that is already there (the agent may have run in it): its ref is derived from the
 * repository (`<common>/worktrees/<session-id>`), and its `.git` must still be git's link to that admin
 * folder. No `.git` at all: a plain directory occupies the path (WORKTREE_CONFLICT); any other `.git`:
 * WORKTREE_TAMPERED.
 */
function reuseExisting(
  ctx: ManagerContext,
  path: string,
  commonDir: string,
  input: CreateWorktreeInput,
  branch: string,
): ResultAsync<Worktree, WorkspaceError> {
  return ResultAsync.fromSafePromise(
    lstat(join(path, '.git')).then(
      () => true,
      () => false,
    ),
  )
    .andThen((linked) =>
      linked
        ? realCommonDir(commonDir).map((common) => worktreeGitRef(path, common))
        : err(
            workspaceError('WORKTREE_CONFLICT', `${path} exists but is not a worktree of ${input.repoPath}`, {
              path,
            }),
          ),
    )
    .andThen((ref) => checkWorktree(ref).map(() => ref))
    .andThen((ref) => reuseChecked(ctx, ref, commonDir, input, branch));
}

/** The checked worktree must be on the session's branch (WORKTREE_CONFLICT); a stale index lock goes. */
function reuseChecked(
  ctx: ManagerContext,
  ref: WorktreeGitRef,
  commonDir: string,
  input: CreateWorktreeInput,
  branch: string,
): ResultAsync<Worktree, WorkspaceError> {
  return runGit(ref, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] })
    .andThen((o) => {
      const current = o.stdout.trim();
      return current === branch
        ? ok(undefined)
        : err(
            workspaceError(
              'WORKTREE_CONFLICT',
              `${ref.worktree} is on ${current || 'a detached HEAD'}, expected ${branch}`,
              { path: ref.worktree, branch: current },
            ),
          );
    })
    .andThen(() => releaseStaleIndexLock(ctx, ref))
    .andThen(() => runGit(ref, ['rev-parse', 'HEAD']).map((o) => o.stdout.trim()))
    .map(
      (head): Worktree => ({
        sessionId: input.sessionId,
        path: ref.worktree,
        branch,
        repoPath: repoPathOfCommonDir(commonDir),
        baseBranch: null,
        head,
        outcome: 'reused',
        git: ref,
      }),
    );
}

/**
 * `git worktree add` for a new session. The base comes from a fresh fetch (a prefetch started at or after
 * `fetchedSince` is reused, with the commit it fetched); the new worktree starts at that exact commit, so
 * its HEAD is known without asking git again, and its git dir comes from its `.git` file. A new session
 * has no branch yet, so `worktree add -b` runs first; only when it fails is the session's branch looked
 * up (it exists: the branch is checked out again, `reattached`) and a stale registration pruned.
 */
function addWorktree(
  deps: CreateWorktreeDeps,
  commonDir: string,
  input: CreateWorktreeInput,
  path: string,
  branch: string,
): ResultAsync<Worktree, WorkspaceError> {
  const repo = input.repoPath;
  return (
    (input.baseBranch === undefined ? deps.lookups.defaultBranch(repo) : okAsync(input.baseBranch))
      .andThen((base) =>
        deps.fetcher.freshFetch(repo, base, input.fetchedSince).map((baseHead) => ({ base, baseHead })),
      )
      // A fix round starts from the change's pushed branch (always freshly fetched); absent there, the base.
      .andThen(({ base, baseHead }) =>
        input.startFrom === undefined
          ? okAsync({ base, baseHead })
          : deps.fetcher
              .freshFetch(repo, input.startFrom, undefined)
              .map((head) => ({ base, baseHead: head }))
              .orElse((e) =>
                e.code === 'BASE_BRANCH_NOT_FOUND' ? okAsync({ base, baseHead }) : errAsync(e),
              ),
      )
      .andThen(({ base, baseHead }) => {
        const addNew = ['worktree', 'add', '--no-track', '-b', branch, path, baseHead];
        return runGit(repo, addNew)
          .map(() => ({ base, head: baseHead, reattached: false }))
          .orElse(() =>
            runGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
              okExitCodes: [1],
            }).andThen((verified) => {
              const branchExists = verified.exitCode === 0;
              const args = branchExists ? ['worktree', 'add', path, branch] : addNew;
              const head = branchExists ? verified.stdout.trim() : baseHead;
              return runGit(repo, args)
                .orElse(() => runGit(repo, ['worktree', 'prune']).andThen(() => runGit(repo, args)))
                .map(() => ({ base, head, reattached: branchExists }));
            }),
          );
      })
      .andThen(({ base, head, reattached }) =>
        freshRef(path, commonDir)
          .andThen((ref) =>
            ResultAsync.fromPromise(
              writeFile(
                join(ref.gitDir, WORKTRAIN_META_FILE),
                JSON.stringify({
                  sessionId: input.sessionId,
                  createdAt: deps.ctx.clock.now(),
                  baseBranch: base,
                }),
              ),
              (e) => workspaceError('IO_FAILED', 'Cannot write worktree metadata', { cause: String(e) }),
            ).map(() => ref),
          )
          .map(
            (ref): Worktree => ({
              sessionId: input.sessionId,
              path,
              branch,
              repoPath: repoPathOfCommonDir(commonDir),
              baseBranch: base,
              head,
              outcome: reattached ? 'reattached' : 'created',
              git: ref,
            }),
          ),
      )
  );
}

/**
 * The ref of a worktree `git worktree add` has just made (nothing else has run in it yet): its admin
 * folder's name is read from the fresh `.git` file when that names a folder under `<common>/worktrees/`
 * (git picks another name when the path's basename is taken), else the basename is assumed.
 */
function freshRef(path: string, commonDir: string): ResultAsync<WorktreeGitRef, WorkspaceError> {
  return realCommonDir(commonDir).andThen((common) =>
    ResultAsync.fromSafePromise(readWorktreeGitDir(path).catch(() => null)).map((gitDir) =>
      gitDir !== null && dirname(gitDir) === join(common, 'worktrees')
        ? worktreeGitRef(path, common, basename(gitDir))
        : worktreeGitRef(path, common),
    ),
  );
}
