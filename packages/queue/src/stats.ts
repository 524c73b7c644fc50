import type { QueueStats, StateCounts, TaskState } from './queue.js';
import { TASK_STATES } from './queue.js';

function zero(): StateCounts {
  return { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 };
}

/** Builds {@link QueueStats} from `(queue, state, count)` rows. */
export function emptyStats(
  rows: ReadonlyArray<{ queue: string; state: string; n: number | string }>,
  oldestReadyAgeMs: number | null,
): QueueStats {
  const queues: Record<string, StateCounts> = {};
  const total = zero();
  for (const r of rows) {
    if (!TASK_STATES.includes(r.state as TaskState)) continue;
    const state = r.state as TaskState;
    const counts = queues[r.queue] ?? zero();
    counts[state] += Number(r.n);
    total[state] += Number(r.n);
    queues[r.queue] = counts;
  }
  return {
    queues,
    total,
    oldestReadyAgeMs: oldestReadyAgeMs === null ? null : Math.max(0, oldestReadyAgeMs),
  };
}
