import { computeBackoff, sleep } from '@worktrain/contracts';
import type { LeasedTask, QueueError, TaskError, TaskQueue } from './queue.js';

/** A handler failure with an explicit class; any other thrown value counts as `execution`. */
export class TaskFailure extends Error {
  constructor(
    readonly failureClass: TaskError['class'],
    message: string,
    readonly retryable?: boolean,
  ) {
    super(message);
  }
}

export interface WorkerOptions {
  readonly queue: TaskQueue;
  /** Queue name to consume. */
  readonly name: string;
  /** Unique id of this worker (recorded as lease owner). */
  readonly workerId: string;
  /** Handlers running at once. Default 8. */
  readonly concurrency?: number;
  /** Lease per claim, ms; heartbeats renew it every `leaseMs / 3`. Default 30 000. */
  readonly leaseMs?: number;
  /**
   * Tasks held locally (claimed, waiting for a free handler slot) plus running. Default `concurrency`
   * (claim only for free slots). A larger value batches claims and acks (throughput) at the cost of
   * leases ticking while tasks wait locally.
   */
  readonly prefetch?: number;
  /** Longest wait for a wake-up before polling again, ms. Default 1 000. */
  readonly pollIntervalMs?: number;
  /**
   * Watchdog: a handler running longer than this (ms) is aborted through its signal and the attempt fails
   * with class `timeout` (retried with backoff). Default: none.
   */
  readonly timeoutMs?: number;
  /** Runs one task. Resolve = complete; throw = fail (class from {@link TaskFailure}, else `execution`). */
  readonly handler: (task: LeasedTask, signal: AbortSignal) => Promise<void>;
  /** Called with results that are not ok (lease lost, store errors), e.g. for logging. */
  readonly onError?: (error: QueueError, task: LeasedTask | null) => void;
  /** Called after a completion was acknowledged (durable). */
  readonly onCompleted?: (task: LeasedTask) => void;
}

export interface WorkerHandle {
  /** Stops claiming, waits for running handlers (their completions acknowledged), resolves. */
  stop(): Promise<void>;
  /** Resolves when the loop has exited. */
  readonly done: Promise<void>;
}

/**
 * Runs a consume loop: claim up to the free slots, run handlers concurrently, heartbeat long handlers,
 * complete or fail each task (fenced by its lease token). Handlers must tolerate running more than once
 * (at-least-once delivery: a task whose lease expired is handed out again).
 */
export function runWorker(options: WorkerOptions): WorkerHandle {
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? 30_000;
  const prefetch = Math.max(concurrency, options.prefetch ?? concurrency);
  const pollMs = options.pollIntervalMs ?? 1000;
  const q = options.queue;
  let stopping = false;
  let active = 0;
  let slotWaiter: (() => void) | null = null;
  const running = new Set<Promise<void>>();
  /** Tasks whose handler is running, heartbeated together by one timer (not one timer per task). */
  const beating = new Set<LeasedTask>();
  const beatTimer = setInterval(
    () => {
      for (const task of beating) {
        void q.heartbeat({ taskId: task.id, leaseToken: task.leaseToken, leaseMs }).then((r) => {
          if (r.isErr()) options.onError?.(r.error, task);
        });
      }
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  // Without a watchdog nothing aborts a handler, so every handler can share one signal that never fires
  // (an AbortController and listener per task cost more than the rest of a no-op task's JavaScript).
  const neverAborted = new AbortController().signal;

  const freeSlot = (): void => {
    const w = slotWaiter;
    slotWaiter = null;
    w?.();
  };

  /** Acknowledgements (complete/fail) in flight; they no longer occupy a handler slot. */
  const acks = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    acks.add(p);
    void p.finally(() => {
      acks.delete(p);
      freeSlot();
    });
  };

  const succeed = (task: LeasedTask): void => {
    track(
      Promise.resolve(
        q.complete({ taskId: task.id, leaseToken: task.leaseToken }).then((r) => {
          if (r.isErr()) options.onError?.(r.error, task);
          else options.onCompleted?.(task);
        }),
      ),
    );
  };

  const failed = (task: LeasedTask, thrown: unknown): void => {
    const failure =
      thrown instanceof TaskFailure
        ? { class: thrown.failureClass, message: thrown.message }
        : {
            class: 'execution' as const,
            message: thrown instanceof Error ? thrown.message : String(thrown),
          };
    const retryable = thrown instanceof TaskFailure ? thrown.retryable : undefined;
    track(
      Promise.resolve(
        q.fail({ taskId: task.id, leaseToken: task.leaseToken, error: failure, retryable }).then((r) => {
          if (r.isErr()) options.onError?.(r.error, task);
        }),
      ),
    );
  };

  /** Runs the handler; resolves when it returns, leaving its acknowledgement in `acks`. */
  const runOne = async (task: LeasedTask): Promise<void> => {
    beating.add(task);
    if (options.timeoutMs === undefined) {
      try {
        await options.handler(task, neverAborted);
        beating.delete(task);
        succeed(task);
      } catch (thrown) {
        beating.delete(task);
        failed(task, thrown);
      }
      return;
    }
    const own = new AbortController();
    const limit = options.timeoutMs;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      const run = options.handler(task, own.signal);
      await Promise.race([
        run,
        new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => {
            // Reject before aborting: a handler that returns as soon as it is aborted must not win the race.
            reject(new TaskFailure('timeout', `handler exceeded ${limit} ms`));
            own.abort(new Error('handler timed out'));
          }, limit);
        }),
      ]);
      run.catch(() => undefined); // a late rejection of an abandoned handler is not unhandled
      clearTimeout(watchdog);
      beating.delete(task);
      succeed(task);
    } catch (thrown) {
      clearTimeout(watchdog);
      beating.delete(task);
      failed(task, thrown);
    }
  };

  const buffer: LeasedTask[] = [];
  const pump = (): void => {
    while (active < concurrency && buffer.length > 0) {
      const task = buffer.shift()!;
      active++;
      const p = runOne(task).finally(() => {
        active--;
        running.delete(p);
        pump();
        freeSlot();
      });
      running.add(p);
    }
  };

  const loop = async (): Promise<void> => {
    let claimErrors = 0;
    while (!stopping) {
      const want = prefetch - buffer.length - active - acks.size;
      // Claim as soon as a slot is free; with a local buffer, wait until half the window is free.
      if (want <= 0 || (buffer.length > 0 && want < prefetch / 2)) {
        await new Promise<void>((r) => {
          slotWaiter = r;
        });
        continue;
      }
      const claimed = await q.claim({
        queue: options.name,
        workerId: options.workerId,
        n: Math.min(want, 1000),
        leaseMs,
      });
      if (claimed.isErr()) {
        if (claimed.error.code === 'QUEUE_DRAINING' || claimed.error.code === 'QUEUE_CLOSED') break;
        options.onError?.(claimed.error, null);
        // 50 ms doubling to 5 s while claims keep failing.
        await sleep(computeBackoff(claimErrors++, { baseMs: 50, capMs: 5000, jitter: 'none' }));
        continue;
      }
      claimErrors = 0;
      if (claimed.value.length === 0) {
        await q.waitForTasks(options.name, active > 0 ? Math.min(pollMs, 20) : pollMs);
        continue;
      }
      buffer.push(...claimed.value);
      pump();
    }
    // Stopping: finish what was claimed (buffered tasks start as slots free) so no lease is left to expire.
    while (running.size > 0) await Promise.race([...running]);
    await Promise.all([...acks]);
  };

  const done = loop().finally(() => clearInterval(beatTimer));
  return {
    done,
    async stop() {
      stopping = true;
      freeSlot();
      await done;
    },
  };
}
