import { manualClock } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { createMemoryQueue } from './memory/memory-queue.js';
import { runWorker, TaskFailure } from './worker.js';

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('runWorker', () => {
  it('runs every task once and completes it', async () => {
    const queue = createMemoryQueue();
    await queue.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ queue: 'q', payload: i })));
    const seen: number[] = [];
    const w = runWorker({
      queue,
      name: 'q',
      workerId: 'w',
      concurrency: 4,
      pollIntervalMs: 20,
      handler: async (t) => void seen.push(Number(t.payload)),
    });
    await until(async () => (await queue.stats())._unsafeUnwrap().total.succeeded === 50);
    await w.stop();
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('never runs more handlers at once than its concurrency', async () => {
    const queue = createMemoryQueue();
    await queue.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ queue: 'q', payload: i })));
    let running = 0;
    let peak = 0;
    const w = runWorker({
      queue,
      name: 'q',
      workerId: 'w',
      concurrency: 3,
      prefetch: 20,
      pollIntervalMs: 20,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
      },
    });
    await until(async () => (await queue.stats())._unsafeUnwrap().total.succeeded === 30);
    await w.stop();
    expect(peak).toBe(3);
  });

  it('fails a throwing handler as execution and a TaskFailure with its class', async () => {
    const queue = createMemoryQueue({ clock: manualClock(), backoff: { baseMs: 1_000_000 } });
    await queue.enqueue({ queue: 'q', payload: 'boom' });
    await queue.enqueue({ queue: 'q', payload: 'invalid' });
    const w = runWorker({
      queue,
      name: 'q',
      workerId: 'w',
      pollIntervalMs: 20,
      handler: async (t) => {
        if (t.payload === 'invalid') throw new TaskFailure('validation', 'bad input');
        throw new Error('boom');
      },
    });
    await until(async () => {
      const s = (await queue.stats())._unsafeUnwrap().total;
      return s.failed === 1 && s.dead === 1;
    });
    await w.stop();
    const dead = (await queue.list({ state: 'dead' }))._unsafeUnwrap();
    expect(dead[0]?.lastError).toEqual({ class: 'validation', message: 'bad input' });
    const failed = (await queue.list({ state: 'failed' }))._unsafeUnwrap();
    expect(failed[0]?.lastError).toEqual({ class: 'execution', message: 'boom' });
  });

  it('aborts a handler past its timeout and records a timeout failure', async () => {
    const queue = createMemoryQueue({ backoff: { baseMs: 1_000_000 } });
    await queue.enqueue({ queue: 'q', payload: 1 });
    let aborted = false;
    const w = runWorker({
      queue,
      name: 'q',
      workerId: 'w',
      pollIntervalMs: 20,
      timeoutMs: 30,
      handler: (_t, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    });
    await until(async () => (await queue.stats())._unsafeUnwrap().total.failed === 1);
    await w.stop();
    expect(aborted).toBe(true);
    expect((await queue.list({ state: 'failed' }))._unsafeUnwrap()[0]?.lastError?.class).toBe('timeout');
  });

  it('stop() waits for running handlers and their acknowledgements', async () => {
    const queue = createMemoryQueue();
    await queue.enqueue({ queue: 'q', payload: 1 });
    let release!: () => void;
    const started = new Promise<void>((r) => {
      release = r;
    });
    let finish!: () => void;
    const gate = new Promise<void>((r) => {
      finish = r;
    });
    const w = runWorker({
      queue,
      name: 'q',
      workerId: 'w',
      pollIntervalMs: 20,
      handler: async () => {
        release();
        await gate;
      },
    });
    await started;
    const stopping = w.stop();
    finish();
    await stopping;
    expect((await queue.stats())._unsafeUnwrap().total.succeeded).toBe(1);
  });

  it('heartbeats a handler that runs past its lease so it keeps the task', async () => {
    const queue = createMemoryQueue();
    const { task } = (await queue.enqueue({ queue: 'q', payload: 1 }))._unsafeUnwrap();
    const errors: string[] = [];
    let sweeps = 0;
    const w = runWorker({
      queue,
      name: 'q',
      workerId: 'w',
      concurrency: 1,
      leaseMs: 60,
      pollIntervalMs: 20,
      onError: (e) => errors.push(e.code),
      handler: async () => {
        // Run for more than four lease lengths while the sweeper keeps looking for expired leases.
        const end = Date.now() + 250;
        await until(async () => {
          sweeps += (await queue.sweepExpiredLeases())._unsafeUnwrap().requeued;
          return Date.now() > end;
        });
      },
    });
    await until(async () => (await queue.get(task.id))._unsafeUnwrap().state === 'succeeded');
    await w.stop();
    expect(sweeps).toBe(0);
    expect(errors).toEqual([]);
    expect((await queue.get(task.id))._unsafeUnwrap().attempt).toBe(1);
  });
});
