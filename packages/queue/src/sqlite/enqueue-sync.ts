import { type Clock, err, type IdGenerator, type Result, randomIds, systemClock } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import type { EnqueueInput, EnqueueResult, QueueError, QueueOptions } from '../queue.js';
import { normalizeEnqueue, resolveOptions } from '../validation.js';
import { SqliteOps } from './ops.js';
import { migrateQueueSchema } from './schema.js';
import { sqliteError } from './sqlite-queue.js';

export interface EnqueueSyncOptions extends QueueOptions {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

const cache = new WeakMap<Database.Database, SqliteOps>();

/**
 * Enqueues synchronously on `db` inside the caller's transaction (e.g. the session store appending the
 * events that caused the task), so both commit or neither does. Opens no transaction of its own; durability
 * is the caller's commit. Workers polling the database pick the task up (no in-process wake-up).
 * Errors: as `TaskQueue.enqueue`, plus STORE_IO.
 */
export function enqueueSync(
  db: Database.Database,
  input: EnqueueInput,
  options: EnqueueSyncOptions = {},
): Result<EnqueueResult, QueueError> {
  const clock = options.clock ?? systemClock;
  const opts = resolveOptions(options);
  const n = normalizeEnqueue(input, opts);
  if (n.isErr()) return err(n.error);
  try {
    const m = migrateQueueSchema(db, clock.now());
    if (m.isErr()) return err(m.error);
    let ops = cache.get(db);
    if (ops === undefined) {
      ops = new SqliteOps(db, opts, options.ids ?? randomIds);
      cache.set(db, ops);
    }
    return ops.enqueue(n.value, clock.now());
  } catch (thrown) {
    return err(sqliteError(thrown));
  }
}
