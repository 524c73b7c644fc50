import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationSet } from './index.js';
import { MIGRATIONS_TABLE, openDatabase, WORKTRAIN_APPLICATION_ID } from './index.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-open-db-'));
  path = join(dir, 'worktrain.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const notes: MigrationSet = {
  store: 'notes',
  migrations: [
    { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)' },
    { version: 2, name: 'note tags', sql: 'ALTER TABLE notes ADD COLUMN tag TEXT' },
  ],
};
const tasks: MigrationSet = {
  store: 'tasks',
  legacyTable: 'tasks_migrations',
  migrations: [{ version: 1, name: 'tasks', sql: 'CREATE TABLE tasks (id TEXT PRIMARY KEY)' }],
};

const rows = (db: Database.Database) =>
  db.prepare(`SELECT store, version, name FROM ${MIGRATIONS_TABLE} ORDER BY store, version`).all();

describe('openDatabase (writable)', () => {
  it('creates the file with WAL, synchronous=FULL, busy_timeout, foreign_keys and the WorkTrain application_id', () => {
    const { db } = openDatabase({ path, migrations: [notes], busyTimeoutMs: 1234 })._unsafeUnwrap();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(WORKTRAIN_APPLICATION_ID);
    db.close();
    expect(readFileSync(path).readUInt32BE(68)).toBe(0x57524b54);
  });

  it('sets synchronous=FULL again on a reopened WAL database', () => {
    openDatabase({ path })._unsafeUnwrap().db.close();
    const { db } = openDatabase({ path })._unsafeUnwrap();
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('applies each store’s migrations and records one row per store and version', () => {
    const opened = openDatabase({ path, migrations: [notes, tasks], now: () => 42 })._unsafeUnwrap();
    expect(opened.versions).toEqual({ notes: 2, tasks: 1 });
    expect(rows(opened.db)).toEqual([
      { store: 'notes', version: 1, name: 'notes' },
      { store: 'notes', version: 2, name: 'note tags' },
      { store: 'tasks', version: 1, name: 'tasks' },
    ]);
    opened.db.close();
  });

  it('lets stores sharing one file migrate separately without clashing', () => {
    openDatabase({ path, migrations: [notes] })
      ._unsafeUnwrap()
      .db.close();
    const second = openDatabase({ path, migrations: [tasks] })._unsafeUnwrap();
    expect(second.versions).toEqual({ tasks: 1 });
    expect(rows(second.db)).toHaveLength(3);
    second.db.close();
    const again = openDatabase({ path, migrations: [notes, tasks] })._unsafeUnwrap();
    expect(rows(again.db)).toHaveLength(3);
    again.db.close();
  });

  it('adopts the versions of a store’s legacy migrations table and keeps its data', () => {
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
    old.exec(
      "CREATE TABLE tasks (id TEXT PRIMARY KEY); INSERT INTO tasks VALUES ('t1');" +
        'CREATE TABLE tasks_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);' +
        "INSERT INTO tasks_migrations VALUES (1, 'tasks', 7);",
    );
    old.close();
    const twoSteps: MigrationSet = {
      ...tasks,
      migrations: [
        ...tasks.migrations,
        { version: 2, name: 'task titles', sql: 'ALTER TABLE tasks ADD COLUMN title TEXT' },
      ],
    };
    const { db, versions } = openDatabase({ path, migrations: [twoSteps], now: () => 9 })._unsafeUnwrap();
    expect(versions).toEqual({ tasks: 2 });
    expect(db.prepare(`SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE}`).all()).toEqual([
      { version: 1, name: 'tasks', applied_at: 7 },
      { version: 2, name: 'task titles', applied_at: 9 },
    ]);
    expect(db.prepare('SELECT id, title FROM tasks').all()).toEqual([{ id: 't1', title: null }]);
    // Left as it was, for an older WorkTrain opening the file.
    expect(db.prepare('SELECT max(version) AS v FROM tasks_migrations').get()).toEqual({ v: 1 });
    db.close();
  });

  it('refuses another application’s database (DATABASE_FOREIGN) and leaves it alone', () => {
    const foreign = new Database(path);
    foreign.pragma('application_id = 1234');
    foreign.exec('CREATE TABLE theirs (x)');
    foreign.close();
    const e = openDatabase({ path, migrations: [notes] })._unsafeUnwrapErr();
    expect(e.code).toBe('DATABASE_FOREIGN');
    expect(e.details).toMatchObject({ applicationId: 1234 });
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all()).toEqual([
      { name: 'theirs' },
    ]);
    check.close();
  });

  it('refuses a database that holds tables without an application_id', () => {
    const unmarked = new Database(path);
    unmarked.exec('CREATE TABLE t (x)');
    unmarked.close();
    expect(openDatabase({ path })._unsafeUnwrapErr().code).toBe('DATABASE_FOREIGN');
  });

  it('refuses a file that is not SQLite', () => {
    writeFileSync(path, 'hello, this is not a database at all, not even close to one...'.repeat(3));
    expect(openDatabase({ path })._unsafeUnwrapErr().code).toBe('DATABASE_FOREIGN');
  });

  it('refuses a store schema newer than the code knows (DATABASE_TOO_NEW)', () => {
    openDatabase({ path, migrations: [notes] })
      ._unsafeUnwrap()
      .db.close();
    const older: MigrationSet = { store: 'notes', migrations: notes.migrations.slice(0, 1) };
    const e = openDatabase({ path, migrations: [older] })._unsafeUnwrapErr();
    expect(e).toMatchObject({
      code: 'DATABASE_TOO_NEW',
      details: { store: 'notes', version: 2, supported: 1 },
    });
  });

  it('applies nothing of a run whose precheck refuses (MIGRATION_REFUSED)', () => {
    const refused: MigrationSet = {
      store: 'notes',
      migrations: [
        notes.migrations[0]!,
        {
          version: 2,
          name: 'x',
          sql: 'SELECT 1',
          precheck: () => ({ message: 'no', details: { why: 'test' } }),
        },
      ],
    };
    const e = openDatabase({ path, migrations: [refused] })._unsafeUnwrapErr();
    expect(e).toMatchObject({
      code: 'MIGRATION_REFUSED',
      details: { why: 'test', store: 'notes', version: 2 },
    });
    const check = new Database(path);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'notes'").get()).toEqual({
      n: 0,
    });
    check.close();
  });

  it('applies nothing of a run whose SQL fails (MIGRATION_FAILED)', () => {
    const broken: MigrationSet = {
      store: 'notes',
      migrations: [
        notes.migrations[0]!,
        { version: 2, name: 'broken', sql: 'ALTER TABLE nowhere ADD COLUMN x' },
      ],
    };
    const e = openDatabase({ path, migrations: [broken] })._unsafeUnwrapErr();
    expect(e).toMatchObject({ code: 'MIGRATION_FAILED', details: { store: 'notes', version: 2 } });
    const check = new Database(path);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'notes'").get()).toEqual({
      n: 0,
    });
    check.close();
  });

  it('reports DATABASE_LOCKED when another connection holds the write lock past busy_timeout', () => {
    openDatabase({ path })._unsafeUnwrap().db.close();
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    const e = openDatabase({ path, migrations: [notes], busyTimeoutMs: 0 })._unsafeUnwrapErr();
    expect(e.code).toBe('DATABASE_LOCKED');
    holder.exec('ROLLBACK');
    holder.close();
  });
});

describe('openDatabase (readOnly)', () => {
  it('reports DATABASE_MISSING and creates nothing when the file does not exist', () => {
    expect(openDatabase({ path, readOnly: true, migrations: [notes] })._unsafeUnwrapErr().code).toBe(
      'DATABASE_MISSING',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads without writing: main file byte-identical, no -wal or -shm left, nothing migrated', () => {
    openDatabase({ path, migrations: [notes] })
      ._unsafeUnwrap()
      .db.close();
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
    const before = readFileSync(path);
    const opened = openDatabase({ path, readOnly: true, migrations: [notes, tasks] })._unsafeUnwrap();
    expect(opened.versions).toEqual({ notes: 2, tasks: 0 });
    expect(opened.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
    expect(() => opened.db.exec("INSERT INTO notes (body) VALUES ('x')")).toThrow(/readonly|read-only/i);
    opened.db.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
  });

  it('reads a database a writer holds open, and leaves the writer’s -wal and the main file alone', () => {
    const writer = openDatabase({ path, migrations: [notes] })._unsafeUnwrap().db;
    writer.prepare("INSERT INTO notes (body) VALUES ('hi')").run();
    const before = readFileSync(path);
    const reader = openDatabase({ path, readOnly: true, migrations: [notes] })._unsafeUnwrap().db;
    expect(reader.prepare('SELECT body FROM notes').all()).toEqual([{ body: 'hi' }]);
    reader.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(true);
    writer.close();
  });

  it('reports the older version of a store instead of migrating it', () => {
    const older: MigrationSet = { store: 'notes', migrations: notes.migrations.slice(0, 1) };
    openDatabase({ path, migrations: [older] })
      ._unsafeUnwrap()
      .db.close();
    const opened = openDatabase({ path, readOnly: true, migrations: [notes] })._unsafeUnwrap();
    expect(opened.versions).toEqual({ notes: 1 });
    opened.db.close();
  });

  it('accepts an empty file (nothing yet) without stamping it', () => {
    writeFileSync(path, '');
    const opened = openDatabase({ path, readOnly: true, migrations: [notes] })._unsafeUnwrap();
    expect(opened.versions).toEqual({ notes: 0 });
    opened.db.close();
    expect(readFileSync(path).length).toBe(0);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
  });

  it('refuses another application’s database', () => {
    const foreign = new Database(path);
    foreign.pragma('application_id = 99');
    foreign.close();
    expect(openDatabase({ path, readOnly: true })._unsafeUnwrapErr().code).toBe('DATABASE_FOREIGN');
  });
});
