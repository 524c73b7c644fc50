import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { enqueueSync, openSqliteQueue, WORKTRAIN_APPLICATION_ID } from '../src/index.js';
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
    expect(q.db.prepare('SELECT max(version) AS v FROM queue_migrations').get()).toEqual({ v: 1 });
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
});
