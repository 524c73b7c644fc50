import { err, ok } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { triggerError } from '../errors.js';
import { type GroupCommitInfo, GroupCommitter } from './group-commit.js';
import { openTestDb, type TestDb } from './test-db.js';
import { WalSyncer } from './wal-sync.js';

let t: TestDb;
let wal: WalSyncer;
afterEach(() => {
  wal.close();
  t.cleanup();
});

function setup(mode: 'off-loop' | 'in-commit' = 'in-commit') {
  t = openTestDb();
  t.db.prepare('CREATE TABLE items (v TEXT)').run();
  wal = new WalSyncer(t.db, mode);
  const commits: GroupCommitInfo[] = [];
  const group = new GroupCommitter(t.db, t.sql, wal, (c) => commits.push(c));
  const insert = (v: string) => t.sql('INSERT INTO items (v) VALUES (?)').run(v);
  const rows = () =>
    (t.db.prepare('SELECT v FROM items ORDER BY rowid').all() as { v: string }[]).map((r) => r.v);
  return { group, commits, insert, rows };
}

describe('GroupCommitter', () => {
  it('commits the calls of one event-loop turn in one transaction and answers each with its result', async () => {
    const { group, commits, insert, rows } = setup();
    const results = await Promise.all(
      ['a', 'b', 'c'].map((v) =>
        group.batch(() => {
          insert(v);
          return ok(v);
        }),
      ),
    );
    expect(results.map((r) => r._unsafeUnwrap())).toEqual(['a', 'b', 'c']);
    expect(rows()).toEqual(['a', 'b', 'c']);
    expect(commits.map((c) => [c.calls, c.syncMs])).toEqual([[3, 0]]);
    expect([group.commitBatches, group.commitBatchCalls]).toEqual([1, 3]);
  });

  it('rolls back a call that throws alone (STORE_IO, hooks dropped); a returned error keeps its writes', async () => {
    const { group, insert, rows } = setup();
    const ran: string[] = [];
    const [good, thrown, failed] = await Promise.all([
      group.batch(() => {
        insert('good');
        group.afterCommit(() => ran.push('good'));
        return ok(1);
      }),
      group.batch(() => {
        insert('thrown');
        group.afterCommit(() => ran.push('thrown'));
        throw new Error('boom');
      }),
      group.batch(() => {
        insert('failed');
        return err(triggerError('STORE_IO', 'no'));
      }),
    ]);
    expect(good.isOk()).toBe(true);
    expect(thrown._unsafeUnwrapErr().code).toBe('STORE_IO');
    expect(failed._unsafeUnwrapErr().message).toBe('no');
    expect(rows()).toEqual(['good', 'failed']);
    expect(ran).toEqual(['good']);
  });

  it('runs afterCommit hooks after the commit and before the caller is answered; at once outside a batch', async () => {
    const { group, insert } = setup();
    const seen: string[] = [];
    const done = group.batch(() => {
      insert('x');
      group.afterCommit(() => seen.push(`hook sees ${t.db.inTransaction ? 'open' : 'committed'}`));
      return ok(undefined);
    });
    await done.then(() => seen.push('answered'));
    expect(seen).toEqual(['hook sees committed', 'answered']);
    group.afterCommit(() => seen.push('now'));
    expect(seen.at(-1)).toBe('now');
  });

  it('with off-loop fsync, commits at NORMAL, fsyncs the WAL, then restores the connection to FULL', async () => {
    const { group, commits, insert } = setup('off-loop');
    const levels: number[] = [];
    await group.batch(() => {
      levels.push(Number(t.db.pragma('synchronous', { simple: true })));
      insert('x');
      return ok(undefined);
    });
    expect(levels).toEqual([1]);
    expect(Number(t.db.pragma('synchronous', { simple: true }))).toBe(2);
    expect(commits[0]?.syncMs).toBeGreaterThan(0);
  });
});
