import { manualClock } from '@worktrain/contracts';
import { openSqliteQueue } from '@worktrain/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdmitContext, admitCandidate } from './admit.js';
import { listEvents } from './event-log.js';
import { readPollState } from './poll-state.js';
import { runImmediate } from './statements.js';
import { openTestDb, type TestDb } from './test-db.js';
import { type AdmitInput, EMPTY_POLL_STATE } from './types.js';

let t: TestDb;
afterEach(() => t.cleanup());

const HOUR = 3_600_000;

function setup() {
  t = openTestDb();
  const clock = manualClock();
  const ctx: AdmitContext = { db: t.db, sql: t.sql, clock };
  const admit = (over: Partial<AdmitInput> = {}) =>
    t.db.transaction(() =>
      admitCandidate(ctx, {
        triggerId: 'gh',
        sourceId: 'acme/app#1',
        deliveryId: null,
        dedupeKey: 'wf:acme/app#1',
        dedupeWindowMs: HOUR,
        enqueue: { queue: 'default', payload: { n: 1 } },
        ...over,
      }),
    )();
  return { ctx, clock, admit };
}

const count = (sql: string) => (t.db.prepare(sql).get() as { n: number }).n;

describe('admitCandidate', () => {
  it('enqueues a new item, records its dedupe key, its poll state with the task, and an enqueued event', () => {
    const { admit } = setup();
    const out = admit({ pollState: { ...EMPTY_POLL_STATE, lastRunAt: 5 } });
    expect(out.status).toBe('enqueued');
    const taskId = out.status === 'enqueued' ? out.taskId : '';
    expect(count('SELECT count(*) AS n FROM queue_tasks')).toBe(1);
    expect(readPollState(t.sql, 'gh')).toMatchObject({ lastRunAt: 5, lastTaskId: taskId });
    expect(listEvents(t.sql).map((e) => [e.kind, e.taskId, e.message])).toEqual([
      ['enqueued', taskId, 'enqueued on default'],
    ]);
  });

  it('answers a replayed delivery id as a duplicate without enqueueing', () => {
    const { admit } = setup();
    admit({ deliveryId: 'd1' });
    const again = admit({ deliveryId: 'd1', dedupeKey: 'wf:other' });
    expect(again).toEqual({ status: 'duplicate', taskId: null, reason: 'delivery d1 was already received' });
    expect(count('SELECT count(*) AS n FROM queue_tasks')).toBe(1);
    expect(listEvents(t.sql).at(-1)?.kind).toBe('duplicate');
  });

  it('answers the same key within the window as a duplicate of its task, and enqueues again after it', () => {
    const { admit, clock } = setup();
    const first = admit();
    const taskId = first.status === 'enqueued' ? first.taskId : '';
    clock.advance(HOUR - 1);
    expect(admit()).toEqual({ status: 'duplicate', taskId, reason: 'acme/app#1 already made a task' });
    // The duplicate refreshed last_seen_at, so the window restarts from it.
    clock.advance(HOUR - 1);
    expect(admit().status).toBe('duplicate');
    clock.advance(HOUR);
    // Out of the window but the task is unfinished: the queue's dedupe returns it.
    expect(admit()).toEqual({ status: 'duplicate', taskId, reason: 'acme/app#1 has an unfinished task' });
  });

  it('retries an item whose earlier task is dead, even within the window', async () => {
    const { admit, clock } = setup();
    const first = admit();
    const taskId = first.status === 'enqueued' ? first.taskId : '';
    const queue = openSqliteQueue({ db: t.db, clock })._unsafeUnwrap();
    (await queue.cancel({ taskId, reason: 'test' }))._unsafeUnwrap();
    const again = admit();
    expect(again.status).toBe('enqueued');
    expect(again.status === 'enqueued' && again.taskId).not.toBe(taskId);
  });

  it('rolls the whole admit back as STORE_IO with the queue code when the queue refuses the task', () => {
    const { ctx } = setup();
    const r = runImmediate(t.db, () => {
      admitCandidate(ctx, {
        triggerId: 'gh',
        sourceId: 's',
        deliveryId: 'd1',
        dedupeKey: 'k',
        dedupeWindowMs: HOUR,
        enqueue: { queue: 'default', payload: {}, priority: 0.5 },
      });
      throw new Error('unreachable');
    });
    expect(r._unsafeUnwrapErr()).toMatchObject({ code: 'STORE_IO' });
    expect(r._unsafeUnwrapErr().details?.queueCode).toBeTypeOf('string');
    // Nothing of the refused admit stayed: not even the delivery id.
    expect(count('SELECT count(*) AS n FROM trigger_deliveries')).toBe(0);
  });
});
