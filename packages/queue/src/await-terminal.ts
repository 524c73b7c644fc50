/**
 * Waiting for one task to finish: the rule of what "finished" means ({@link isTerminal}) and a polling wait
 * for it ({@link awaitTerminal}) that any process holding a {@link TaskQueue} handle can use — the CLI's
 * in-process `worktrain run`, a coordinator awaiting a child task, a test.
 */
import { type Clock, err, ok, type Result, sleep, systemClock } from '@worktrain/contracts';
import type { QueueError, Task, TaskQueue } from './queue.js';

/**
 * True when `task` will not run again by itself: `succeeded`, `dead`, or `failed` with no attempt left
 * (`attempt >= maxAttempts`; the backends dead-letter such a task, this also covers a row read mid-way).
 * Only an operator's `requeue` brings a dead letter back.
 */
export function isTerminal(task: Pick<Task, 'state' | 'attempt' | 'maxAttempts'>): boolean {
  return (
    task.state === 'succeeded' ||
    task.state === 'dead' ||
    (task.state === 'failed' && task.attempt >= task.maxAttempts)
  );
}

/** Default poll interval of {@link awaitTerminal}, ms. */
export const AWAIT_POLL_MS = 200;

export interface AwaitTerminalOptions {
  /** Give up after this long (ms, from the first read); default: wait without limit. */
  readonly timeoutMs?: number;
  /** Time between reads of the task, ms; default {@link AWAIT_POLL_MS}. */
  readonly pollMs?: number;
  /** Aborting it ends the wait at once with `status: 'aborted'`. */
  readonly signal?: AbortSignal;
  /** Time source of the deadline; default the system clock. */
  readonly clock?: Clock;
}

/**
 * How a wait ended: `terminal` (the task finished, see {@link isTerminal}), `timeout` (`timeoutMs` passed;
 * `task` as last read) or `aborted` (the signal fired; `task` as last read, null when it fired before the
 * first read).
 */
export type AwaitTerminalOutcome =
  | { readonly status: 'terminal'; readonly task: Task }
  | { readonly status: 'timeout'; readonly task: Task }
  | { readonly status: 'aborted'; readonly task: Task | null };

/**
 * Reads `taskId` from `queue` every `pollMs` until it is terminal, `timeoutMs` passes or `signal` aborts.
 * Polling, not LISTEN/NOTIFY: it works over every backend and across processes. Errors: whatever
 * `queue.get` returns (TASK_NOT_FOUND, STORE_UNAVAILABLE, QUEUE_CLOSED, …), at the first failed read.
 */
export async function awaitTerminal(
  queue: Pick<TaskQueue, 'get'>,
  taskId: string,
  options: AwaitTerminalOptions = {},
): Promise<Result<AwaitTerminalOutcome, QueueError>> {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? AWAIT_POLL_MS;
  const deadline =
    options.timeoutMs !== undefined ? clock.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
  let last: Task | null = null;
  for (;;) {
    if (options.signal?.aborted === true) return ok({ status: 'aborted', task: last });
    const read = await queue.get(taskId);
    if (read.isErr()) return err(read.error);
    last = read.value;
    if (isTerminal(last)) return ok({ status: 'terminal', task: last });
    if (clock.now() >= deadline) return ok({ status: 'timeout', task: last });
    await sleep(Math.min(pollMs, Math.max(0, deadline - clock.now())), options.signal);
  }
}
