import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@worktrain/contracts/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteQueue, openSqliteQueueReadOnly } from '../src/index.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-queue-ro-'));
  path = join(dir, 'worktrain.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openSqliteQueueReadOnly', () => {
  it('is null and creates nothing when the database does not exist', () => {
    expect(openSqliteQueueReadOnly({ path })._unsafeUnwrap()).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is null for a WorkTrain database without queue tables, and creates none', () => {
    openDatabase({ path })._unsafeUnwrap().db.close();
    const before = readFileSync(path);
    expect(openSqliteQueueReadOnly({ path })._unsafeUnwrap()).toBeNull();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
  });

  it('reads tasks and stats, refuses writes, and leaves the file byte-identical with no -wal or -shm', async () => {
    const writer = openSqliteQueue({ path })._unsafeUnwrap();
    (await writer.enqueue({ queue: 'q', payload: { n: 1 } }))._unsafeUnwrap();
    await writer.close();
    const before = readFileSync(path);
    const reader = openSqliteQueueReadOnly({ path })._unsafeUnwrap();
    expect(reader).not.toBeNull();
    expect((await reader!.list({}))._unsafeUnwrap()).toHaveLength(1);
    expect((await reader!.stats())._unsafeUnwrap().total.pending).toBe(1);
    expect((await reader!.enqueue({ queue: 'q', payload: {} })).isErr()).toBe(true);
    await reader!.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
  });
});
