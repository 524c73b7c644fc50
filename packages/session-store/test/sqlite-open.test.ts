import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  createSqliteSessionStore,
  SESSION_STORE_SCHEMA_VERSION,
  WORKTRAIN_APPLICATION_ID,
} from '../src/index.js';
import { created, steer } from './events.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();

describe('opening a SQLite session store', () => {
  it('sets WAL, synchronous=FULL, busy_timeout, foreign_keys and the WorkTrain application_id', () => {
    const path = tempDb();
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    const db = store.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(WORKTRAIN_APPLICATION_ID);
    store.close();
    expect(readFileSync(path).readUInt32BE(68)).toBe(0x57524b54);
  });

  it('sets the pragmas on a connection the caller passes in and leaves it open on close', () => {
    const db = new Database(tempDb());
    db.pragma('synchronous = OFF');
    const store = createSqliteSessionStore({ database: db })._unsafeUnwrap();
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    store.close();
    expect(db.open).toBe(true);
    db.close();
  });

  it('applies migrations once and keeps data across reopenings', async () => {
    const path = tempDb();
    const first = createSqliteSessionStore({ path })._unsafeUnwrap();
    await first.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] });
    first.close();
    const second = createSqliteSessionStore({ path })._unsafeUnwrap();
    expect((await second.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(1);
    const versions = second.database
      .prepare("SELECT version FROM worktrain_migrations WHERE store = 'session-store' ORDER BY version")
      .all();
    expect(versions).toEqual(
      Array.from({ length: SESSION_STORE_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    second.close();
  });

  it('shares a file with other WorkTrain tables (e.g. the queue) that set the application_id', async () => {
    const path = tempDb();
    const other = new Database(path);
    other.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
    other.exec('CREATE TABLE queue_tasks (id TEXT PRIMARY KEY)');
    other.close();
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    expect((await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] })).isOk()).toBe(
      true,
    );
    store.close();
  });

  it('refuses a database of another application and leaves it untouched', () => {
    const path = tempDb();
    const foreign = new Database(path);
    foreign.pragma('application_id = 1234');
    foreign.exec('CREATE TABLE accounts (id INTEGER)');
    foreign.close();
    const r = createSqliteSessionStore({ path });
    expect(r._unsafeUnwrapErr().code).toBe('NOT_A_WORKTRAIN_DATABASE');
    const check = new Database(path, { readonly: true });
    expect(check.pragma('application_id', { simple: true })).toBe(1234);
    expect(check.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all()).toEqual([
      { name: 'accounts' },
    ]);
    check.close();
  });

  it('refuses a non-empty database without an application_id', () => {
    const path = tempDb();
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    expect(createSqliteSessionStore({ path })._unsafeUnwrapErr().code).toBe('NOT_A_WORKTRAIN_DATABASE');
  });

  it('refuses a garbage file without crashing or changing it', () => {
    const path = tempDb();
    const garbage = Buffer.alloc(16_384);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 251;
    writeFileSync(path, garbage);
    const r = createSqliteSessionStore({ path });
    expect(['NOT_A_WORKTRAIN_DATABASE', 'STORE_CORRUPT']).toContain(r._unsafeUnwrapErr().code);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it.each([
    ['pages after the schema overwritten', 'pages'],
    ['the file truncated to half', 'truncate'],
    ['the schema page overwritten', 'page1'],
  ])('reports STORE_CORRUPT, never a crash, for a store with %s', async (_label, damage) => {
    const path = tempDb();
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    let seq = (
      await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] })
    )._unsafeUnwrap().lastSeq;
    for (let i = 0; i < 40; i++) {
      seq = (
        await store.append({ sessionId: 'sess_a', expectedSeq: seq, events: [steer('x'.repeat(3000))] })
      )._unsafeUnwrap().lastSeq;
    }
    store.close(); // checkpoints the WAL into the main file
    const bytes = readFileSync(path);
    if (damage === 'truncate') truncateSync(path, Math.floor(statSync(path).size / 2));
    else {
      const from = damage === 'pages' ? 3 * 4096 : 100;
      const to = damage === 'pages' ? bytes.length : 4096;
      for (let i = from; i < to; i++) bytes[i] = (i * 31) & 255;
      writeFileSync(path, bytes);
    }
    const reopened = createSqliteSessionStore({ path });
    if (reopened.isErr()) {
      expect(reopened.error.code).toBe('STORE_CORRUPT');
      return;
    }
    const damaged = reopened.value;
    expect((await damaged.readEvents('sess_a'))._unsafeUnwrapErr().code).toBe('STORE_CORRUPT');
    expect((await damaged.verify('sess_a'))._unsafeUnwrapErr().code).toBe('STORE_CORRUPT');
    const append = await damaged.append({ sessionId: 'sess_a', expectedSeq: seq, events: [steer('y')] });
    expect(append._unsafeUnwrapErr().code).toBe('STORE_CORRUPT');
    damaged.close();
  });

  it('refuses a database written by a newer schema version', () => {
    const path = tempDb();
    createSqliteSessionStore({ path })._unsafeUnwrap().close();
    const db = new Database(path);
    db.prepare(
      "INSERT INTO worktrain_migrations (store, version, name, applied_at) VALUES ('session-store', ?, 'future', 0)",
    ).run(SESSION_STORE_SCHEMA_VERSION + 1);
    db.close();
    const r = createSqliteSessionStore({ path });
    expect(r._unsafeUnwrapErr()).toMatchObject({
      code: 'NOT_A_WORKTRAIN_DATABASE',
      details: { supported: SESSION_STORE_SCHEMA_VERSION },
    });
  });

  it('reports STORE_IO for a path in a missing directory', () => {
    const r = createSqliteSessionStore({ path: join(tempDb(), 'no', 'such', 'dir.db') });
    expect(r._unsafeUnwrapErr().code).toBe('STORE_IO');
  });

  it('opens an existing store read-only: reads and verifies work, appends fail with STORE_READ_ONLY', async () => {
    const path = tempDb();
    const writer = createSqliteSessionStore({ path })._unsafeUnwrap();
    await writer.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created(), steer('x')] });
    writer.close();
    const reader = createSqliteSessionStore({ path, readonly: true })._unsafeUnwrap();
    const r = await reader.append({ sessionId: 'sess_a', expectedSeq: 2, events: [steer('y')] });
    expect(r._unsafeUnwrapErr().code).toBe('STORE_READ_ONLY');
    expect((await reader.verify('sess_a'))._unsafeUnwrap().ok).toBe(true);
    expect((await reader.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(2);
    reader.close();
  });

  it('reports STORE_READ_ONLY when a new file is opened through a read-only connection', () => {
    const path = tempDb();
    new Database(path).close();
    const readOnly = new Database(path, { readonly: true });
    const r = createSqliteSessionStore({ database: readOnly });
    expect(r._unsafeUnwrapErr().code).toBe('STORE_READ_ONLY');
    readOnly.close();
  });

  it('says a WorkTrain file without session tables (only the queue used it) has schema version 0, read-only', () => {
    const path = tempDb();
    const queueOnly = new Database(path);
    queueOnly.pragma('journal_mode = WAL');
    queueOnly.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
    queueOnly.exec('CREATE TABLE queue_tasks (id TEXT PRIMARY KEY) STRICT');
    queueOnly.close();
    const e = createSqliteSessionStore({ path, readonly: true })._unsafeUnwrapErr();
    expect(e.code).toBe('STORE_READ_ONLY');
    expect(e.details).toEqual({ schemaVersion: 0, supported: SESSION_STORE_SCHEMA_VERSION });
    expect(e.message).toContain('no session store tables yet');
    // Nothing was written: the file still has no session tables.
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name LIKE 'session%'").get()).toEqual(
      { n: 0 },
    );
    check.close();
  });
});
