export type { WorkspaceError, WorkspaceErrorCode } from './errors.js';
export type { GitOutput, RunGitOptions } from './git.js';
export { runGit } from './git.js';
export type {
  ApplyWorktreeCleanupResult,
  InspectWorktreesInput,
  PlanWorktreeCleanupInput,
  WorktreeCleanupItem,
  WorktreeCleanupReason,
  WorktreeReport,
  WorktreeSessionFacts,
  WorktreeSessionLookup,
} from './inventory.js';
export {
  applyWorktreeCleanup,
  FINISHED_SESSION_STATUSES,
  inspectWorktrees,
  planWorktreeCleanup,
} from './inventory.js';
export type { IndexLockOptions, IndexLockOutcome, RepoLockOptions } from './locks.js';
export { clearStaleIndexLock, withRepoLock } from './locks.js';
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
} from './manager.js';
export { createWorkspaceManager, validateSessionId } from './manager.js';
export { defaultBranchOf, originUrl } from './origin.js';
export { enableGitSpawnHelper } from './spawner.js';
export type { DirtyFile, WorktreeEntry } from './worktree-info.js';
export { parsePorcelainZ } from './worktree-info.js';
