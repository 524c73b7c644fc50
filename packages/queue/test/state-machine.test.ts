import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryQueue,
  createPostgresQueue,
  FAILURE_CLASSES,
  type LeasedTask,
  openSqliteQueue,
  type PostgresTaskQueue,
  type TaskQueue,
} from '../src/index.js';
import { dropSchema, freshSchema, PG_URL } from './pg-env.js';

/**
 * Property tests of the lease state machine: any random sequence of enqueues, claims, completions and
 * failures with fresh or stale tokens, clock jumps past leases, sweeps, cancels and requeues never loses a
 * task, never lets two lease holders act on one task, never exceeds maxAttempts, never succeeds a task twice.
 */
type Op =
  | { kind: 'enqueue'; key: number | null; maxAttempts: number }
  | { kind: 'claim'; worker: number; n: number; leaseMs: number }
  | { kind: 'complete'; pick: number }
  | { kind: 'fail'; pick: number; cls: number }
  | { kind: 'heartbeat'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'sweep' }
  | { kind: 'cancel'; pick: number }
  | { kind: 'requeue'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('enqueue' as const),
    key: fc.option(fc.integer({ min: 0, max: 3 })),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('claim' as const),
    worker: fc.integer({ min: 0, max: 2 }),
    n: fc.integer({ min: 1, max: 3 }),
    leaseMs: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('fail' as const), pick: fc.nat(), cls: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('heartbeat' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 150 }) }),
  fc.constant({ kind: 'sweep' as const }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('requeue' as const), pick: fc.nat() }),
);

/**
 * Runs `ops` against `queue` and checks the invariants after each. `syncClock` runs after every clock
 * advance (PostgreSQL takes its lease times from the database clock, which the test then moves too).
 */
async function check(
  queue: TaskQueue,
  clock: ReturnType<typeof manualClock>,
  ops: Op[],
  syncClock: () => Promise<void> = async () => undefined,
): Promise<void> {
  const created = new Set<string>();
  const leases: LeasedTask[] = []; // every lease ever handed out, including stale ones
  const ids = (): string[] => [...created];
  // Leases ended by a cancel, complete or fail: their holder is fenced out (checked by complete/fail/heartbeat below), so a
  // later claim of the requeued task may hand out a new lease before the old one's time runs out.
  const revoked = new Set<string>();
  for (const op of ops) {
    switch (op.kind) {
      case 'enqueue': {
        const r = await queue.enqueue({
          queue: 'q',
          payload: 1,
          maxAttempts: op.maxAttempts,
          ...(op.key === null ? {} : { dedupeKey: `k${op.key}` }),
        });
        expect(r.isOk()).toBe(true);
        if (r.isOk()) created.add(r.value.task.id);
        break;
      }
      case 'claim': {
        const r = await queue.claim({ queue: 'q', workerId: `w${op.worker}`, n: op.n, leaseMs: op.leaseMs });
        const got = r._unsafeUnwrap();
        // Nobody else holds a live lease on a task just claimed.
        for (const t of got) {
          for (const l of leases)
            if (l.id === t.id)
              expect(
                revoked.has(l.leaseToken) || l.leasedUntil <= clock.now() || l.leaseToken === t.leaseToken,
              ).toBe(true);
          expect(t.attempt).toBeLessThanOrEqual(t.maxAttempts);
        }
        leases.push(...got);
        break;
      }
      case 'complete':
      case 'fail':
      case 'heartbeat': {
        if (leases.length === 0) break;
        const l = leases[op.pick % leases.length]!;
        const before = (await queue.get(l.id))._unsafeUnwrap();
        const live =
          before.state === 'leased' &&
          before.leaseToken === l.leaseToken &&
          (before.leasedUntil ?? 0) > clock.now();
        const ref = { taskId: l.id, leaseToken: l.leaseToken };
        const r =
          op.kind === 'complete'
            ? await queue.complete(ref)
            : op.kind === 'fail'
              ? await queue.fail({ ...ref, error: { class: FAILURE_CLASSES[op.cls]!, message: 'x' } })
              : await queue.heartbeat({ ...ref, leaseMs: 50 });
        const idempotentRepeat =
          op.kind === 'complete' && before.state === 'succeeded' && before.leaseToken === l.leaseToken;
        // Fencing: only the live lease holder may act.
        expect(r.isOk()).toBe(live || idempotentRepeat);
        // A successful complete or fail ends the holder's lease (a failed task may be requeued and claimed
        // again before this lease's time would have run out).
        if (r.isOk() && op.kind !== 'heartbeat') revoked.add(l.leaseToken);
        if (r.isErr()) expect(r.error.code).toBe('LEASE_LOST');
        break;
      }
      case 'advance':
        clock.advance(op.ms);
        await syncClock();
        break;
      case 'sweep':
        (await queue.sweepExpiredLeases())._unsafeUnwrap();
        break;
      case 'cancel':
      case 'requeue': {
        const all = ids();
        if (all.length === 0) break;
        const id = all[op.pick % all.length]!;
        const r =
          op.kind === 'cancel'
            ? await queue.cancel({ taskId: id, reason: 'r' })
            : await queue.requeue({ taskId: id, reason: 'r' });
        if (r.isErr()) expect(['INVALID_STATE', 'DEDUPE_KEY_CONFLICT']).toContain(r.error.code);
        else if (op.kind === 'cancel') for (const l of leases) if (l.id === id) revoked.add(l.leaseToken);
        break;
      }
    }
    // Invariants over the whole store after every step.
    const tasks = (await queue.list({ limit: 1000 }))._unsafeUnwrap();
    expect(new Set(tasks.map((t) => t.id))).toEqual(created); // nothing lost, nothing invented
    const liveKeys = new Set<string>();
    for (const t of tasks) {
      expect(t.attempt).toBeLessThanOrEqual(t.maxAttempts);
      if (t.state === 'leased') expect(t.leaseToken !== null && t.leasedUntil !== null).toBe(true);
      else expect(t.leasedUntil).toBeNull();
      if (t.dedupeKey !== null && ['pending', 'leased', 'failed'].includes(t.state)) {
        expect(liveKeys.has(t.dedupeKey)).toBe(false); // dedupe key unique while unfinished
        liveKeys.add(t.dedupeKey);
      }
      const successes = (await queue.history(t.id))._unsafeUnwrap().filter((h) => h.to === 'succeeded');
      expect(successes.length).toBeLessThanOrEqual(1);
    }
  }
}

describe('queue state machine (fast-check)', () => {
  it('in-memory backend keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const clock = manualClock();
        const queue = createMemoryQueue({ clock, backoff: { baseMs: 10, maxMs: 40 } });
        await check(queue, clock, ops);
        await queue.close();
      }),
      { numRuns: 150 },
    );
  });

  it('SQLite backend keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'wt-prop-'));
        const clock = manualClock();
        const queue = openSqliteQueue({
          path: join(dir, 'worktrain.db'),
          clock,
          backoff: { baseMs: 10, maxMs: 40 },
        })._unsafeUnwrap();
        try {
          await check(queue, clock, ops);
        } finally {
          await queue.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('queue state machine on PostgreSQL (fast-check)', () => {
  // One schema for this file; its database clock (queue_now_ms, which every lease time uses) is replaced
  // by one the test moves, and the tables are emptied before each generated run.
  const schema = freshSchema();
  const admin = new pg.Client({ connectionString: PG_URL });
  let queue: PostgresTaskQueue;

  beforeAll(async () => {
    queue = (
      await createPostgresQueue({
        connectionString: PG_URL,
        schema,
        poolSize: 2,
        listen: false,
        sweepIntervalMs: 0,
        backoff: { baseMs: 10, maxMs: 40 },
      })
    )._unsafeUnwrap();
    await admin.connect();
    await admin.query(`CREATE TABLE "${schema}".test_clock (ms bigint NOT NULL)`);
    await admin.query(`INSERT INTO "${schema}".test_clock VALUES (0)`);
    await admin.query(
      `CREATE OR REPLACE FUNCTION "${schema}".queue_now_ms() RETURNS bigint LANGUAGE sql STABLE
       AS $fn$ SELECT ms FROM "${schema}".test_clock $fn$`,
    );
  });

  afterAll(async () => {
    await queue?.close();
    await admin.end();
    await dropSchema(schema);
  });

  it('PostgreSQL backend keeps every invariant', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const clock = manualClock();
        const syncClock = async (): Promise<void> => {
          await admin.query(`UPDATE "${schema}".test_clock SET ms = $1`, [clock.now()]);
        };
        await admin.query(`TRUNCATE "${schema}".queue_tasks, "${schema}".queue_audit`);
        await syncClock();
        await check(queue, clock, ops, syncClock);
      }),
      { numRuns: 30 },
    );
  });
});
