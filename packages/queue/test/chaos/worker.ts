/**
 * A chaos-test worker process. Env: CHAOS_BACKEND (sqlite|postgres), CHAOS_DB (file path or schema),
 * CHAOS_PG_URL, CHAOS_WORKER_ID, CHAOS_LOG (append-only log), CHAOS_LEASE_MS.
 * Log lines: `exec <taskId> <token>` before running a handler, `done <taskId> <token>` after an acknowledged
 * completion, `lost <taskId> <token> <code>` when the queue refused it.
 */
import { appendFileSync } from 'node:fs';
import { createPostgresQueue, openSqliteQueue, runWorker, type TaskQueue } from '../../src/index.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`missing ${k}`);
  return v;
};

async function main(): Promise<void> {
  const backend = env('CHAOS_BACKEND');
  const workerId = env('CHAOS_WORKER_ID');
  const log = env('CHAOS_LOG');
  const leaseMs = Number(env('CHAOS_LEASE_MS'));
  let queue: TaskQueue;
  if (backend === 'sqlite') {
    // A short group-commit window: one fsync'd commit carries many claims and acks (the disk allows ~100/s).
    queue = openSqliteQueue({
      path: env('CHAOS_DB'),
      busyTimeoutMs: 10_000,
      groupCommit: { windowMs: 5 },
    })._unsafeUnwrap();
  } else {
    const r = await createPostgresQueue({
      connectionString: env('CHAOS_PG_URL'),
      schema: env('CHAOS_DB'),
      poolSize: 4,
      sweepIntervalMs: 250,
      ackWindowMs: 5,
    });
    queue = r._unsafeUnwrap();
  }
  // A SQLite worker has no cross-process wake-up; claims also sweep, so poll briefly.
  const sweeper = setInterval(() => void queue.sweepExpiredLeases(), 250);
  runWorker({
    queue,
    name: 'chaos',
    workerId,
    concurrency: 8,
    // Larger batches per transaction: fewer lock hand-overs between the four processes.
    prefetch: 100,
    leaseMs,
    pollIntervalMs: 50,
    handler: async (task) => {
      appendFileSync(log, `exec ${task.id} ${task.leaseToken}\n`);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
    },
    onCompleted: (task) => appendFileSync(log, `done ${task.id} ${task.leaseToken}\n`),
    onError: (error, task) => {
      if (task !== null) appendFileSync(log, `lost ${task.id} ${task.leaseToken} ${error.code}\n`);
    },
  });
  void sweeper;
  process.send?.('ready');
  // Never outlive the test process (it holds our IPC channel).
  process.on('disconnect', () => process.exit(0));
}

void main();
