import type { ResultAsync } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeasedTask, QueueError, QueueOptions, TaskQueue } from '../src/index.js';

/**
 * Backend factory for the conformance suite: returns a fresh, empty queue; `cleanup` runs after each test
 * (closes handles, drops the PostgreSQL schema / deletes the SQLite file).
 */
export interface ConformanceBackend {
  readonly name: string;
  create(options?: QueueOptions): Promise<{ queue: TaskQueue; cleanup: () => Promise<void> }>;
}

/** Polls `check` until it returns true or `timeoutMs` passes (no sleeps as synchronisation). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Unwraps an ok result or fails the test with the error. */
export async function value<T>(r: ResultAsync<T, QueueError>): Promise<T> {
  const res = await r;
  if (res.isErr()) throw new Error(`expected ok, got ${JSON.stringify(res.error)}`);
  return res.value;
}

/** Unwraps an error result or fails the test. */
export async function failure<T>(r: ResultAsync<T, QueueError>): Promise<QueueError> {
  const res = await r;
  if (res.isOk()) throw new Error(`expected an error result, got ${JSON.stringify(res.value)}`);
  return res.error;
}

/** The behaviour every TaskQueue backend must show. */
export function runConformance(backend: ConformanceBackend): void {
  describe(`TaskQueue conformance: ${backend.name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()!();
    });
    const make = async (options?: QueueOptions): Promise<TaskQueue> => {
      const { queue, cleanup } = await backend.create(options);
      cleanups.push(cleanup);
      return queue;
    };
    const claimOne = async (q: TaskQueue, queue = 'q', leaseMs = 30_000): Promise<LeasedTask> => {
      const [t] = await value(q.claim({ queue, workerId: 'w1', n: 1, leaseMs }));
      if (t === undefined) throw new Error('nothing claimed');
      return t;
    };

    it('enqueues a task as pending with its fields and an audit entry', async () => {
      const q = await make();
      const { task, created } = await value(
        q.enqueue({ queue: 'q', payload: { a: [1, 'x', null] }, priority: 3 }),
      );
      expect(created).toBe(true);
      expect(task).toMatchObject({
        queue: 'q',
        payload: { a: [1, 'x', null] },
        priority: 3,
        state: 'pending',
        attempt: 0,
      });
      expect(task.id).toMatch(/^task_/);
      const history = await value(q.history(task.id));
      expect(history).toEqual([expect.objectContaining({ from: null, to: 'pending', actor: 'system' })]);
    });

    it('claims by priority, then runAt, and never hands one task to two claims', async () => {
      const q = await make();
      const low = await value(q.enqueue({ queue: 'q', payload: 1, priority: 0 }));
      const high = await value(q.enqueue({ queue: 'q', payload: 2, priority: 5 }));
      const [a, b] = await Promise.all([
        value(q.claim({ queue: 'q', workerId: 'w1', n: 1, leaseMs: 10_000 })),
        value(q.claim({ queue: 'q', workerId: 'w2', n: 1, leaseMs: 10_000 })),
      ]);
      const ids = [...a, ...b].map((t) => t.id);
      expect(new Set(ids).size).toBe(2);
      expect(a[0]?.id).toBe(high.task.id);
      expect(b[0]?.id).toBe(low.task.id);
      expect(a[0]).toMatchObject({ state: 'leased', leaseOwner: 'w1', attempt: 1 });
    });

    it('claims at most n tasks and only from the named queue', async () => {
      const q = await make();
      await value(q.enqueueMany([1, 2, 3].map((p) => ({ queue: 'q', payload: p }))));
      await value(q.enqueue({ queue: 'other', payload: 0 }));
      const got = await value(q.claim({ queue: 'q', workerId: 'w', n: 2, leaseMs: 5000 }));
      expect(got.map((t) => t.payload)).toEqual([1, 2]);
      const rest = await value(q.claim({ queue: 'q', workerId: 'w', n: 10, leaseMs: 5000 }));
      expect(rest.map((t) => t.payload)).toEqual([3]);
    });

    it('records any worker id as lease owner verbatim', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const workerId = `w'"$4 $3\\x`;
      const [t] = await value(q.claim({ queue: 'q', workerId, n: 1, leaseMs: 5000 }));
      expect(t?.leaseOwner).toBe(workerId);
    });

    it('does not hand out a delayed task before its runAt', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 'later', delayMs: 400 }));
      expect(await value(q.claim({ queue: 'q', workerId: 'w', n: 1, leaseMs: 1000 }))).toEqual([]);
      await eventually(
        async () => (await value(q.claim({ queue: 'q', workerId: 'w', n: 1, leaseMs: 1000 }))).length === 1,
      );
    });

    it('returns the existing unfinished task for a repeated dedupe key', async () => {
      const q = await make();
      const first = await value(q.enqueue({ queue: 'q', payload: 1, dedupeKey: 'k' }));
      const second = await value(q.enqueue({ queue: 'q', payload: 2, dedupeKey: 'k' }));
      expect(second.created).toBe(false);
      expect(second.task.id).toBe(first.task.id);
      const t = await claimOne(q);
      await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      const third = await value(q.enqueue({ queue: 'q', payload: 3, dedupeKey: 'k' }));
      expect(third.created).toBe(true);
      expect(third.task.id).not.toBe(first.task.id);
    });

    it('rejects a dedupe key held by another queue', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'a', payload: 1, dedupeKey: 'shared' }));
      const e = await failure(q.enqueue({ queue: 'b', payload: 1, dedupeKey: 'shared' }));
      expect(e.code).toBe('DEDUPE_KEY_CONFLICT');
    });

    it('enqueueMany is all-or-nothing', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'a', payload: 1, dedupeKey: 'x' }));
      const e = await failure(
        q.enqueueMany([
          { queue: 'b', payload: 1 },
          { queue: 'b', payload: 2, dedupeKey: 'x' },
        ]),
      );
      expect(e.code).toBe('DEDUPE_KEY_CONFLICT');
      expect(await value(q.list({ queue: 'b' }))).toEqual([]);
    });

    it('completes a leased task once and is idempotent for the same token', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const t = await claimOne(q);
      const done = await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      expect(done.state).toBe('succeeded');
      expect(done.finishedAt).not.toBeNull();
      const again = await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      expect(again.state).toBe('succeeded');
      expect((await value(q.history(t.id))).filter((h) => h.to === 'succeeded')).toHaveLength(1);
    });

    it('fences completion with a stale token after the lease expired and was re-claimed', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const first = await claimOne(q, 'q', 50);
      let second: LeasedTask | undefined;
      await eventually(async () => {
        [second] = await value(q.claim({ queue: 'q', workerId: 'w2', n: 1, leaseMs: 30_000 }));
        return second !== undefined;
      });
      expect(second!.attempt).toBe(2);
      const stale = await failure(q.complete({ taskId: first.id, leaseToken: first.leaseToken }));
      expect(stale.code).toBe('LEASE_LOST');
      const hb = await failure(q.heartbeat({ taskId: first.id, leaseToken: first.leaseToken }));
      expect(hb.code).toBe('LEASE_LOST');
      const f = await failure(
        q.fail({
          taskId: first.id,
          leaseToken: first.leaseToken,
          error: { class: 'execution', message: 'x' },
        }),
      );
      expect(f.code).toBe('LEASE_LOST');
      expect((await value(q.complete({ taskId: second!.id, leaseToken: second!.leaseToken }))).state).toBe(
        'succeeded',
      );
    });

    it('refuses to complete once the lease expired even before anyone re-claims it', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const t = await claimOne(q, 'q', 30);
      await eventually(() => Date.now() > t.leasedUntil + 20);
      const r = await failure(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      expect(r.code).toBe('LEASE_LOST');
      expect((await value(q.get(t.id))).state).not.toBe('succeeded');
    });

    it('extends a lease with heartbeat so it survives past the original expiry', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const t = await claimOne(q, 'q', 300);
      const { leasedUntil } = await value(
        q.heartbeat({ taskId: t.id, leaseToken: t.leaseToken, leaseMs: 60_000 }),
      );
      expect(leasedUntil).toBeGreaterThan(t.leasedUntil);
      await eventually(() => Date.now() > t.leasedUntil + 100);
      expect(await value(q.claim({ queue: 'q', workerId: 'w2', n: 1, leaseMs: 1000 }))).toEqual([]);
      expect((await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }))).state).toBe('succeeded');
    });

    it('rejects a lease longer than the max-lease cap', async () => {
      const q = await make({ maxLeaseMs: 10_000 });
      const e = await failure(q.claim({ queue: 'q', workerId: 'w', n: 1, leaseMs: 10_001 }));
      expect(e.code).toBe('INVALID_ARGUMENT');
    });

    it('retries an execution failure with backoff, then dead-letters after maxAttempts', async () => {
      const q = await make({ backoff: { baseMs: 20, maxMs: 40 } });
      await value(q.enqueue({ queue: 'q', payload: 1, maxAttempts: 2 }));
      const t1 = await claimOne(q);
      const f1 = await value(
        q.fail({ taskId: t1.id, leaseToken: t1.leaseToken, error: { class: 'execution', message: 'boom' } }),
      );
      expect(f1.state).toBe('failed');
      expect(f1.runAt).toBeGreaterThan(f1.updatedAt);
      expect(f1.runAt - f1.updatedAt).toBeLessThanOrEqual(20);
      let t2: LeasedTask | undefined;
      await eventually(async () => {
        [t2] = await value(q.claim({ queue: 'q', workerId: 'w', n: 1, leaseMs: 5000 }));
        return t2 !== undefined;
      });
      const f2 = await value(
        q.fail({
          taskId: t2!.id,
          leaseToken: t2!.leaseToken,
          error: { class: 'execution', message: 'boom2' },
        }),
      );
      expect(f2).toMatchObject({
        state: 'dead',
        attempt: 2,
        lastError: { class: 'execution', message: 'boom2' },
      });
    });

    it('dead-letters a validation failure at once', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1, maxAttempts: 5 }));
      const t = await claimOne(q);
      const f = await value(
        q.fail({ taskId: t.id, leaseToken: t.leaseToken, error: { class: 'validation', message: 'bad' } }),
      );
      expect(f).toMatchObject({ state: 'dead', attempt: 1, lastError: { class: 'validation' } });
    });

    it('requeues a dead letter with a fresh budget and records the reason', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const t = await claimOne(q);
      await value(
        q.fail({ taskId: t.id, leaseToken: t.leaseToken, error: { class: 'validation', message: 'bad' } }),
      );
      const negative = await failure(q.requeue({ taskId: t.id, reason: 'x', delayMs: -1 }));
      expect(negative.code).toBe('INVALID_DELAY');
      expect((await failure(q.requeue({ taskId: t.id, reason: '  ' }))).code).toBe('INVALID_ARGUMENT');
      expect((await value(q.get(t.id))).state).toBe('dead');
      const r = await value(q.requeue({ taskId: t.id, reason: 'fixed the schema', actor: 'alice' }));
      expect(r).toMatchObject({ state: 'pending', attempt: 0 });
      const h = await value(q.history(t.id));
      expect(h.at(-1)).toMatchObject({
        from: 'dead',
        to: 'pending',
        actor: 'alice',
        reason: 'requeued: fixed the schema',
      });
      const notDead = await failure(q.requeue({ taskId: t.id, reason: 'again' }));
      expect(notDead.code).toBe('INVALID_STATE');
    });

    it('cancels a leased task so its holder can no longer complete it', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      const t = await claimOne(q);
      const c = await value(q.cancel({ taskId: t.id, reason: 'user asked' }));
      expect(c).toMatchObject({ state: 'dead', lastError: { class: 'cancelled', message: 'user asked' } });
      expect((await failure(q.complete({ taskId: t.id, leaseToken: t.leaseToken }))).code).toBe('LEASE_LOST');
      expect((await failure(q.cancel({ taskId: t.id, reason: 'twice' }))).code).toBe('INVALID_STATE');
    });

    it('sweeps expired leases back to failed, and to dead when attempts are exhausted', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 1, maxAttempts: 1 }));
      await value(q.enqueue({ queue: 'q', payload: 2, maxAttempts: 3 }));
      const got = await value(q.claim({ queue: 'q', workerId: 'w', n: 2, leaseMs: 20 }));
      expect(got).toHaveLength(2);
      await eventually(() => Date.now() > Math.max(...got.map((t) => t.leasedUntil)) + 50);
      const swept = await value(q.sweepExpiredLeases());
      expect(swept).toEqual({ requeued: 1, deadLettered: 1 });
      const dead = await value(q.list({ state: 'dead' }));
      expect(dead.map((t) => t.payload)).toEqual([1]);
      expect(dead[0]?.lastError?.class).toBe('timeout');
      const h = await value(q.history(dead[0]!.id));
      expect(h.at(-1)).toMatchObject({ from: 'leased', to: 'dead', actor: 'sweeper' });
    });

    it('releases only the leases of the named dead workers, before expiry, with the audit reason', async () => {
      const q = await make();
      await value(q.enqueue({ queue: 'q', payload: 'dead-once', maxAttempts: 1 }));
      await value(q.enqueue({ queue: 'q', payload: 'retry', maxAttempts: 3 }));
      await value(q.enqueue({ queue: 'q', payload: 'alive', maxAttempts: 3 }));
      const byDead = await value(q.claim({ queue: 'q', workerId: 'host:1', n: 2, leaseMs: 600_000 }));
      const byLive = await value(q.claim({ queue: 'q', workerId: 'host:2', n: 1, leaseMs: 600_000 }));
      expect(byDead).toHaveLength(2);
      const released = await value(
        q.releaseLeases({ workerIds: ['host:1', 'host:9'], reason: 'owner restarted', actor: 'host:3' }),
      );
      expect(released).toEqual({ requeued: 1, deadLettered: 1 });
      const failed = await value(q.list({ state: 'failed' }));
      expect(failed.map((t) => t.payload)).toEqual(['retry']);
      expect(failed[0]?.lastError).toMatchObject({ class: 'timeout' });
      expect(failed[0]?.lastError?.message).toContain('owner restarted');
      expect((await value(q.list({ state: 'dead' }))).map((t) => t.payload)).toEqual(['dead-once']);
      expect(await value(q.history(failed[0]!.id))).toContainEqual(
        expect.objectContaining({ from: 'leased', to: 'failed', actor: 'host:3', reason: 'owner restarted' }),
      );
      // The live worker's lease is untouched and its completion still counts.
      await value(q.complete({ taskId: byLive[0]!.id, leaseToken: byLive[0]!.leaseToken }));
      // The released task is claimable again at once, and the dead worker's late completion is fenced.
      const again = await value(q.claim({ queue: 'q', workerId: 'host:3', n: 5, leaseMs: 600_000 }));
      expect(again.map((t) => t.payload)).toEqual(['retry']);
      const late = byDead.find((t) => t.payload === 'retry')!;
      expect((await failure(q.complete({ taskId: late.id, leaseToken: late.leaseToken }))).code).toBe(
        'LEASE_LOST',
      );
      expect(await value(q.releaseLeases({ workerIds: [], reason: 'nothing' }))).toEqual({
        requeued: 0,
        deadLettered: 0,
      });
      expect((await failure(q.releaseLeases({ workerIds: ['w'], reason: ' ' }))).code).toBe(
        'INVALID_ARGUMENT',
      );
    });

    it('wakes a waiting worker on notifyEnqueued (a task enqueued outside the handle)', async () => {
      const q = await make();
      const started = Date.now();
      const waiting = q.waitForTasks('q', 5000);
      q.notifyEnqueued('q');
      await waiting;
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('reports unknown task ids as TASK_NOT_FOUND', async () => {
      const q = await make();
      const codes = [
        (await failure(q.get('task_nope'))).code,
        (await failure(q.complete({ taskId: 'task_nope', leaseToken: 'x' }))).code,
        (await failure(q.heartbeat({ taskId: 'task_nope', leaseToken: 'x' }))).code,
        (await failure(q.cancel({ taskId: 'task_nope', reason: 'r' }))).code,
        (await failure(q.requeue({ taskId: 'task_nope', reason: 'r' }))).code,
        (await failure(q.history('task_nope'))).code,
        (
          await failure(
            q.fail({ taskId: 'task_nope', leaseToken: 'x', error: { class: 'execution', message: 'm' } }),
          )
        ).code,
      ];
      expect(codes).toEqual(Array(7).fill('TASK_NOT_FOUND'));
    });

    it('rejects bad payloads and delays with specific codes and stores nothing', async () => {
      const q = await make({ maxPayloadBytes: 1024 });
      const cases: Array<[unknown, string]> = [
        ['x'.repeat(2000), 'PAYLOAD_TOO_LARGE'],
        [() => 1, 'PAYLOAD_INVALID'],
        [10n, 'PAYLOAD_INVALID'],
        [Number.NaN, 'PAYLOAD_INVALID'],
        [{ a: undefined }, 'PAYLOAD_INVALID'],
        [new Date(), 'PAYLOAD_INVALID'],
      ];
      for (const [payload, code] of cases)
        expect((await failure(q.enqueue({ queue: 'q', payload }))).code).toBe(code);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect((await failure(q.enqueue({ queue: 'q', payload: cyclic }))).code).toBe('PAYLOAD_INVALID');
      expect((await failure(q.enqueue({ queue: 'q', payload: 1, delayMs: -1 }))).code).toBe('INVALID_DELAY');
      expect((await failure(q.enqueue({ queue: 'q', payload: 1, delayMs: Number.NaN }))).code).toBe(
        'INVALID_DELAY',
      );
      expect((await failure(q.enqueue({ queue: 'q', payload: 1, runAt: -5 }))).code).toBe('INVALID_DELAY');
      expect((await failure(q.enqueue({ queue: 'q', payload: 1, runAt: 1, delayMs: 1 }))).code).toBe(
        'INVALID_DELAY',
      );
      // One bad input fails the whole batch before anything is written.
      const batch = await failure(
        q.enqueueMany([
          { queue: 'q', payload: 1 },
          { queue: 'q', payload: 2, delayMs: -1 },
        ]),
      );
      expect(batch.code).toBe('INVALID_DELAY');
      expect((await failure(q.enqueue({ queue: 'bad name!', payload: 1 }))).code).toBe('INVALID_ARGUMENT');
      expect((await value(q.stats())).total.pending).toBe(0);
    });

    it('stops claims while draining and waits for in-flight leases', async () => {
      const q = await make();
      await value(
        q.enqueueMany([
          { queue: 'q', payload: 1 },
          { queue: 'q', payload: 2 },
        ]),
      );
      const t = await claimOne(q);
      const drained = q.drain(5000);
      expect((await failure(q.claim({ queue: 'q', workerId: 'w', n: 1, leaseMs: 1000 }))).code).toBe(
        'QUEUE_DRAINING',
      );
      await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      expect(await drained).toEqual({ inFlight: 0 });
    });

    /** Queue a: one pending, one succeeded; queue b: one pending. */
    const twoQueues = async (): Promise<TaskQueue> => {
      const q = await make();
      await value(
        q.enqueueMany([
          { queue: 'a', payload: 1 },
          { queue: 'a', payload: 2 },
          { queue: 'b', payload: 3 },
        ]),
      );
      const t = await claimOne(q, 'a');
      await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      return q;
    };

    it('counts tasks per queue and state', async () => {
      const q = await twoQueues();
      const s = await value(q.stats());
      expect(s.queues.a).toMatchObject({ pending: 1, succeeded: 1 });
      expect(s.queues.b).toMatchObject({ pending: 1 });
      expect(s.total).toMatchObject({ pending: 2, succeeded: 1, leased: 0, failed: 0, dead: 0 });
      expect(s.oldestReadyAgeMs).not.toBeNull();
    });

    it('counts the tasks of one queue with a queue filter; an unknown queue counts zero', async () => {
      const q = await twoQueues();
      const onlyB = await value(q.stats({ queue: 'b' }));
      expect(onlyB.queues).toEqual({ b: { pending: 1, leased: 0, succeeded: 0, failed: 0, dead: 0 } });
      expect(onlyB.total).toEqual({ pending: 1, leased: 0, succeeded: 0, failed: 0, dead: 0 });
      expect(onlyB.oldestReadyAgeMs).not.toBeNull();
      const onlyA = await value(q.stats({ queue: 'a' }));
      expect(Object.keys(onlyA.queues)).toEqual(['a']);
      expect(onlyA.total).toMatchObject({ pending: 1, succeeded: 1 });
      const unknown = await value(q.stats({ queue: 'nobody-uses-this' }));
      expect(unknown).toEqual({
        queues: {},
        total: { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 },
        oldestReadyAgeMs: null,
      });
      expect((await failure(q.stats({ queue: 'bad name!' }))).code).toBe('INVALID_ARGUMENT');
    });

    it('bounds a purge by since (finished at or after) and limit (oldest finished first), dry run alike', async () => {
      const q = await make();
      await value(q.enqueueMany([1, 2, 3].map((p) => ({ queue: 'q', payload: p }))));
      const finished: string[] = [];
      for (let i = 0; i < 3; i++) {
        const t = await claimOne(q);
        await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
        finished.push(t.id);
      }
      const [first, second, third] = await Promise.all(finished.map((id) => value(q.get(id))));
      if (first === undefined || second === undefined || third === undefined) throw new Error('missing');
      const thirdAt = third.finishedAt ?? 0;
      // since is inclusive: the task that finished at `since` is in, one ms later it is out.
      const atThird = await value(q.purge({ olderThanMs: 0, since: thirdAt, dryRun: true }));
      expect(atThird.wouldPurge?.map((t) => t.id)).toContain(third.id);
      const afterThird = await value(q.purge({ olderThanMs: 0, since: thirdAt + 1, dryRun: true }));
      expect(afterThird).toEqual({ purged: 0, archivePath: null, wouldPurge: [] });
      const limited = await value(q.purge({ olderThanMs: 0, limit: 2, dryRun: true }));
      expect(limited.purged).toBe(2);
      expect(limited.wouldPurge?.map((t) => t.id)).toEqual([first.id, second.id]);
      expect((await failure(q.purge({ olderThanMs: 0, limit: 0 }))).code).toBe('INVALID_ARGUMENT');
      expect((await failure(q.purge({ olderThanMs: 0, since: -1 }))).code).toBe('INVALID_ARGUMENT');
      expect((await value(q.stats())).total.succeeded).toBe(3);
      expect((await value(q.purge({ olderThanMs: 0, since: thirdAt + 1 }))).purged).toBe(0);
      expect((await value(q.purge({ olderThanMs: 0, limit: 2 }))).purged).toBe(2);
      expect((await value(q.list())).map((t) => t.id)).toEqual([third.id]);
      expect((await value(q.purge({ olderThanMs: 0, since: thirdAt }))).purged).toBe(1);
      expect((await value(q.stats())).total.succeeded).toBe(0);
    });

    it('lists with state, queue and limit filters, newest first', async () => {
      const q = await make();
      await value(q.enqueueMany([1, 2, 3].map((p) => ({ queue: 'a', payload: p }))));
      await value(q.enqueue({ queue: 'b', payload: 9 }));
      expect((await value(q.list({ queue: 'a' }))).length).toBe(3);
      expect((await value(q.list({ queue: 'a', limit: 2 }))).length).toBe(2);
      expect((await value(q.list({ state: 'leased' }))).length).toBe(0);
      expect((await failure(q.list({ limit: 0 }))).code).toBe('INVALID_ARGUMENT');
    });

    it('wakes a waiting worker when a task is enqueued through the same handle', async () => {
      const q = await make();
      const started = Date.now();
      const waiting = q.waitForTasks('q', 5000);
      await value(q.enqueue({ queue: 'q', payload: 1 }));
      await waiting;
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('purges finished tasks past retention and archives them as JSON lines', async () => {
      const { mkdtempSync, readFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const q = await make();
      await value(
        q.enqueueMany([
          { queue: 'q', payload: 'done' },
          { queue: 'q', payload: 'open' },
        ]),
      );
      const t = await claimOne(q);
      await value(q.complete({ taskId: t.id, leaseToken: t.leaseToken }));
      const archivePath = join(mkdtempSync(join(tmpdir(), 'wt-archive-')), 'archive.jsonl');
      expect((await value(q.purge({ olderThanMs: 0, queue: 'other' }))).purged).toBe(0);
      const r = await value(q.purge({ olderThanMs: 0, archivePath, queue: 'q' }));
      expect(r.purged).toBe(1);
      const lines = readFileSync(archivePath, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(1);
      expect(lines[0].task).toMatchObject({ id: t.id, state: 'succeeded', payload: 'done' });
      expect(lines[0].history.map((h: { to: string }) => h.to)).toEqual(['pending', 'leased', 'succeeded']);
      expect((await failure(q.get(t.id))).code).toBe('TASK_NOT_FOUND');
      expect((await value(q.stats())).total.pending).toBe(1);
    });

    it('previews a purge on a dry run without deleting or archiving anything', async () => {
      const { existsSync, mkdtempSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const q = await make();
      await value(
        q.enqueueMany([
          { queue: 'q', payload: 'done' },
          { queue: 'q', payload: 'bad' },
          { queue: 'q', payload: 'open' },
        ]),
      );
      const done = await claimOne(q);
      await value(q.complete({ taskId: done.id, leaseToken: done.leaseToken }));
      const bad = await claimOne(q);
      await value(
        q.fail({ taskId: bad.id, leaseToken: bad.leaseToken, error: { class: 'validation', message: 'no' } }),
      );
      const archivePath = join(mkdtempSync(join(tmpdir(), 'wt-archive-')), 'archive.jsonl');
      const preview = await value(q.purge({ olderThanMs: 0, archivePath, dryRun: true }));
      expect(preview.purged).toBe(2);
      expect(preview.archivePath).toBeNull();
      expect(preview.wouldPurge?.map((t) => t.id).sort()).toEqual([done.id, bad.id].sort());
      const onlyDead = await value(q.purge({ olderThanMs: 0, states: ['dead'], dryRun: true }));
      expect(onlyDead.wouldPurge?.map((t) => [t.id, t.state])).toEqual([[bad.id, 'dead']]);
      const otherQueue = await value(q.purge({ olderThanMs: 0, queue: 'elsewhere', dryRun: true }));
      expect(otherQueue).toEqual({ purged: 0, archivePath: null, wouldPurge: [] });
      const thisQueue = await value(q.purge({ olderThanMs: 0, queue: 'q', dryRun: true }));
      expect(thisQueue.purged).toBe(2);
      expect((await failure(q.purge({ olderThanMs: 0, queue: 'bad name!' }))).code).toBe('INVALID_ARGUMENT');
      const notOldEnough = await value(q.purge({ olderThanMs: 3_600_000, dryRun: true }));
      expect(notOldEnough).toEqual({ purged: 0, archivePath: null, wouldPurge: [] });
      expect(existsSync(archivePath)).toBe(false);
      expect((await value(q.stats())).total).toMatchObject({ pending: 1, succeeded: 1, dead: 1 });
      expect((await value(q.history(done.id))).map((h) => h.to)).toEqual(['pending', 'leased', 'succeeded']);
    });

    it('refuses calls after close with QUEUE_CLOSED', async () => {
      const q = await make();
      await q.close();
      expect((await failure(q.enqueue({ queue: 'q', payload: 1 }))).code).toBe('QUEUE_CLOSED');
    });
  });
}
