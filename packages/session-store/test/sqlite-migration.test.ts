import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import { sequentialIds } from '@worktrain/contracts';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  batchDigest,
  createMemorySessionStore,
  createSqliteSessionStore,
  SESSION_STORE_SCHEMA_VERSION,
  WORKTRAIN_APPLICATION_ID,
} from '../src/index.js';
import { advance, blocked, created, node, notes, steer } from './events.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();
const V1_DDL = readFileSync(join(import.meta.dirname, 'fixtures/schema-v1.sql'), 'utf8');
const V2_DDL = readFileSync(join(import.meta.dirname, 'fixtures/schema-v2.sql'), 'utf8');

/** One append of the v1 history: session, optional idempotency key, events. */
interface Batch {
  readonly sessionId: string;
  readonly idempotencyKey?: string;
  readonly events: NewSessionEvent[];
}

const HISTORY: readonly Batch[] = [
  { sessionId: 'sess_parent', idempotencyKey: 'create-parent', events: [created()] },
  {
    sessionId: 'sess_parent',
    idempotencyKey: 'advance-1',
    events: [node('node_1', 'plan'), notes('node_1', 'plan', 'Planned the **migration**')],
  },
  {
    sessionId: 'sess_child',
    events: [
      created({ parentSessionId: 'sess_parent', workflowId: 'wr.quick-task', workspacePath: '/other' }),
    ],
  },
  { sessionId: 'sess_child', events: [node('node_c1', 'work'), blocked('node_c1', 'work')] },
];

/**
 * Builds a database as the v1 code left it: the v1 DDL (fixture), application_id, migration row 1, and the
 * rows the v1 store wrote for {@link HISTORY}; with `version` 2, also the v2 DDL (fixture) and migration row 2 (events and summaries computed by the memory store, which
 * shares the hashing and summary reducer).
 */
async function writeV1Database(path: string, version: 1 | 2 = 1): Promise<Map<string, SessionEvent[]>> {
  const memory = createMemorySessionStore({ ids: sequentialIds(), clock: { now: () => 1_700_000_000_000 } });
  const last = new Map<string, number>();
  for (const b of HISTORY) {
    const r = await memory.append({ ...b, expectedSeq: last.get(b.sessionId) ?? 0 });
    last.set(b.sessionId, r._unsafeUnwrap().lastSeq);
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`application_id = ${WORKTRAIN_APPLICATION_ID}`);
  db.exec(V1_DDL);
  db.exec(
    'CREATE TABLE session_store_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT',
  );
  db.prepare('INSERT INTO session_store_migrations (version, applied_at) VALUES (1, 1700000000000)').run();
  if (version === 2) {
    db.exec(V2_DDL);
    db.prepare('INSERT INTO session_store_migrations (version, applied_at) VALUES (2, 1700000000000)').run();
  }
  const insertEvent = db.prepare(
    'INSERT INTO session_events (session_id, seq, event_id, at, kind, v, idempotency_key, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const logs = new Map<string, SessionEvent[]>();
  for (const sessionId of last.keys()) {
    const events = (await memory.readEvents(sessionId))._unsafeUnwrap() as SessionEvent[];
    logs.set(sessionId, events);
    for (const e of events) {
      insertEvent.run(
        e.sessionId,
        e.seq,
        e.eventId,
        e.at,
        e.kind,
        e.v,
        e.idempotencyKey,
        JSON.stringify(e.data),
        e.prevHash,
        e.hash,
      );
    }
    const s = (await memory.getSummary(sessionId))._unsafeUnwrap();
    db.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      s.sessionId,
      s.workflowId,
      s.workflowHash,
      s.title,
      s.goal,
      s.workspacePath,
      s.parentSessionId,
      s.source,
      s.status,
      s.currentStepId,
      s.headNodeId,
      s.lastSeq,
      s.createdAt,
      // Distinct times so the recency order is visible: the child was updated last.
      sessionId === 'sess_child' ? s.updatedAt + 10 : s.updatedAt,
    );
  }
  let parentSeq = 0;
  for (const b of HISTORY.filter((h) => h.sessionId === 'sess_parent')) {
    const first = parentSeq + 1;
    parentSeq += b.events.length;
    db.prepare('INSERT INTO session_batches VALUES (?, ?, ?, ?, ?)').run(
      b.sessionId,
      b.idempotencyKey,
      first,
      parentSeq,
      batchDigest(b.events),
    );
  }
  db.close();
  return logs;
}

function indexDefinitions(db: Database.Database): Record<string, string> {
  const rows = db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'sessions' AND sql IS NOT NULL",
    )
    .all() as { name: string; sql: string }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.sql.replace(/\s+/g, ' ')]));
}

describe('opening a database written by schema v1', () => {
  it('migrates it to the current schema on open and keeps every session readable, verifiable and appendable', async () => {
    const path = tempDb();
    const logs = await writeV1Database(path);
    const before = new Database(path, { readonly: true });
    expect(indexDefinitions(before).sessions_by_status).toContain('(status, updated_at DESC)');
    before.close();

    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    const db = store.database;
    // The v1 code's session_store_migrations row is adopted into the shared table, then v2… are applied.
    const versions = db
      .prepare("SELECT version FROM worktrain_migrations WHERE store = 'session-store' ORDER BY version")
      .all();
    expect(versions).toEqual(
      Array.from({ length: SESSION_STORE_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    // Only the recency index still holds updated_at; the filter indexes hold just their column.
    const indexes = indexDefinitions(db);
    expect(Object.keys(indexes).sort()).toEqual([
      'sessions_by_no',
      'sessions_by_parent',
      'sessions_by_status',
      'sessions_by_updated',
      'sessions_by_workflow',
      'sessions_by_workspace',
    ]);
    expect(Object.entries(indexes).filter(([, sql]) => sql.includes('updated_at'))).toEqual([
      ['sessions_by_updated', expect.stringContaining('(updated_at DESC, session_id)')],
    ]);
    expect(indexes.sessions_by_status).toContain('ON sessions (status)');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // The old data reads back unchanged and its chains verify.
    for (const [sessionId, events] of logs) {
      expect((await store.readEvents(sessionId))._unsafeUnwrap()).toEqual(events);
      expect((await store.verify(sessionId))._unsafeUnwrap()).toMatchObject({
        ok: true,
        events: events.length,
      });
    }
    // Listing and its filters work on the migrated indexes.
    const listed = (await store.listSessions())._unsafeUnwrap().map((s) => s.sessionId);
    expect(listed).toEqual(['sess_child', 'sess_parent']);
    expect(
      (await store.listSessions({ status: ['blocked'] }))._unsafeUnwrap().map((s) => s.sessionId),
    ).toEqual(['sess_child']);
    expect(
      (await store.listSessions({ parentSessionId: 'sess_parent' }))._unsafeUnwrap().map((s) => s.sessionId),
    ).toEqual(['sess_child']);
    expect((await store.listSessions({ text: 'MIGRATION' }))._unsafeUnwrap().map((s) => s.sessionId)).toEqual(
      ['sess_parent'],
    );

    // An idempotency key recorded by v1 still replays; appends continue the old chains.
    const replay = await store.append({
      sessionId: 'sess_parent',
      expectedSeq: 1,
      idempotencyKey: 'advance-1',
      events: HISTORY[1]!.events,
    });
    expect(replay._unsafeUnwrap()).toMatchObject({ replayed: true, lastSeq: 3 });
    const appended = await store.append({
      sessionId: 'sess_parent',
      expectedSeq: 3,
      events: [node('node_2', 'build'), advance('node_1', 'node_2')],
    });
    expect(appended._unsafeUnwrap().events[0]!.prevHash).toBe(logs.get('sess_parent')![2]!.hash);
    expect(
      (await store.append({ sessionId: 'sess_child', expectedSeq: 3, events: [steer('go on')] })).isOk(),
    ).toBe(true);
    expect((await store.verify('sess_parent'))._unsafeUnwrap()).toMatchObject({ ok: true, events: 5 });
    expect((await store.getSummary('sess_parent'))._unsafeUnwrap()).toMatchObject({
      lastSeq: 5,
      currentStepId: 'build',
      status: 'running',
    });
    store.close();

    // Reopening does not migrate again.
    const again = createSqliteSessionStore({ path })._unsafeUnwrap();
    expect(
      again.database
        .prepare("SELECT count(*) AS n FROM worktrain_migrations WHERE store = 'session-store'")
        .get(),
    ).toEqual({
      n: SESSION_STORE_SCHEMA_VERSION,
    });
    again.close();
  });

  it('leaves a v1 file opened read-only untouched and reports STORE_READ_ONLY', async () => {
    const path = tempDb();
    await writeV1Database(path);
    const r = createSqliteSessionStore({ path, readonly: true });
    expect(r._unsafeUnwrapErr()).toMatchObject({
      code: 'STORE_READ_ONLY',
      details: { schemaVersion: 1, supported: SESSION_STORE_SCHEMA_VERSION },
    });
    expect(r._unsafeUnwrapErr().message).toContain('Open it writable once');
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT max(version) AS v FROM session_store_migrations').get()).toEqual({ v: 1 });
    check.close();
  });

  it('migrates a v2 file to v4: last_seq is dropped from sessions and read from the log', async () => {
    const path = tempDb();
    const logs = await writeV1Database(path, 2);
    const before = new Database(path, { readonly: true });
    expect(sessionColumns(before)).toContain('last_seq');
    before.close();

    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    expect(
      store.database
        .prepare("SELECT version FROM worktrain_migrations WHERE store = 'session-store' ORDER BY version")
        .all(),
    ).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
    expect(sessionColumns(store.database)).not.toContain('last_seq');
    expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const [sessionId, events] of logs) {
      expect((await store.getSummary(sessionId))._unsafeUnwrap().lastSeq).toBe(events.length);
      expect((await store.verify(sessionId))._unsafeUnwrap()).toMatchObject({ ok: true });
    }
    expect((await store.listSessions())._unsafeUnwrap().map((s) => [s.sessionId, s.lastSeq])).toEqual([
      ['sess_child', 3],
      ['sess_parent', 3],
    ]);
    const appended = await store.append({ sessionId: 'sess_child', expectedSeq: 3, events: [steer('on')] });
    expect(appended._unsafeUnwrap().events[0]!.prevHash).toBe(logs.get('sess_child')![2]!.hash);
    expect((await store.getSummary('sess_child'))._unsafeUnwrap()).toMatchObject({
      lastSeq: 4,
      status: 'blocked',
    });
    store.close();
  });
});

describe('schema v4: one b-tree per event', () => {
  it('keys each migrated event by session_no * 2^32 + seq, with no second index over the log', async () => {
    const path = tempDb();
    const logs = await writeV1Database(path, 2);
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    const db = store.database;
    const numbers = new Map(
      (
        db.prepare('SELECT session_id, session_no FROM sessions').all() as {
          session_id: string;
          session_no: number;
        }[]
      ).map((r) => [r.session_id, r.session_no]),
    );
    expect(new Set(numbers.values()).size).toBe(logs.size);
    const rows = db
      .prepare('SELECT event_key, session_id, seq FROM session_events ORDER BY event_key')
      .all() as { event_key: number; session_id: string; seq: number }[];
    expect(rows).toHaveLength([...logs.values()].reduce((n, events) => n + events.length, 0));
    for (const r of rows) expect(r.event_key).toBe(numbers.get(r.session_id)! * 2 ** 32 + r.seq);
    // The only index on the log is the partial one for notes search: appends of other kinds touch one b-tree.
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'session_events'")
      .all() as { name: string; sql: string | null }[];
    expect(indexes.map((i) => i.name)).toEqual(['session_events_outputs']);
    expect(indexes[0]!.sql).toContain("WHERE kind = 'output_appended'");
    store.close();
  });

  it('refuses to migrate a file whose events lack their summary row, and leaves it as it was', async () => {
    const path = tempDb();
    await writeV1Database(path, 2);
    const tamper = new Database(path);
    tamper.prepare("DELETE FROM sessions WHERE session_id = 'sess_child'").run();
    tamper.close();
    const r = createSqliteSessionStore({ path });
    expect(r._unsafeUnwrapErr()).toMatchObject({
      code: 'STORE_CORRUPT',
      details: { sessionId: 'sess_child' },
    });
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT max(version) AS v FROM session_store_migrations').get()).toEqual({ v: 2 });
    expect(sessionColumns(check)).toContain('last_seq');
    check.close();
  });

  it('numbers new sessions above every number in use, even one whose summary row was deleted', async () => {
    const store = createSqliteSessionStore({ path: tempDb() })._unsafeUnwrap();
    await store.append({ sessionId: 'sess_one', expectedSeq: 0, events: [created()] });
    await store.append({ sessionId: 'sess_two', expectedSeq: 0, events: [created()] });
    store.database.prepare("DELETE FROM sessions WHERE session_id = 'sess_two'").run();
    await store.append({ sessionId: 'sess_three', expectedSeq: 0, events: [created(), steer('x')] });
    const numbers = store.database
      .prepare('SELECT session_id, session_no FROM sessions ORDER BY session_no')
      .all();
    expect(numbers).toEqual([
      { session_id: 'sess_one', session_no: 1 },
      { session_id: 'sess_three', session_no: 3 },
    ]);
    expect((await store.readEvents('sess_three'))._unsafeUnwrap().map((e) => e.seq)).toEqual([1, 2]);
    store.close();
  });

  it('writes about one WAL page per single-event append, as a one-b-tree insert does', async () => {
    const path = tempDb();
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    let seq = (
      await store.append({ sessionId: 'sess_pages', expectedSeq: 0, events: [created()] })
    )._unsafeUnwrap().lastSeq;
    for (let i = 0; i < 300; i++) {
      seq = (
        await store.append({ sessionId: 'sess_pages', expectedSeq: seq, events: [steer(`warm ${i}`)] })
      )._unsafeUnwrap().lastSeq;
    }
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    const appends = 400;
    for (let i = 0; i < appends; i++) {
      seq = (
        await store.append({ sessionId: 'sess_pages', expectedSeq: seq, events: [steer(`step ${i}`)] })
      )._unsafeUnwrap().lastSeq;
    }
    const pageSize = Number(store.database.pragma('page_size', { simple: true }));
    const frames = (statSync(`${path}-wal`).size - 32) / (pageSize + 24);
    // Schema v3 wrote 2.3-2.4 pages per append (table leaf + primary-key index leaf); one b-tree needs one
    // leaf page, plus an interior page when a leaf splits and the summary row once a second.
    expect(frames / appends).toBeLessThan(1.5);
    store.close();
  });
});

function sessionColumns(db: Database.Database): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').all('sessions') as { name: string }[]).map(
    (c) => c.name,
  );
}
