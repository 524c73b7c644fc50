import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from './test-db.js';
import { WalSyncer } from './wal-sync.js';

let t: TestDb | null = null;
const syncers: WalSyncer[] = [];
afterEach(() => {
  for (const s of syncers.splice(0)) s.close();
  t?.cleanup();
  t = null;
});

function syncer(db: Database.Database, mode: 'off-loop' | 'in-commit') {
  const s = new WalSyncer(db, mode);
  syncers.push(s);
  return s;
}

const syncOnce = (s: WalSyncer, path: string) => new Promise<unknown>((done) => s.sync(path, done));

describe('WalSyncer', () => {
  it('targets the -wal file of a WAL database at synchronous=FULL with off-loop fsync', () => {
    t = openTestDb();
    const target = syncer(t.db, 'off-loop').target();
    expect(target).toEqual({ path: `${t.path}-wal`, level: 2, autocheckpoint: expect.any(Number) });
  });

  it('has no target in-commit, in memory, or below synchronous=FULL (SQLite keeps its own fsync)', () => {
    t = openTestDb();
    expect(syncer(t.db, 'in-commit').target()).toBeNull();
    const memory = new Database(':memory:');
    expect(syncer(memory, 'off-loop').target()).toBeNull();
    memory.close();
    t.db.pragma('synchronous = NORMAL');
    expect(syncer(t.db, 'off-loop').target()).toBeNull();
  });

  it('leaves checkpoints to the background worker while it is usable', () => {
    t = openTestDb();
    const s = syncer(t.db, 'off-loop');
    const target = s.target();
    expect(target).not.toBeNull();
    if (target === null) return;
    expect(s.backgroundCheckpoints(target)).toBe(target.autocheckpoint > 0);
    s.close();
    expect(s.backgroundCheckpoints(target)).toBe(false);
  });

  it('answers every waiter of a sync, null on success, the error when the file is gone', async () => {
    t = openTestDb();
    t.db.prepare('CREATE TABLE x (v)').run();
    const s = syncer(t.db, 'off-loop');
    const path = `${t.path}-wal`;
    expect(await Promise.all([syncOnce(s, path), syncOnce(s, path), syncOnce(s, path)])).toEqual([
      null,
      null,
      null,
    ]);
    t.db.close();
    rmSync(path, { force: true });
    expect(await syncOnce(s, path)).toMatchObject({ code: 'ENOENT' });
  });
});
