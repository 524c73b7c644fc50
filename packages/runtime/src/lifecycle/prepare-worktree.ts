/**
 * Stage "prepare worktree": records `session_started` for this worker and creates (or reuses) the session's
 * git worktree on `worktrain/<session-id>` from a fresh base, then records where it is (`worktree_ready`),
 * so a resumed run knows its base branch.
 */
import type { SessionEvent, WorktreeGitRef } from '@worktrain/contracts';
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import { readAll } from '../session-log.js';
import type { LifecycleDeps } from './deps.js';
import { recordEvents } from './record.js';

/** The session's worktree, ready for the agent and delivery. */
export interface PreparedWorktree {
  /** Absolute path of the worktree. */
  readonly path: string;
  readonly git: WorktreeGitRef;
  /** The branch delivery targets: the worktree's, else the one recorded by an earlier run, else `main`. */
  readonly baseBranch: string;
  /** True when the session's log already has a successful `session_completed` (the agent has finished). */
  readonly agentFinished: boolean;
}

/** Worktree errors of the task's configuration (its workspace), dead-lettered at once as `validation`. */
const FINAL_WORKTREE_CODES: ReadonlySet<string> = new Set([
  // The workspace does not exist: no retry creates it.
  'WORKTREE_MISSING',
  'NOT_A_REPOSITORY',
  'BASE_BRANCH_NOT_FOUND',
  'INVALID_SESSION_ID',
  'WORKTREE_TAMPERED',
]);

/**
 * Prepares the worktree of `sessionId` in `repoPath`. A base fetched since `task.createdAt` (the daemon
 * prefetches it when the task is enqueued) is fresh enough. Throws {@link TaskFailure}: `validation` (not
 * a repository, no origin or base branch, an unusable session id, a tampered worktree), else `execution`.
 */
export async function prepareWorktree(
  deps: Pick<LifecycleDeps, 'store' | 'workspaces' | 'events' | 'workerId'>,
  input: {
    readonly task: LeasedTask;
    readonly sessionId: string;
    readonly repoPath: string;
    /** A pipeline child's change branch on origin to start from (a fix round, a review); null: the base. */
    readonly startFrom?: string | null;
  },
): Promise<PreparedWorktree> {
  const { task, sessionId } = input;
  // Independent: the event and the worktree.
  const [, worktree] = await Promise.all([
    recordEvents(deps.store, sessionId, [
      { kind: 'session_started', data: { workerId: deps.workerId, taskId: task.id } },
    ]),
    deps.workspaces.createWorktree({
      repoPath: input.repoPath,
      sessionId,
      fetchedSince: task.createdAt,
      ...(input.startFrom == null ? {} : { startFrom: input.startFrom }),
    }),
  ]);
  if (worktree.isErr()) {
    // Not a repository, no origin or base branch, an unusable session id: no retry fixes these.
    const final = FINAL_WORKTREE_CODES.has(worktree.error.code);
    throw new TaskFailure(
      final ? 'validation' : 'execution',
      `Cannot prepare the worktree: ${worktree.error.message}`,
      final ? false : undefined,
    );
  }
  const ready = worktree.value;
  deps.events.emit({
    type: 'worktree_ready',
    taskId: task.id,
    sessionId,
    data: { outcome: ready.outcome, branch: ready.branch },
  });
  const events = await readAll(deps.store, sessionId);
  if (events.isErr()) throw new TaskFailure('execution', events.error.message);
  const recorded = recordedBaseBranch(events.value);
  const baseBranch = ready.baseBranch ?? recorded ?? 'main';
  if (ready.outcome !== 'reused' || recorded === null)
    await recordEvents(deps.store, sessionId, [
      {
        kind: 'decision_trace',
        data: {
          nodeId: null,
          decision: 'worktree_ready',
          reason: `worktree ${ready.outcome} on ${ready.branch}`,
          data: { path: ready.path, branch: ready.branch, baseBranch },
        },
      },
    ]);
  return { path: ready.path, git: ready.git, baseBranch, agentFinished: hasCompleted(events.value) };
}

function recordedBaseBranch(events: readonly SessionEvent[]): string | null {
  for (const e of events) {
    if (e.kind !== 'decision_trace' || e.data.decision !== 'worktree_ready') continue;
    const d = e.data.data;
    if (typeof d === 'object' && d !== null && !Array.isArray(d) && typeof d.baseBranch === 'string')
      return d.baseBranch;
  }
  return null;
}

function hasCompleted(events: readonly SessionEvent[]): boolean {
  return events.some((e) => e.kind === 'session_completed' && e.data.outcome === 'success');
}
