import { type Clock, err, type IdGenerator, type Result, randomIds, systemClock } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import {
  type EnqueueInput,
  type EnqueueResult,
  type QueueError,
  type QueueOptions,
  TASK_STATES,
  type TaskState,
} from '../queue.js';
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

const stateStatements = new WeakMap<Database.Database, Database.Statement>();

/**
 * The state of task `taskId` on `db`, read synchronously inside the caller's transaction (e.g. the trigger
 * store deciding whether an item's earlier task still blocks a new one); null when there is no such task
 * or no queue table yet. Throws only what better-sqlite3 throws for a broken database.
 */
export function taskStateSync(db: Database.Database, taskId: string): TaskState | null {
  let statement = stateStatements.get(db);
  if (statement === undefined) {
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_tasks'")
      .get();
    if (exists === undefined) return null;
    statement = db.prepare('SELECT state FROM queue_tasks WHERE id = ?');
    stateStatements.set(db, statement);
  }
  const row = statement.get(taskId) as { state: string } | undefined;
  return row === undefined ? null : (TASK_STATES.find((s) => s === row.state) ?? null);
}
