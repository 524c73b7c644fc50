import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  executeQueueCancel,
  executeQueueDeadLetters,
  executeQueueInspect,
  executeQueueList,
  executeQueuePurge,
  executeQueueRequeue,
  executeQueueStats,
} from './admin.js';
import { openSqliteQueue, type SqliteTaskQueue } from './sqlite/sqlite-queue.js';

const dirs: string[] = [];
const queues: SqliteTaskQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function withDeadLetter(): Promise<{ q: SqliteTaskQueue; id: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wt-admin-'));
  dirs.push(dir);
  const q = openSqliteQueue({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
  queues.push(q);
  await q.enqueue({ queue: 'jobs', payload: { n: 1 } });
  const [t] = (await q.claim({ queue: 'jobs', workerId: 'w', n: 1, leaseMs: 5000 }))._unsafeUnwrap();
  await q.fail({
    taskId: t!.id,
    leaseToken: t!.leaseToken,
    error: { class: 'validation', message: 'bad input' },
  });
  return { q, id: t!.id };
}

describe('queue admin commands', () => {
  it('lists dead letters and inspects one with its history as JSON-able data', async () => {
    const { q, id } = await withDeadLetter();
    const dead = (await executeQueueDeadLetters(q, { queue: 'jobs' }))._unsafeUnwrap();
    expect(dead.tasks.map((t) => t.id)).toEqual([id]);
    const inspected = (await executeQueueInspect(q, { id }))._unsafeUnwrap();
    expect(inspected.history.map((h) => h.to)).toEqual(['pending', 'leased', 'dead']);
    expect(JSON.parse(JSON.stringify(inspected))).toEqual(inspected);
  });

  it('requeues with a reason and filters the list by state and ISO since', async () => {
    const { q, id } = await withDeadLetter();
    const r = (await executeQueueRequeue(q, { id, reason: 'schema fixed', actor: 'bob' }))._unsafeUnwrap();
    expect(r.task.state).toBe('pending');
    const listed = (
      await executeQueueList(q, { state: 'pending', since: new Date(0).toISOString() })
    )._unsafeUnwrap();
    expect(listed.tasks.map((t) => t.id)).toEqual([id]);
    const future = (await executeQueueList(q, { since: '2999-01-01T00:00:00Z' }))._unsafeUnwrap();
    expect(future.tasks).toEqual([]);
  });

  it('rejects bad input with INVALID_ARGUMENT naming the field', async () => {
    const { q, id } = await withDeadLetter();
    const e = (await executeQueueRequeue(q, { id, reason: '   ' }))._unsafeUnwrapErr();
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('reason');
    const l = (await executeQueueList(q, { since: 'yesterday-ish' }))._unsafeUnwrapErr();
    expect(l.code).toBe('INVALID_ARGUMENT');
  });

  it('cancels, counts and purges', async () => {
    const { q } = await withDeadLetter();
    const { task } = (await q.enqueue({ queue: 'jobs', payload: 2 }))._unsafeUnwrap();
    expect(
      (await executeQueueCancel(q, { id: task.id, reason: 'not needed' }))._unsafeUnwrap().task.state,
    ).toBe('dead');
    expect((await executeQueueStats(q))._unsafeUnwrap().total.dead).toBe(2);
    expect((await executeQueueStats(q, { queue: 'elsewhere' }))._unsafeUnwrap().total.dead).toBe(0);
    expect((await executeQueueStats(q, { queue: '' }))._unsafeUnwrapErr().code).toBe('INVALID_ARGUMENT');
    const preview = (
      await executeQueuePurge(q, { olderThanMs: 0, since: '2000-01-01T00:00:00Z', limit: 1, dryRun: true })
    )._unsafeUnwrap();
    expect(preview.purged).toBe(1);
    expect((await executeQueuePurge(q, { olderThanMs: 0, since: 'soon' }))._unsafeUnwrapErr().code).toBe(
      'INVALID_ARGUMENT',
    );
    expect((await executeQueuePurge(q, { olderThanMs: 0 }))._unsafeUnwrap().purged).toBe(2);
  });
});
