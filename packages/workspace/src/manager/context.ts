/**
 * What every part of the workspace manager shares: the resolved worktrees folder, clock, logger, branch
 * and path naming, the lock settings, the session id rule, and the small filesystem helpers.
 */
import { realpath, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type Clock,
  err,
  type Logger,
  ok,
  type Result,
  ResultAsync,
  silentLogger,
  systemClock,
} from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from '../errors.js';
import type { IndexLockOptions, RepoLockOptions } from '../locks.js';
import type { WorkspaceManagerOptions } from './types.js';

export interface ManagerContext {
  /** Absolute path of the worktrees folder. */
  readonly worktreesDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `<prefix><session-id>`. */
  branchFor(sessionId: string): string;
  /** `<worktreesDir>/<session-id>`. */
  pathFor(sessionId: string): string;
  /** The per-repo lock: lock files in `<worktreesDir>/.locks/`. */
  readonly lockOptions: RepoLockOptions;
  readonly indexLockOptions: IndexLockOptions;
}

/** The context of a manager built with `options` (defaults: system clock, silent logger, `worktrain/`). */
export function managerContext(options: WorkspaceManagerOptions): ManagerContext {
  const worktreesDir = resolve(options.worktreesDir);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const prefix = options.branchPrefix ?? 'worktrain/';
  return {
    worktreesDir,
    clock,
    logger,
    branchFor: (sessionId) => `${prefix}${sessionId}`,
    pathFor: (sessionId) => join(worktreesDir, sessionId),
    lockOptions: {
      locksDir: join(worktreesDir, '.locks'),
      clock,
      ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
    },
    indexLockOptions: {
      clock,
      logger,
      ...(options.indexLockStaleMs === undefined ? {} : { staleMs: options.indexLockStaleMs }),
      ...(options.indexLockWaitMs === undefined ? {} : { waitMs: options.indexLockWaitMs }),
    },
  };
}

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Checks a session id can be a directory name and a branch name component. */
export function validateSessionId(sessionId: string): Result<string, WorkspaceError> {
  if (!SESSION_ID.test(sessionId) || sessionId.includes('..') || sessionId.endsWith('.lock')) {
    return err(
      workspaceError('INVALID_SESSION_ID', `Session id ${JSON.stringify(sessionId)} cannot name a worktree`, {
        sessionId,
      }),
    );
  }
  return ok(sessionId);
}

/** Whether anything exists at `path` (never fails). */
export function pathExists(path: string): ResultAsync<boolean, WorkspaceError> {
  return ResultAsync.fromSafePromise(
    stat(path).then(
      () => true,
      () => false,
    ),
  );
}

/** The common dir as git writes it into a worktree's `.git` file (its real path). Errors: IO_FAILED. */
export function realCommonDir(commonDir: string): ResultAsync<string, WorkspaceError> {
  return ResultAsync.fromPromise(realpath(commonDir), (e) =>
    workspaceError('IO_FAILED', `Cannot resolve ${commonDir}`, { path: commonDir, cause: String(e) }),
  );
}

/** Removes a directory tree. Errors: IO_FAILED. */
export function rmDir(path: string): ResultAsync<void, WorkspaceError> {
  return ResultAsync.fromPromise(rm(path, { recursive: true, force: true }), (e) =>
    workspaceError('IO_FAILED', `Cannot remove ${path}`, { path, cause: String(e) }),
  );
}
