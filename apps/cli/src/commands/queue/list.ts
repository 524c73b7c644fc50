/**
 * `worktrain queue list` and `queue dead-letters`: tasks filtered by state, queue and update time, newest
 * first; empty (with `databaseExists: false`) when no database exists.
 */
import { err, type Result } from '@worktrain/contracts';
// Types only: the queue package is imported by `withQueue` when a command opens the queue.
import type { Task, TaskState } from '@worktrain/queue';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderDeadLetters, renderQueueList } from '../../format/queue.js';
import type { CommandContext } from '../../program.js';
import { fromQueueError, type QueueTarget, withQueue } from '../../queue-access.js';
import {
  parseFilters,
  parseState,
  TASK_STATES,
  type TargetFlags,
  targetOf,
  withTargetOptions,
} from './options.js';

/** Tasks of `queue list` / `queue dead-letters`, newest first. */
export interface QueueTasksOutput {
  readonly tasks: readonly Task[];
  /** False when the data directory has no database yet (SQLite; nothing was ever queued). */
  readonly databaseExists: boolean;
}

export interface QueueListOptions extends QueueTarget {
  readonly state?: TaskState;
  readonly queue?: string;
  /** Only tasks updated at or after this time (ms since epoch). */
  readonly since?: number;
  /** 1 … 1000; default 100. */
  readonly limit?: number;
}

function filterOf(opts: Omit<QueueListOptions, 'state'>) {
  return {
    ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
  };
}

/** `worktrain queue list`: tasks filtered by state, queue and update time; empty when no database exists. */
export async function executeQueueList(
  deps: CliDeps,
  opts: QueueListOptions,
): Promise<Result<QueueTasksOutput, CliError>> {
  return withQueue(
    deps,
    opts,
    (q, lib) =>
      lib
        .executeQueueList(q, {
          ...filterOf(opts),
          ...(opts.state !== undefined ? { state: opts.state } : {}),
        })
        .mapErr((e) => fromQueueError(e)),
    'read-only',
  ).map((r) => ({ tasks: r?.tasks ?? [], databaseExists: r !== null }));
}

/** `worktrain queue dead-letters`: dead letters with their reason class and message, newest first. */
export async function executeQueueDeadLetters(
  deps: CliDeps,
  opts: Omit<QueueListOptions, 'state'>,
): Promise<Result<QueueTasksOutput, CliError>> {
  return withQueue(
    deps,
    opts,
    (q, lib) => lib.executeQueueDeadLetters(q, filterOf(opts)).mapErr((e) => fromQueueError(e)),
    'read-only',
  ).map((r) => ({ tasks: r?.tasks ?? [], databaseExists: r !== null }));
}

const tasksJson = (out: QueueTasksOutput) => ({ tasks: out.tasks });

/** Registers `queue list`. */
export function registerQueueList(queue: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  withTargetOptions(
    queue
      .command('list')
      .description('list tasks, most recently updated first')
      .option('--state <state>', `only tasks in this state (${TASK_STATES.join(', ')})`)
      .option('--queue <name>', 'only tasks of this queue')
      .option('--since <when>', 'only tasks updated since a duration ago (30m, 12h, 7d) or an ISO date')
      .option('--limit <n>', 'at most n tasks (default 100, max 1000)'),
  ).action(
    async (
      raw: TargetFlags & { state?: string; queue?: string; since?: string; limit?: string },
      command: Command,
    ) => {
      await ctx.run(
        command,
        async (globals) => {
          const parsed = parseState(raw.state).andThen((state) =>
            parseFilters(raw, deps.clock.now()).map((f) => ({ ...f, ...(state ? { state } : {}) })),
          );
          if (parsed.isErr()) return err(parsed.error);
          return executeQueueList(deps, { ...targetOf(globals, raw), ...parsed.value });
        },
        { text: (out) => renderQueueList(out.tasks, out.databaseExists), json: tasksJson },
      );
    },
  );
}

/** Registers `queue dead-letters`. */
export function registerQueueDeadLetters(queue: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  withTargetOptions(
    queue
      .command('dead-letters')
      .description('list dead letters (tasks that need an operator), newest first')
      .option('--queue <name>', 'only dead letters of this queue')
      .option('--since <when>', 'only tasks dead-lettered since a duration ago (30m, 12h, 7d) or an ISO date')
      .option('--limit <n>', 'at most n tasks (default 100, max 1000)'),
  ).action(
    async (raw: TargetFlags & { queue?: string; since?: string; limit?: string }, command: Command) => {
      await ctx.run(
        command,
        async (globals) => {
          const parsed = parseFilters(raw, deps.clock.now());
          if (parsed.isErr()) return err(parsed.error);
          return executeQueueDeadLetters(deps, { ...targetOf(globals, raw), ...parsed.value });
        },
        { text: (out) => renderDeadLetters(out.tasks, out.databaseExists), json: tasksJson },
      );
    },
  );
}
