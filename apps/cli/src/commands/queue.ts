import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { err, ok, type Result } from '@worktrain/contracts';
// Types only: the queue package (SQLite and PostgreSQL backends) is imported by `withQueue` when a command
// opens the queue, not when the CLI starts.
import type { AuditEntry, PurgeResult, QueueStats, Task, TaskState } from '@worktrain/queue';
import { type Command, Option } from 'commander';
import { type CliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import {
  renderDeadLetters,
  renderPurge,
  renderQueueList,
  renderQueueStats,
  renderTaskChange,
  renderTaskInspect,
} from '../format/queue.js';
import { parsePositiveInt, parseSince } from '../options.js';
import type { CommandContext } from '../program.js';
import { fromQueueError, type QueueTarget, taskNotFoundNoDatabase, withQueue } from '../queue-access.js';

export type { QueueTarget } from '../queue-access.js';

/** Tasks of `queue list` / `queue dead-letters`, newest first. */
export interface QueueTasksOutput {
  readonly tasks: readonly Task[];
  /** False when the data directory has no database yet (SQLite; nothing was ever queued). */
  readonly databaseExists: boolean;
}

// ---------------------------------------------------------------------------------------- list

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

// ------------------------------------------------------------------------------------- inspect

export interface QueueInspectOptions extends QueueTarget {
  readonly taskId: string;
}

export interface QueueInspectOutput {
  readonly task: Task;
  /** The audit trail, oldest first: every transition with actor, from, to, at and reason. */
  readonly history: readonly AuditEntry[];
}

/** `worktrain queue inspect <id>`: the task (payload, last error, lease) and its audit trail. */
export async function executeQueueInspect(
  deps: CliDeps,
  opts: QueueInspectOptions,
): Promise<Result<QueueInspectOutput, CliError>> {
  return withQueue(
    deps,
    opts,
    (q, lib) => lib.executeQueueInspect(q, { id: opts.taskId }).mapErr((e) => fromQueueError(e)),
    'read-only',
  ).andThen((r) => (r === null ? err(taskNotFoundNoDatabase(opts.taskId)) : ok(r)));
}

// ------------------------------------------------------------------------------ requeue, cancel

export interface QueueChangeOptions extends QueueTarget {
  readonly taskId: string;
  /** Why; recorded in the task's audit trail. */
  readonly reason: string;
  /** Who; recorded in the audit trail (the CLI defaults to `cli:$USER`). */
  readonly actor: string;
}

/**
 * `worktrain queue requeue <id> --reason …`: a dead letter back to `pending` with a fresh attempt budget.
 * Errors: TASK_NOT_FOUND; QUEUE_ERROR with `queueCode` INVALID_STATE when the task is not a dead letter.
 */
export async function executeQueueRequeue(
  deps: CliDeps,
  opts: QueueChangeOptions,
): Promise<Result<{ readonly task: Task }, CliError>> {
  return withQueue(deps, opts, (q, lib) =>
    lib
      .executeQueueRequeue(q, { id: opts.taskId, reason: opts.reason, actor: opts.actor })
      .mapErr((e) => fromQueueError(e)),
  ).andThen((r) => (r === null ? err(taskNotFoundNoDatabase(opts.taskId)) : ok(r)));
}

/**
 * `worktrain queue cancel <id> --reason …`: dead-letters an unfinished task with class `cancelled`.
 * Errors: TASK_NOT_FOUND; QUEUE_ERROR with `queueCode` INVALID_STATE when the task is already finished.
 */
export async function executeQueueCancel(
  deps: CliDeps,
  opts: QueueChangeOptions,
): Promise<Result<{ readonly task: Task }, CliError>> {
  return withQueue(deps, opts, (q, lib) =>
    lib
      .executeQueueCancel(q, { id: opts.taskId, reason: opts.reason, actor: opts.actor })
      .mapErr((e) => fromQueueError(e)),
  ).andThen((r) => (r === null ? err(taskNotFoundNoDatabase(opts.taskId)) : ok(r)));
}

// ---------------------------------------------------------------------------------- stats, purge

export interface QueueStatsOutput {
  readonly stats: QueueStats;
  readonly databaseExists: boolean;
}

const ZERO_COUNTS = { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 } as const;

export interface QueueStatsOptions extends QueueTarget {
  /** Only this queue; a queue without tasks gives zero counts (not an error). */
  readonly queue?: string;
}

/**
 * `worktrain queue stats [--queue <name>]`: counts per queue and state and the age of the oldest ready task
 * (ms); with `queue`, of that queue only.
 */
export async function executeQueueStats(
  deps: CliDeps,
  opts: QueueStatsOptions,
): Promise<Result<QueueStatsOutput, CliError>> {
  return withQueue(
    deps,
    opts,
    (q, lib) =>
      lib
        .executeQueueStats(q, opts.queue !== undefined ? { queue: opts.queue } : {})
        .mapErr((e) => fromQueueError(e)),
    'read-only',
  ).map((stats) => ({
    stats: stats ?? { queues: {}, total: { ...ZERO_COUNTS }, oldestReadyAgeMs: null },
    databaseExists: stats !== null,
  }));
}

export interface QueuePurgeOptions extends QueueTarget {
  /** Purge succeeded tasks and dead letters that finished more than this many ms ago. */
  readonly olderThanMs: number;
  /** Only these finished states (default both). */
  readonly states?: ReadonlyArray<'succeeded' | 'dead'>;
  /** Only tasks of this queue (default every queue). */
  readonly queue?: string;
  /** Only tasks that finished at or after this time (ms since epoch); default no lower bound. */
  readonly since?: number;
  /** Purge at most this many tasks, the oldest finished first (default all that match). */
  readonly limit?: number;
  /** Absolute path of a JSON Lines file the purged tasks and their audit trails are appended to first. */
  readonly archivePath?: string;
  /** Only report what would be purged (count and up to 1 000 tasks); delete and archive nothing. */
  readonly dryRun?: boolean;
}

export interface QueuePurgeOutput extends PurgeResult {
  /** Tasks that finished before this time (ms since epoch) were purged (or would be, on a dry run). */
  readonly cutoffMs: number;
  /** The `since` bound (ms since epoch), or null. */
  readonly sinceMs: number | null;
  /** The `limit` bound, or null. */
  readonly limit: number | null;
  readonly dryRun: boolean;
  /** The archive a real run would append to (dry run only; null without --archive). */
  readonly wouldArchiveTo: string | null;
}

/**
 * `worktrain queue purge --older-than <duration> [--state] [--queue] [--since] [--limit] [--archive <file.jsonl>]
 * [--dry-run]`: retention purge of tasks that finished before now − older-than (and, with `since`, at or after
 * it; with `limit`, at most that many, oldest finished first). With an archive, each task and its audit trail
 * are appended and flushed to the file before the rows are deleted.
 */
export async function executeQueuePurge(
  deps: CliDeps,
  opts: QueuePurgeOptions,
): Promise<Result<QueuePurgeOutput, CliError>> {
  const cutoffMs = deps.clock.now() - opts.olderThanMs;
  const dryRun = opts.dryRun === true;
  return withQueue(deps, opts, (q, lib) =>
    lib
      .executeQueuePurge(q, {
        olderThanMs: opts.olderThanMs,
        ...(opts.states !== undefined ? { states: [...opts.states] } : {}),
        ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
        ...(opts.since !== undefined ? { since: opts.since } : {}),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.archivePath !== undefined ? { archivePath: opts.archivePath } : {}),
        ...(dryRun ? { dryRun } : {}),
      })
      .mapErr((e) => fromQueueError(e)),
  ).map((r) => ({
    ...(r ?? { purged: 0, archivePath: null, ...(dryRun ? { wouldPurge: [] } : {}) }),
    cutoffMs,
    sinceMs: opts.since ?? null,
    limit: opts.limit ?? null,
    dryRun,
    wouldArchiveTo: dryRun ? (opts.archivePath ?? null) : null,
  }));
}

// ---------------------------------------------------------------------------------- option parsing

/**
 * The task states (`TASK_STATES` of `@worktrain/queue`, same order), for `--state` help and parsing without
 * loading the queue package; a test keeps the two lists equal.
 */
export const TASK_STATES = [
  'pending',
  'leased',
  'succeeded',
  'failed',
  'dead',
] as const satisfies readonly TaskState[];

const DURATION_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `--older-than`: a duration such as `45s`, `30m`, `12h`, `7d`, `2w` → ms. USAGE error otherwise. */
export function parseOlderThan(value: string): Result<number, CliError> {
  const m = /^(\d+)([smhdw])$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (DURATION_MS[m[2] ?? 's'] ?? 1000) : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    return err(usageError(`option '--older-than' expects a duration (30m, 12h, 7d, 2w), got '${value}'`));
  }
  return ok(ms);
}

function parseState(value: string | undefined): Result<TaskState | undefined, CliError> {
  if (value === undefined) return ok(undefined);
  const state = TASK_STATES.find((s) => s === value.trim());
  if (state === undefined) {
    return err(usageError(`option '--state' expects one of ${TASK_STATES.join(', ')}; got '${value}'`));
  }
  return ok(state);
}

function parseReason(value: string): Result<string, CliError> {
  return value.trim() === '' ? err(usageError("option '--reason' must not be empty")) : ok(value.trim());
}

/**
 * The audit actor when `--actor` is not given: `cli:$USER`, else `cli:$LOGNAME`, else `cli:<account>` with the
 * account name of this process (`os.userInfo()`; cron, containers and `env -i` set neither variable), else
 * `cli:unknown` (an account without a passwd entry).
 */
export function defaultActor(
  env: Readonly<Record<string, string | undefined>>,
  accountName: () => string | null = osAccountName,
): string {
  const user = env.USER?.trim() || env.LOGNAME?.trim() || accountName()?.trim() || 'unknown';
  return `cli:${user}`;
}

function osAccountName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null; // no passwd entry for the uid (os.userInfo throws SystemError)
  }
}

// ------------------------------------------------------------------------------------ registration

interface TargetFlags {
  databaseUrl?: string;
  schema?: string;
}

/** `--database-url` and `--schema` on every queue command (SQLite in the data directory otherwise). */
function withTargetOptions(command: Command): Command {
  return command
    .option(
      '--database-url <url>',
      'use the PostgreSQL queue at this postgres:// URL (default: $WORKTRAIN_DATABASE_URL, else SQLite in the data directory)',
    )
    .option(
      '--schema <name>',
      'PostgreSQL schema of the queue (default: $WORKTRAIN_DATABASE_SCHEMA, else worktrain)',
    );
}

function targetOf(globals: { readonly home?: string }, raw: TargetFlags): QueueTarget {
  return {
    ...(globals.home !== undefined ? { home: globals.home } : {}),
    ...(raw.databaseUrl !== undefined ? { databaseUrl: raw.databaseUrl } : {}),
    ...(raw.schema !== undefined ? { schema: raw.schema } : {}),
  };
}

function parseFilters(
  raw: { queue?: string; since?: string; limit?: string },
  nowMs: number,
): Result<{ queue?: string; since?: number; limit?: number }, CliError> {
  return parsePositiveInt('--limit', raw.limit).andThen((limit) =>
    parseSince(raw.since, nowMs).map((since) => ({
      ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(limit !== undefined ? { limit: Math.min(limit, 1000) } : {}),
    })),
  );
}

const tasksJson = (out: QueueTasksOutput) => ({ tasks: out.tasks });

/** Registers `worktrain queue list|inspect|dead-letters|requeue|cancel|stats|purge`. */
export function registerQueueCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const queue = program
    .command('queue')
    .description('operate the task queue: list and inspect tasks, handle dead letters, retention');

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

  withTargetOptions(
    queue
      .command('inspect')
      .description('show a task: payload, attempts, lease, last error and its audit trail')
      .argument('<task-id>', 'the task id'),
  ).action(async (taskId: string, raw: TargetFlags, command: Command) => {
    await ctx.run(command, (globals) => executeQueueInspect(deps, { ...targetOf(globals, raw), taskId }), {
      text: (out) => renderTaskInspect(out.task, out.history),
    });
  });

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

  for (const [name, description, verb, execute] of [
    [
      'requeue',
      'put a dead letter back in its queue with a fresh attempt budget; the reason is recorded',
      'requeued',
      executeQueueRequeue,
    ],
    [
      'cancel',
      'cancel an unfinished task (it becomes a dead letter of class cancelled); the reason is recorded',
      'cancelled',
      executeQueueCancel,
    ],
  ] as const) {
    withTargetOptions(
      queue
        .command(name)
        .description(description)
        .argument('<task-id>', 'the task id')
        .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
        .option('--actor <name>', 'who (recorded in the audit trail; default cli:$USER)'),
    ).action(
      async (taskId: string, raw: TargetFlags & { reason: string; actor?: string }, command: Command) => {
        await ctx.run(
          command,
          async (globals) => {
            const reason = parseReason(raw.reason);
            if (reason.isErr()) return err(reason.error);
            const actor = raw.actor?.trim() || defaultActor(deps.env);
            return execute(deps, { ...targetOf(globals, raw), taskId, reason: reason.value, actor });
          },
          { text: (out) => renderTaskChange(verb, out.task) },
        );
      },
    );
  }

  withTargetOptions(
    queue
      .command('stats')
      .description('task counts per queue and state; age of the oldest ready task')
      .option('--queue <name>', 'only this queue (a queue without tasks shows zero counts)'),
  ).action(async (raw: TargetFlags & { queue?: string }, command: Command) => {
    await ctx.run(
      command,
      (globals) =>
        executeQueueStats(deps, {
          ...targetOf(globals, raw),
          ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
        }),
      {
        text: (out) => renderQueueStats(out.stats, out.databaseExists, raw.queue),
        json: (out) => out.stats,
      },
    );
  });

  withTargetOptions(
    queue
      .command('purge')
      .description(
        'delete succeeded tasks and dead letters that finished longer ago than --older-than (bounded by --since, --limit)',
      )
      .requiredOption('--older-than <duration>', 'age of finished tasks to purge (30m, 12h, 7d, 2w)')
      .addOption(
        new Option('--state <state>', 'only purge tasks in this finished state (default both)').choices([
          'succeeded',
          'dead',
        ]),
      )
      .option('--queue <name>', 'only purge tasks of this queue (default every queue)')
      .option(
        '--since <when>',
        'only purge tasks that finished since a duration ago (30d, 12h) or an ISO date (default no lower bound)',
      )
      .option('--limit <n>', 'purge at most n tasks, the oldest finished first (default all that match)')
      .option(
        '--archive <file.jsonl>',
        'first append each purged task and its audit trail to this JSON Lines file',
      )
      .option('--dry-run', 'only show what would be purged (count and up to 1000 tasks); change nothing'),
  ).action(
    async (
      raw: TargetFlags & {
        olderThan: string;
        state?: 'succeeded' | 'dead';
        queue?: string;
        since?: string;
        limit?: string;
        archive?: string;
        dryRun?: boolean;
      },
      command: Command,
    ) => {
      await ctx.run(
        command,
        async (globals) => {
          const olderThanMs = parseOlderThan(raw.olderThan);
          if (olderThanMs.isErr()) return err(olderThanMs.error);
          const since = parseSince(raw.since, deps.clock.now());
          if (since.isErr()) return err(since.error);
          const limit = parsePositiveInt('--limit', raw.limit);
          if (limit.isErr()) return err(limit.error);
          return executeQueuePurge(deps, {
            ...targetOf(globals, raw),
            olderThanMs: olderThanMs.value,
            ...(since.value !== undefined ? { since: since.value } : {}),
            ...(limit.value !== undefined ? { limit: limit.value } : {}),
            ...(raw.state !== undefined ? { states: [raw.state] } : {}),
            ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
            ...(raw.archive !== undefined ? { archivePath: resolve(deps.cwd, raw.archive) } : {}),
            ...(raw.dryRun === true ? { dryRun: true } : {}),
          });
        },
        {
          text: (out) => renderPurge(out, out.cutoffMs, out),
          json: (out) =>
            out.dryRun
              ? {
                  dryRun: true,
                  wouldPurge: out.purged,
                  cutoffMs: out.cutoffMs,
                  sinceMs: out.sinceMs,
                  limit: out.limit,
                  archivePath: out.wouldArchiveTo,
                  tasks: out.wouldPurge ?? [],
                }
              : { purged: out.purged, archivePath: out.archivePath },
        },
      );
    },
  );
}
