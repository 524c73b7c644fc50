import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckpointResult, openTriggerStore, type TriggerStore } from '../src/index.js';

const dirs: string[] = [];
const stores: TriggerStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(fsync?: 'off-loop' | 'in-commit', checkpoints: CheckpointResult[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-group-commit-'));
  dirs.push(dir);
  const commits: Array<{ calls: number; durationMs: number; syncMs: number }> = [];
  const store = openTriggerStore(
    { path: join(dir, 'worktrain.db') },
    {
      onGroupCommit: (c) => commits.push(c),
      onCheckpoint: (r) => checkpoints.push(r),
      ...(fsync ? { fsync } : {}),
    },
  )._unsafeUnwrap();
  stores.push(store);
  return { dir, store, commits };
}

const record = (store: TriggerStore, id: string) => store.batch(() => store.recordDelivery('t', id));

describe('TriggerStore.batch group commit', () => {
  it('off-loop fsync (opt-in): one shared commit, resolved after the WAL fsync, FULL restored', async () => {
    const { store, commits } = open('off-loop');
    const results = await Promise.all(['a', 'b', 'c'].map((id) => record(store, id)));
    expect(results.map((r) => r._unsafeUnwrap())).toEqual([true, true, true]);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.calls).toBe(3);
    expect(commits[0]?.syncMs).toBeGreaterThan(0);
    // Only the shared batch commit runs without SQLite's own fsync; the connection is FULL again.
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    // The rows are committed (a replay is seen as such).
    expect((await record(store, 'a'))._unsafeUnwrap()).toBe(false);
  });

  it('commits made while an fsync runs share the next one, and all resolve', async () => {
    const { store, commits } = open('off-loop');
    const first = record(store, 'x1');
    // Next turn of the event loop: a second group commit while the first fsync may still be in flight.
    await new Promise((r) => setImmediate(r));
    const second = Promise.all([record(store, 'x2'), record(store, 'x3')]);
    expect((await first)._unsafeUnwrap()).toBe(true);
    expect((await second).map((r) => r._unsafeUnwrap())).toEqual([true, true]);
    expect(commits.reduce((a, c) => a + c.calls, 0)).toBe(3);
  });

  it('in-commit fsync (default) keeps SQLite doing the fsync inside COMMIT', async () => {
    const { store, commits } = open();
    expect((await record(store, 'a'))._unsafeUnwrap()).toBe(true);
    expect(commits).toEqual([expect.objectContaining({ calls: 1, syncMs: 0 })]);
  });

  it('acknowledges nothing when the WAL fsync fails (STORE_IO)', async () => {
    const { dir, store } = open('off-loop');
    expect((await record(store, 'warm')).isOk()).toBe(true);
    // The -wal file vanishes under the open connection: SQLite keeps writing to its unlinked inode, and the
    // store cannot fsync the file that path names, so it must not claim durability.
    unlinkSync(join(dir, 'worktrain.db-wal'));
    const r = await record(store, 'lost');
    expect(r.isErr() && r.error.code).toBe('STORE_IO');
    expect(r.isErr() && r.error.message).toMatch(/fsync of the write-ahead log failed/);
  });

  it('checkpoints the WAL on a background connection, never inside the batch commit', async () => {
    const checkpoints: CheckpointResult[] = [];
    const { store } = open('off-loop', checkpoints);
    store.db.pragma('wal_autocheckpoint = 10');
    for (let i = 0; i < 40; i++)
      expect((await record(store, `d${i}-${'x'.repeat(2000)}`))._unsafeUnwrap()).toBe(true);
    // The batch commits ran with auto-checkpoint off; the connection's own setting is back.
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10);
    const done = await waitFor(() => checkpoints.find((c) => c.ok && c.checkpointed > 0), {
      description: 'a background checkpoint that copied frames',
    });
    expect(done.ok).toBe(true);
    expect(checkpoints.filter((c) => !c.ok)).toEqual([]);
  });

  it('in-commit mode runs no background checkpoints', async () => {
    const checkpoints: CheckpointResult[] = [];
    const { store } = open('in-commit', checkpoints);
    for (let i = 0; i < 5; i++) await record(store, `n${i}`);
    expect(checkpoints).toEqual([]);
  });
});
