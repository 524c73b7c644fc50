import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { awaitTerminal, isTerminal } from './await-terminal.js';
import { createMemoryQueue } from './memory/memory-queue.js';
import type { TaskQueue } from './queue.js';
import { openSqliteQueue } from './sqlite/sqlite-queue.js';

/** A queue handle whose `get` runs `onRead(n)` after the n-th read (1-based), to act between polls. */
function watched(queue: TaskQueue, onRead: (n: number) => Promise<void> | void): Pick<TaskQueue, 'get'> {
  let reads = 0;
  return {
    get: (id) =>
      queue.get(id).map(async (task) => {
        reads += 1;
        await onRead(reads);
        return task;
      }),
  };
}

async function enqueued(queue: TaskQueue, maxAttempts = 3): Promise<string> {
  return (await queue.enqueue({ queue: 'q', payload: {}, maxAttempts }))._unsafeUnwrap().task.id;
}

async function claimOne(queue: TaskQueue) {
  const [leased] = (await queue.claim({ queue: 'q', workerId: 'w', n: 1, leaseMs: 60_000 }))._unsafeUnwrap();
  if (leased === undefined) throw new Error('nothing to claim');
  return { taskId: leased.id, leaseToken: leased.leaseToken };
}

describe('isTerminal', () => {
  it('counts succeeded, dead and failed-without-attempts-left as finished, nothing else', () => {
    const t = (state: 'pending' | 'leased' | 'succeeded' | 'failed' | 'dead', attempt = 1) => ({
      state,
      attempt,
      maxAttempts: 3,
    });
    expect(isTerminal(t('succeeded'))).toBe(true);
    expect(isTerminal(t('dead'))).toBe(true);
    expect(isTerminal(t('failed', 3))).toBe(true);
    expect(isTerminal(t('failed', 2))).toBe(false);
    expect(isTerminal(t('pending'))).toBe(false);
    expect(isTerminal(t('leased'))).toBe(false);
  });
});

describe('awaitTerminal', () => {
  it('returns the succeeded task once a worker completes it between two reads', async () => {
    const queue = createMemoryQueue();
    const id = await enqueued(queue);
    const handle = watched(queue, async (n) => {
      if (n === 2) await queue.complete(await claimOne(queue));
    });
    const outcome = (await awaitTerminal(handle, id, { pollMs: 1 }))._unsafeUnwrap();
    expect(outcome.status).toBe('terminal');
    expect(outcome.task?.state).toBe('succeeded');
  });

  it('returns a dead letter as terminal, with its last error', async () => {
    const queue = createMemoryQueue();
    const id = await enqueued(queue);
    const leased = await claimOne(queue);
    await queue.fail({ ...leased, error: { class: 'validation', message: 'bad goal' }, retryable: false });
    const outcome = (await awaitTerminal(queue, id, { pollMs: 1 }))._unsafeUnwrap();
    expect(outcome).toMatchObject({
      status: 'terminal',
      task: { state: 'dead', lastError: { message: 'bad goal' } },
    });
  });

  it('keeps waiting through a failed attempt that will be retried', async () => {
    const queue = createMemoryQueue();
    const id = await enqueued(queue, 2);
    const states: string[] = [];
    const handle = watched(queue, async (n) => {
      if (n === 1) {
        const leased = await claimOne(queue);
        await queue.fail({ ...leased, error: { class: 'execution', message: 'flaky' } });
      }
      states.push((await queue.get(id))._unsafeUnwrap().state);
      // The retry waits out its backoff; the operator cancels it meanwhile (a dead letter: finished).
      if (n === 3) await queue.cancel({ taskId: id, reason: 'test over' });
    });
    const outcome = (await awaitTerminal(handle, id, { pollMs: 1 }))._unsafeUnwrap();
    expect(states[0]).toBe('failed');
    expect(outcome).toMatchObject({ status: 'terminal', task: { state: 'dead' } });
  });

  it('times out by the injected clock, returning the task as last read', async () => {
    const queue = createMemoryQueue();
    const id = await enqueued(queue);
    const clock = manualClock();
    let reads = 0;
    const handle = watched(queue, (n) => {
      reads = n;
      clock.advance(100);
    });
    const outcome = (await awaitTerminal(handle, id, { timeoutMs: 250, pollMs: 1, clock }))._unsafeUnwrap();
    expect(outcome).toMatchObject({ status: 'timeout', task: { id, state: 'pending' } });
    expect(reads).toBe(3);
  });

  it('stops at once when the signal aborts: before the first read and while waiting', async () => {
    const queue = createMemoryQueue();
    const id = await enqueued(queue);
    const before = new AbortController();
    before.abort();
    expect((await awaitTerminal(queue, id, { signal: before.signal }))._unsafeUnwrap()).toEqual({
      status: 'aborted',
      task: null,
    });
    const during = new AbortController();
    const handle = watched(queue, () => during.abort());
    // A poll of an hour: only the abort can end this wait.
    const outcome = (
      await awaitTerminal(handle, id, { pollMs: 3_600_000, signal: during.signal })
    )._unsafeUnwrap();
    expect(outcome).toMatchObject({ status: 'aborted', task: { id, state: 'pending' } });
  });

  it("returns the queue's error for an unknown task", async () => {
    const outcome = await awaitTerminal(createMemoryQueue(), 'nope', { pollMs: 1 });
    expect(outcome._unsafeUnwrapErr().code).toBe('TASK_NOT_FOUND');
  });

  it('waits on a real SQLite queue for a task another handle completes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-await-'));
    try {
      const path = join(dir, 'worktrain.db');
      const writer = openSqliteQueue({ path })._unsafeUnwrap();
      const reader = openSqliteQueue({ path })._unsafeUnwrap();
      const id = await enqueued(writer);
      const handle = watched(reader, async (n) => {
        if (n === 1) await writer.complete(await claimOne(writer));
      });
      const outcome = (await awaitTerminal(handle, id, { pollMs: 1, timeoutMs: 10_000 }))._unsafeUnwrap();
      expect(outcome).toMatchObject({ status: 'terminal', task: { state: 'succeeded' } });
      await reader.close();
      await writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
