/**
 * The workspace manager (DESIGN §8) composed from its parts in `manager/`: the cached repository lookups,
 * the fresh base fetches, worktree creation, cleanup and repository state.
 */
import { createBaseFetcher } from './manager/base-fetch.js';
import { cleanWorktrees, listWorktrees, pruneOrphans, removeWorktree } from './manager/cleanup.js';
import { managerContext } from './manager/context.js';
import { createWorktree } from './manager/create-worktree.js';
import { createRepoLookups } from './manager/repo-lookups.js';
import { gitRefFor, releaseStaleIndexLock, repoState } from './manager/repo-state.js';
import type { WorkspaceManager, WorkspaceManagerOptions } from './manager/types.js';

export { PREFETCH_REUSE_MS } from './manager/base-fetch.js';
export { validateSessionId } from './manager/context.js';
export type {
  CleanWorktreesInput,
  CleanWorktreesResult,
  CreateWorktreeInput,
  FreshBase,
  FreshBaseInput,
  GitRefForInput,
  PrefetchBaseInput,
  PruneOrphansInput,
  PruneOrphansResult,
  RemoveWorktreeInput,
  RemoveWorktreeResult,
  RepoState,
  WorkspaceManager,
  WorkspaceManagerOptions,
  Worktree,
} from './manager/types.js';

/**
 * Creates the worktree manager (DESIGN §8): one `git worktree` per session on branch
 * `worktrain/<session-id>` under `worktreesDir`, started from a freshly fetched base branch. Git operations
 * on one repository are serialised by a per-repo lock (in-process queue + lock file in
 * `<worktreesDir>/.locks/`). All methods return errors as values (see `WorkspaceErrorCode`).
 */
export function createWorkspaceManager(options: WorkspaceManagerOptions): WorkspaceManager {
  const ctx = managerContext(options);
  const lookups = createRepoLookups(ctx.clock);
  const fetcher = createBaseFetcher(ctx, lookups);
  return {
    worktreesDir: ctx.worktreesDir,
    branchFor: ctx.branchFor,
    pathFor: ctx.pathFor,
    createWorktree: (input) => createWorktree({ ctx, lookups, fetcher }, input),
    prefetchBase: fetcher.prefetchBase,
    freshBase: fetcher.freshBase,
    defaultBranch: lookups.defaultBranch,
    removeWorktree: (input) => removeWorktree(ctx, lookups, input),
    listWorktrees: () => listWorktrees(ctx),
    cleanWorktrees: (input) => cleanWorktrees(ctx, lookups, input),
    pruneOrphans: (input) => pruneOrphans(ctx, lookups, input),
    repoState,
    releaseStaleIndexLock: (target) => releaseStaleIndexLock(ctx, target),
    gitRefFor: (input) => gitRefFor(ctx, lookups, input),
  };
}
