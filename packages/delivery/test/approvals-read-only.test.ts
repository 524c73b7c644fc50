import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApprovalStore, openApprovalStoreReadOnly } from '../src/index.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-approvals-ro-'));
  path = join(dir, 'worktrain.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const medium = {
  sessionId: 'sess_abc',
  action: { kind: 'push', branch: 'main' },
  tier: 'medium' as const,
  dedupeKey: 'push:1',
  summary: 'push main',
  details: {},
  autoApproveAfterMs: 1000,
};

describe('openApprovalStoreReadOnly', () => {
  it('is null and creates nothing without a database', () => {
    expect(openApprovalStoreReadOnly({ path })._unsafeUnwrap()).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lists without applying a due timeout, and leaves the file byte-identical with no -wal or -shm', async () => {
    const clock = manualClock(1_000_000);
    const writer = openApprovalStore({ path, clock })._unsafeUnwrap();
    (await writer.requestApproval(medium))._unsafeUnwrap();
    writer.close();
    clock.advance(60_000); // well past autoApproveAt
    const before = readFileSync(path);
    const reader = openApprovalStoreReadOnly({ path, clock })._unsafeUnwrap()!;
    expect(
      reader
        .list()
        ._unsafeUnwrap()
        .map((r) => r.state),
    ).toEqual(['pending']);
    expect(reader.settleDue()._unsafeUnwrap()).toEqual([]);
    reader.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
    // A writer applies the timeout as before.
    const again = openApprovalStore({ path, clock })._unsafeUnwrap();
    expect(
      again
        .list()
        ._unsafeUnwrap()
        .map((r) => r.state),
    ).toEqual(['approved']);
    again.close();
  });

  it('opens a file written before the shared migrations table (approval_migrations) and adopts its version', async () => {
    const writer = openApprovalStore({ path })._unsafeUnwrap();
    (await writer.requestApproval({ ...medium, tier: 'high' }))._unsafeUnwrap();
    writer.close();
    // Turn it back into what the old code left: versions only in approval_migrations.
    const db = new Database(path);
    db.exec(
      'CREATE TABLE approval_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);' +
        "INSERT INTO approval_migrations VALUES (1, 'approval requests and audit', 3);" +
        'DROP TABLE worktrain_migrations;',
    );
    db.close();
    const reader = openApprovalStoreReadOnly({ path })._unsafeUnwrap()!;
    expect(reader.list()._unsafeUnwrap()).toHaveLength(1);
    reader.close();
    const reopened = openApprovalStore({ path })._unsafeUnwrap();
    expect(reopened.list()._unsafeUnwrap()).toHaveLength(1);
    reopened.close();
    const check = new Database(path);
    expect(
      check.prepare("SELECT version, applied_at FROM worktrain_migrations WHERE store = 'approvals'").all(),
    ).toEqual([{ version: 1, applied_at: 3 }]);
    check.close();
  });
});
