import type { DrainResult } from './queue.js';

/**
 * Per-handle bookkeeping shared by every backend: the leases this handle handed out (for `drain`), the
 * draining/closed flags, and wake-ups for `waitForTasks`.
 */
export class HandleState {
  draining = false;
  closed = false;
  private readonly inFlight = new Set<string>();
  private drainWaiters: Array<() => void> = [];
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Records leases handed out by `claim` (key: task id + token). */
  leased(keys: Iterable<string>): void {
    for (const k of keys) this.inFlight.add(k);
  }

  /** A lease ended (completed, failed, lost). */
  released(key: string): void {
    if (this.inFlight.delete(key) && this.inFlight.size === 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Sets draining and resolves when no lease is in flight or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<DrainResult> {
    this.draining = true;
    if (this.inFlight.size === 0) return Promise.resolve({ inFlight: 0 });
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve({ inFlight: this.inFlight.size });
      };
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        done();
      }, timeoutMs);
      this.drainWaiters.push(done);
    });
  }

  /** Wakes every `wait` on `queue` (or on all queues when undefined). */
  notify(queue?: string): void {
    const lists = queue === undefined ? [...this.waiters.values()] : [this.waiters.get(queue)];
    for (const set of lists) {
      if (set === undefined) continue;
      for (const w of [...set]) w();
    }
  }

  /** Resolves on `notify(queue)` or after `timeoutMs`. */
  wait(queue: string, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(queue);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(queue, set);
      }
      const s = set;
      const done = (): void => {
        clearTimeout(timer);
        s.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      s.add(done);
    });
  }

  close(): void {
    this.closed = true;
    this.notify();
  }
}

export function leaseKey(taskId: string, leaseToken: string): string {
  return `${taskId}\u0000${leaseToken}`;
}
