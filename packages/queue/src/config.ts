import { type Clock, errAsync, makeError, okAsync, ResultAsync } from '@worktrain/contracts';
import * as z from 'zod';
import { createMemoryQueue } from './memory/memory-queue.js';
import { createPostgresQueue } from './postgres/pg-queue.js';
import type { QueueError, TaskQueue } from './queue.js';
import { openSqliteQueue } from './sqlite/sqlite-queue.js';

const CommonSchema = z.object({
  maxPayloadBytes: z.number().int().positive().optional(),
  defaultMaxAttempts: z.number().int().min(1).max(1000).optional(),
  maxLeaseMs: z.number().int().positive().optional(),
  defaultLeaseMs: z.number().int().positive().optional(),
  backoff: z
    .object({ baseMs: z.number().positive().optional(), maxMs: z.number().positive().optional() })
    .optional(),
});

/**
 * The queue section of the daemon's configuration: which backend and its settings. Apps parse this and call
 * {@link openTaskQueue}; nothing deeper inspects the environment.
 */
export const QueueConfigSchema = z.discriminatedUnion('backend', [
  CommonSchema.extend({
    backend: z.literal('sqlite'),
    /** `$WORKTRAIN_HOME/worktrain.db`. */
    path: z.string().min(1),
    busyTimeoutMs: z.number().int().nonnegative().optional(),
    journalSizeLimitBytes: z.number().int().positive().optional(),
    checkpointIdleMs: z.number().int().positive().optional(),
  }),
  CommonSchema.extend({
    backend: z.literal('postgres'),
    connectionString: z.string().min(1),
    schema: z.string().optional(),
    poolSize: z.number().int().min(1).max(200).optional(),
    reconnectTimeoutMs: z.number().int().nonnegative().optional(),
    sweepIntervalMs: z.number().int().nonnegative().optional(),
    ackWindowMs: z.number().int().nonnegative().optional(),
  }),
  CommonSchema.extend({ backend: z.literal('memory') }),
]);
export type QueueConfig = z.infer<typeof QueueConfigSchema>;

/**
 * Opens the configured backend. `config` is validated (INVALID_ARGUMENT on a bad shape); other errors are the
 * backend's (NOT_A_WORKTRAIN_DATABASE, STORE_UNAVAILABLE, STORE_IO). `clock` applies to SQLite and memory
 * (PostgreSQL always uses the database clock).
 */
export function openTaskQueue(
  config: unknown,
  deps: { clock?: Clock } = {},
): ResultAsync<TaskQueue, QueueError> {
  const parsed = QueueConfigSchema.safeParse(config);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'queue'}: ${i.message}`).join('; ');
    return errAsync(makeError('INVALID_ARGUMENT', `invalid queue configuration: ${message}`));
  }
  const c = parsed.data;
  switch (c.backend) {
    case 'sqlite': {
      const { backend: _b, ...rest } = c;
      const r = openSqliteQueue({ ...rest, ...deps });
      return new ResultAsync(Promise.resolve(r.map((q): TaskQueue => q)));
    }
    case 'postgres': {
      const { backend: _b, ...rest } = c;
      return createPostgresQueue(rest).map((q): TaskQueue => q);
    }
    case 'memory': {
      const { backend: _b, ...rest } = c;
      return okAsync<TaskQueue, QueueError>(createMemoryQueue({ ...rest, ...deps }));
    }
  }
}
