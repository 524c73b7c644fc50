/**
 * The daemon's worker side: crash recovery at start (leases of dead predecessors released, expired leases
 * swept, then swept every `sweepIntervalMs`), the worker pool that claims tasks, and its drain at stop.
 */
import type { Clock, Logger } from '@worktrain/contracts';
import { type LeasedTask, runWorker, type SqliteTaskQueue, type WorkerHandle } from '@worktrain/queue';
import type { TriggerStore } from '@worktrain/triggers';
import type { ActiveSessions } from '../active.js';
import type { RuntimeConfig } from '../config.js';
import { takeOverFromDeadPredecessors } from '../incarnations.js';

/** The running worker side: clear `sweeper` and {@link drainWorker} `worker` to end it. */
export interface Workers {
  readonly worker: WorkerHandle | null;
  /** The coordinator workers of pipelines (queue `pipelines`), or null. */
  readonly coordinators: WorkerHandle | null;
  readonly sweeper: NodeJS.Timeout;
}

/**
 * Recovers and starts the workers. Leases held by this home's earlier runtimes whose process is gone (a
 * SIGKILLed daemon) are released at once; any other expired lease returns through the sweeper. With
 * `handler` null (no sandbox: fail closed) nothing claims tasks, but leases are still swept. The
 * incarnation's end is registered with `onClose`.
 */
export async function startWorkers(input: {
  readonly config: RuntimeConfig;
  readonly triggerStore: TriggerStore;
  readonly queue: SqliteTaskQueue;
  readonly handler: ((task: LeasedTask, signal: AbortSignal) => Promise<void>) | null;
  /** Pipelines' coordinator tasks: their queue, handler and pool size (absent: none run here). */
  readonly coordinators?: {
    readonly queue: string;
    readonly concurrency: number;
    readonly handler: (task: LeasedTask, signal: AbortSignal) => Promise<void>;
  };
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onClose: (close: () => Promise<void> | void) => void;
}): Promise<Workers> {
  const { config, queue, workerId, logger } = input;
  const incarnation = await takeOverFromDeadPredecessors({
    db: input.triggerStore.db,
    queue,
    workerId,
    clock: input.clock,
    logger,
  });
  input.onClose(() => incarnation.end());
  const sweep = async (): Promise<void> => {
    const swept = await queue.sweepExpiredLeases();
    if (swept.isOk() && swept.value.requeued + swept.value.deadLettered > 0)
      logger.info({ ...swept.value }, 'expired leases swept');
  };
  await sweep();
  const sweeper = setInterval(() => void sweep(), config.queue.sweepIntervalMs);
  const handler = input.handler;
  const worker =
    handler === null
      ? null
      : runWorker({
          queue,
          name: config.queue.name,
          workerId,
          concurrency: config.maxConcurrentSessions,
          leaseMs: config.queue.leaseMs,
          pollIntervalMs: 250,
          handler,
          onError: (error, task) => logger.warn({ code: error.code, taskId: task?.id }, error.message),
          onCompleted: (task) => logger.info({ taskId: task.id }, 'task completed'),
        });
  const c = input.coordinators;
  const coordinators =
    handler === null || c === undefined
      ? null
      : runWorker({
          queue,
          name: c.queue,
          workerId,
          concurrency: c.concurrency,
          leaseMs: config.queue.leaseMs,
          pollIntervalMs: 250,
          handler: c.handler,
          onError: (error, task) => logger.warn({ code: error.code, taskId: task?.id }, error.message),
          onCompleted: (task) => logger.info({ taskId: task.id }, 'pipeline task completed'),
        });
  return { worker, coordinators, sweeper };
}

/**
 * Stops the worker pool (claims nothing more), waiting up to `drainMs` for running sessions, then aborts
 * the rest (their tasks are retried and the sessions resume after a restart).
 */
export async function drainWorker(
  worker: WorkerHandle | null,
  active: ActiveSessions | null,
  drainMs: number,
): Promise<void> {
  if (worker === null) return;
  const done = worker.stop();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
  clearTimeout(timer);
  active?.abortAll();
  await done;
}
