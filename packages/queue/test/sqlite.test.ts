import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { enqueueSync, openSqliteQueue, WORKTRAIN_APPLICATION_ID } from '../src/index.js';
import { applyPragmas, QUEUE_MIGRATIONS } from '../src/sqlite/schema.js';
import { runConformance } from './conformance.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wt-queue-'));
}

runConformance({
  name: 'SQLite',
  async create(options) {
    const dir = tempDir();
    const opened = openSqliteQueue({ path: join(dir, 'worktrain.db'), ...options });
    if (opened.isErr()) throw new Error(opened.error.message);
    const queue = opened.value;
    return {
      queue,
      cleanup: async () => {
        await queue.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe('SQLite backend', () => {
  it('sets WAL, synchronous=FULL and the WorkTrain application id on a new file', () => {
    const dir = tempDir();
    const q = openSqliteQueue({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
    expect(q.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(q.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(q.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(q.db.pragma('application_id', { simple: true })).toBe(WORKTRAIN_APPLICATION_ID);
    expect(
      q.db.prepare("SELECT max(version) AS v FROM worktrain_migrations WHERE store = 'queue'").get(),
    ).toEqual({ v: 2 });
    void q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a SQLite database of another application', () => {
    const dir = tempDir();
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE notes (x TEXT)');
    other.close();
    const r = openSqliteQueue({ path });
    expect(r.isErr() && r.error.code).toBe('NOT_A_WORKTRAIN_DATABASE');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a file that is not a SQLite database at all', () => {
    const dir = tempDir();
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not sqlite '.repeat(100));
    const r = openSqliteQueue({ path });
    expect(r.isErr() && r.error.code).toBe('NOT_A_WORKTRAIN_DATABASE');
    rmSync(dir, { recursive: true, force: true });
  });

  it('enqueues inside a caller transaction that commits or rolls back with it', async () => {
    const dir = tempDir();
    const q = openSqliteQueue({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
    q.db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)');
    const appendAndEnqueue = (fail: boolean) =>
      q.db.transaction(() => {
        q.db.prepare('INSERT INTO events (body) VALUES (?)').run('e');
        const r = enqueueSync(q.db, { queue: 'q', payload: { fail } });
        if (r.isErr()) throw new Error(r.error.message);
        if (fail) throw new Error('caller aborts');
      });
    appendAndEnqueue(false).immediate();
    expect(() => appendAndEnqueue(true).immediate()).toThrow('caller aborts');
    const stats = (await q.stats())._unsafeUnwrap();
    expect(stats.total.pending).toBe(1);
    expect(q.db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 });
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('group-commits concurrent operations into few transactions', async () => {
    const dir = tempDir();
    const q = openSqliteQueue({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
    const before = q.commitBatches;
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => q.enqueue({ queue: 'q', payload: i })),
    );
    expect(results.every((r) => r.isOk())).toBe(true);
    expect(q.commitBatches - before).toBeLessThan(5);
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the WAL bounded by journal_size_limit after checkpoints', async () => {
    const { statSync } = await import('node:fs');
    const dir = tempDir();
    const path = join(dir, 'worktrain.db');
    const limit = 256 * 1024;
    const q = openSqliteQueue({ path, journalSizeLimitBytes: limit })._unsafeUnwrap();
    for (let round = 0; round < 100; round++) {
      await q.enqueueMany(
        Array.from({ length: 20 }, (_, i) => ({ queue: 'q', payload: { round, i, pad: 'x'.repeat(200) } })),
      );
      q.checkpoint();
    }
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(limit);
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a version-1 database to version 2 and keeps every task history', async () => {
    const dir = tempDir();
    const path = join(dir, 'worktrain.db');
    // A database as version 1 left it: one task with three audited transitions.
    const v1 = new Database(path);
    applyPragmas(v1);
    v1.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
    v1.exec(
      'CREATE TABLE queue_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    v1.exec(QUEUE_MIGRATIONS[0]!.sql);
    v1.prepare('INSERT INTO queue_migrations VALUES (1, ?, 0)').run(QUEUE_MIGRATIONS[0]!.name);
    v1.prepare(
      `INSERT INTO queue_tasks (id, queue, payload, run_at, max_attempts, state, created_at, updated_at)
       VALUES ('task_old', 'q', '{"a":1}', 0, 5, 'pending', 1, 1)`,
    ).run();
    v1.prepare(
      `UPDATE queue_tasks SET state = 'leased', lease_token = 't1', leased_until = 99, updated_at = 2,
       transition_actor = 'w1' WHERE id = 'task_old'`,
    ).run();
    v1.close();

    const q = openSqliteQueue({ path })._unsafeUnwrap();
    // The versions the old code kept in queue_migrations are adopted into the shared table; v2 is applied.
    expect(
      q.db.prepare("SELECT version FROM worktrain_migrations WHERE store = 'queue' ORDER BY version").all(),
    ).toEqual([{ version: 1 }, { version: 2 }]);
    const history = (await q.history('task_old'))._unsafeUnwrap();
    expect(history.map((h) => [h.from, h.to, h.actor])).toEqual([
      [null, 'pending', 'system'],
      ['pending', 'leased', 'w1'],
    ]);
    // New transitions land in the same trail.
    await q.cancel({ taskId: 'task_old', reason: 'old' });
    expect((await q.history('task_old'))._unsafeUnwrap().map((h) => h.to)).toEqual([
      'pending',
      'leased',
      'dead',
    ]);
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes a batch of leases in one transaction with a correct answer for each', async () => {
    const dir = tempDir();
    const q = openSqliteQueue({
      path: join(dir, 'worktrain.db'),
      groupCommit: { windowMs: 5 },
    })._unsafeUnwrap();
    await q.enqueueMany(Array.from({ length: 6 }, (_, i) => ({ queue: 'q', payload: { i } })));
    const leased = (await q.claim({ queue: 'q', workerId: 'w', n: 6, leaseMs: 60_000 }))._unsafeUnwrap();
    const [a, b, c, d, e, f] = leased.map((t) => ({ taskId: t.id, leaseToken: t.leaseToken }));
    (await q.complete(f!))._unsafeUnwrap(); // completed in an earlier batch
    (await q.cancel({ taskId: e!.taskId, reason: 'gone' }))._unsafeUnwrap(); // lease revoked
    const before = q.commitBatches;
    const results = await Promise.all([
      q.complete(a!),
      q.complete({ ...b!, leaseToken: 'stale' }),
      q.complete(b!),
      q.complete(a!), // repeat inside the same batch
      q.complete(c!),
      q.complete({ taskId: 'task_missing', leaseToken: 'x' }),
      q.complete(e!),
      q.complete(f!), // repeat of an earlier batch
      q.complete(d!),
    ]);
    expect(q.commitBatches - before).toBe(1);
    expect(results.map((r) => (r.isOk() ? r.value.state : r.error.code))).toEqual([
      'succeeded',
      'LEASE_LOST',
      'succeeded',
      'succeeded',
      'succeeded',
      'TASK_NOT_FOUND',
      'LEASE_LOST',
      'succeeded',
      'succeeded',
    ]);
    expect(results[0]!._unsafeUnwrap()).toMatchObject({ id: a!.taskId, payload: leased[0]!.payload });
    for (const ref of [a!, b!, c!, d!]) {
      const trail = (await q.history(ref.taskId))._unsafeUnwrap();
      expect(trail.filter((h) => h.to === 'succeeded')).toHaveLength(1);
    }
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
