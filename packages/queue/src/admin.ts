import { errAsync, makeError, type ResultAsync } from '@worktrain/contracts';
import * as z from 'zod';
import type { AuditEntry, PurgeResult, QueueError, QueueStats, Task, TaskQueue } from './queue.js';
import { TASK_STATES } from './queue.js';

/**
 * Operator commands over a {@link TaskQueue}, shaped for `worktrain queue …` and the HTTP API: each takes
 * raw input (validated with the zod schemas below) and returns plain JSON-able data or a `QueueError`.
 */

/** A time filter: ms since the epoch, or an ISO-8601 date-time string. */
const SinceSchema = z.union([
  z.number().nonnegative(),
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO-8601 date-time')
    .transform((s) => Date.parse(s)),
]);

export const QueueListInputSchema = z.object({
  state: z.enum(TASK_STATES).optional(),
  queue: z.string().min(1).optional(),
  since: SinceSchema.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
export type QueueListInput = z.input<typeof QueueListInputSchema>;

export const QueueTaskInputSchema = z.object({ id: z.string().min(1) });

export const QueueRequeueInputSchema = z.object({
  id: z.string().min(1),
  reason: z.string().trim().min(1).max(2000),
  actor: z.string().min(1).default('operator'),
});
export type QueueRequeueInput = z.input<typeof QueueRequeueInputSchema>;

export const QueueCancelInputSchema = QueueRequeueInputSchema;
export type QueueCancelInput = QueueRequeueInput;

export const QueuePurgeInputSchema = z.object({
  /** Retention: purge finished tasks older than this many ms. */
  olderThanMs: z.number().int().nonnegative(),
  states: z
    .array(z.enum(['succeeded', 'dead']))
    .min(1)
    .optional(),
  archivePath: z.string().min(1).optional(),
  /** Only tasks of this queue. */
  queue: z.string().min(1).optional(),
  /** Only tasks that finished at or after this time (ms since the epoch or ISO-8601). */
  since: SinceSchema.optional(),
  /** At most this many tasks, oldest finished first. */
  limit: z.number().int().positive().optional(),
  /** Report what would be purged (with `since` and `limit` applied); delete and archive nothing. */
  dryRun: z.boolean().optional(),
});
export type QueuePurgeInput = z.input<typeof QueuePurgeInputSchema>;

export const QueueStatsInputSchema = z.object({
  /** Only this queue (an unknown queue gives zero counts, not an error). */
  queue: z.string().min(1).optional(),
});
export type QueueStatsInput = z.input<typeof QueueStatsInputSchema>;

function run<S extends z.ZodType, T>(
  schema: S,
  input: unknown,
  body: (v: z.output<S>) => ResultAsync<T, QueueError>,
): ResultAsync<T, QueueError> {
  const r = schema.safeParse(input);
  if (r.success) return body(r.data);
  const message = r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  return errAsync(makeError('INVALID_ARGUMENT', message));
}

/** `queue list [--state] [--queue] [--since] [--limit]`: newest first. */
export function executeQueueList(
  q: TaskQueue,
  input: QueueListInput,
): ResultAsync<{ tasks: Task[] }, QueueError> {
  return run(QueueListInputSchema, input, (v) => q.list(v).map((tasks) => ({ tasks })));
}

/** `queue inspect <id>`: the task and its full audit trail. */
export function executeQueueInspect(
  q: TaskQueue,
  input: { id: string },
): ResultAsync<{ task: Task; history: AuditEntry[] }, QueueError> {
  return run(QueueTaskInputSchema, input, (v) =>
    q.get(v.id).andThen((task) => q.history(v.id).map((history) => ({ task, history }))),
  );
}

/** `queue dead-letters [--queue] [--since] [--limit]`: dead letters, newest first. */
export function executeQueueDeadLetters(
  q: TaskQueue,
  input: Omit<QueueListInput, 'state'>,
): ResultAsync<{ tasks: Task[] }, QueueError> {
  return run(QueueListInputSchema, { ...input, state: 'dead' }, (v) => q.list(v).map((tasks) => ({ tasks })));
}

/** `queue requeue <id> --reason …`: a dead letter back to pending with a fresh attempt budget. */
export function executeQueueRequeue(
  q: TaskQueue,
  input: QueueRequeueInput,
): ResultAsync<{ task: Task }, QueueError> {
  return run(QueueRequeueInputSchema, input, (v) =>
    q.requeue({ taskId: v.id, reason: v.reason, actor: v.actor }).map((task) => ({ task })),
  );
}

/** `queue cancel <id> --reason …`: dead-letters an unfinished task with class `cancelled`. */
export function executeQueueCancel(
  q: TaskQueue,
  input: QueueCancelInput,
): ResultAsync<{ task: Task }, QueueError> {
  return run(QueueCancelInputSchema, input, (v) =>
    q.cancel({ taskId: v.id, reason: v.reason, actor: v.actor }).map((task) => ({ task })),
  );
}

/**
 * `queue stats [--queue]`: counts per queue and state, age of the oldest ready task; with `queue`, of that
 * queue only (a queue without tasks gives `queues: {}` and zero totals).
 */
export function executeQueueStats(
  q: TaskQueue,
  input: QueueStatsInput = {},
): ResultAsync<QueueStats, QueueError> {
  return run(QueueStatsInputSchema, input, (v) => q.stats(v.queue !== undefined ? { queue: v.queue } : {}));
}

/**
 * `queue purge --older-than … [--state] [--queue] [--since] [--limit] [--archive file.jsonl] [--dry-run]`:
 * retention purge of finished tasks.
 */
export function executeQueuePurge(
  q: TaskQueue,
  input: QueuePurgeInput,
): ResultAsync<PurgeResult, QueueError> {
  return run(QueuePurgeInputSchema, input, (v) => q.purge(v));
}
