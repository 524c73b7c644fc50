/**
 * `spawn` and `await` for a coordinator script outside a pipeline definition (DESIGN §9): start child
 * sessions of a parent session or pipeline and wait for their typed outcomes, through any
 * {@link SessionLauncher} (the daemon's, or a test's). Spawning is idempotent on `(parent, key)`; without a
 * key, the workflow id and goal make one, so a script re-run after a crash gets the same child.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, Result } from '@worktrain/contracts';
import type { CoordinatorError } from '../errors.js';
import type { BudgetGate, ChildHandle, ChildOutcome, SessionLauncher } from './types.js';

/** Options of {@link Coordinator.spawn}. */
export interface SpawnOptions {
  readonly goal: string;
  readonly context?: JsonObject;
  /** The parent session or pipeline id (the child's `parentSessionId`). */
  readonly parent: string;
  /** The repository checkout (absolute path) the child works in. */
  readonly workspace: string;
  /** The budget the child shares (default: none beyond the child's own). */
  readonly budget?: BudgetGate;
  /** Unique within the parent; default derived from the workflow id and goal. */
  readonly key?: string;
  /** Work on (and push to) this branch instead of a new `worktrain/<session-id>`. */
  readonly branch?: string;
  /** Deliver the child's work (commit, push, PR/MR); default false: its result is only read. */
  readonly deliver?: boolean;
}

/** A coordinator's two verbs over a launcher. */
export interface Coordinator {
  /** Starts a child session (or returns the one started before with the same key). Errors: SPAWN_FAILED. */
  spawn(workflowId: string, options: SpawnOptions): Promise<Result<ChildHandle, CoordinatorError>>;
  /**
   * Resolves with every child's typed outcome once all ended (in the handles' order). `timeout` in ms
   * (default 2 h). Errors: AWAIT_TIMEOUT (details.pending), AWAIT_CANCELLED (`signal`).
   */
  await(
    handles: readonly ChildHandle[],
    options?: { readonly timeout?: number; readonly signal?: AbortSignal },
  ): Promise<Result<readonly ChildOutcome[], CoordinatorError>>;
}

const unlimited: BudgetGate = { charge: () => undefined, exhausted: () => null };

/** {@link Coordinator} over `launcher`. */
export function createCoordinator(launcher: SessionLauncher): Coordinator {
  return {
    spawn: (workflowId, o) =>
      launcher.spawn(
        o.parent,
        {
          key:
            o.key ??
            `${workflowId}-${createHash('sha256').update(`${workflowId}\u0000${o.goal}`).digest('hex').slice(0, 12)}`,
          workflowId,
          goal: o.goal,
          context: o.context ?? {},
          workspace: o.workspace,
          ...(o.branch === undefined ? {} : { branch: o.branch }),
          deliver: o.deliver ?? false,
        },
        o.budget ?? unlimited,
      ),
    await: (handles, o = {}) =>
      launcher.await(handles, {
        timeoutMs: o.timeout ?? 2 * 3_600_000,
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      }),
  };
}
