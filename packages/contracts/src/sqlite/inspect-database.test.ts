import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectDatabase, openDatabase, WORKTRAIN_APPLICATION_ID } from './index.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-inspect-db-'));
  path = join(dir, 'worktrain.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('inspectDatabase', () => {
  it('reports application id, journal mode, size and each store’s version without writing', () => {
    const { db } = openDatabase({
      path,
      migrations: [
        { store: 'notes', migrations: [{ version: 1, name: 'n', sql: 'CREATE TABLE notes (x)' }] },
      ],
    })._unsafeUnwrap();
    db.close();
    const before = readFileSync(path);
    const found = inspectDatabase(path)._unsafeUnwrap();
    expect(found).toMatchObject({
      applicationId: WORKTRAIN_APPLICATION_ID,
      worktrain: true,
      journalMode: 'wal',
      userVersion: 0,
      stores: { notes: 1 },
      legacyTables: {},
      sizeBytes: before.length,
      walBytes: 0,
    });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
  });

  it('lists the versions of legacy per-store migration tables', () => {
    const old = new Database(path);
    old.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
    old.exec(
      'CREATE TABLE queue_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER); INSERT INTO queue_migrations VALUES (2, 0)',
    );
    old.close();
    expect(inspectDatabase(path)._unsafeUnwrap()).toMatchObject({
      stores: {},
      legacyTables: { queue_migrations: 2 },
    });
  });

  it('reports another application’s database as such (not an error)', () => {
    const foreign = new Database(path);
    foreign.pragma('application_id = 7');
    foreign.pragma('user_version = 3');
    foreign.close();
    expect(inspectDatabase(path)._unsafeUnwrap()).toMatchObject({
      applicationId: 7,
      worktrain: false,
      userVersion: 3,
    });
  });

  it('DATABASE_MISSING without a file, DATABASE_FOREIGN for a file that is not SQLite', () => {
    expect(inspectDatabase(path)._unsafeUnwrapErr().code).toBe('DATABASE_MISSING');
    writeFileSync(path, 'not sqlite '.repeat(20));
    expect(inspectDatabase(path)._unsafeUnwrapErr().code).toBe('DATABASE_FOREIGN');
  });
});
