import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelMessage } from '../model/provider.js';
import { createMemoryConversationStore, createSqliteConversationStore } from './conversation-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-conv-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const m1: ModelMessage = { role: 'user', content: [{ type: 'text', text: 'Step id: a' }] };
const m2: ModelMessage = {
  role: 'assistant',
  content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' } }],
};
const m3: ModelMessage = {
  role: 'user',
  content: [{ type: 'tool_result', toolUseId: 't1', content: 'ok', isError: false }],
};

describe.each([
  ['sqlite', () => createSqliteConversationStore({ path: join(dir, 'worktrain.db') })._unsafeUnwrap()],
  ['memory', () => createMemoryConversationStore()],
])('%s conversation store', (_name, make) => {
  it('appends positionally, loads in order and refuses a stale position', () => {
    const store = make();
    expect(store.append('s1', 0, [m1, m2])._unsafeUnwrap()).toBeUndefined();
    expect(store.append('s1', 2, [m3]).isOk()).toBe(true);
    expect(store.append('s1', 2, [m3])._unsafeUnwrapErr().code).toBe('CONVERSATION_CONFLICT');
    expect(store.load('s1')._unsafeUnwrap()).toEqual([m1, m2, m3]);
    expect(store.load('other')._unsafeUnwrap()).toEqual([]);
  });
});

describe('sqlite conversation store', () => {
  it('survives reopening, marks the file as WorkTrain and tracks its migrations', () => {
    const path = join(dir, 'worktrain.db');
    const a = createSqliteConversationStore({ path })._unsafeUnwrap();
    a.append('s1', 0, [m1]);
    a.close();
    const b = createSqliteConversationStore({ path })._unsafeUnwrap();
    expect(b.load('s1')._unsafeUnwrap()).toEqual([m1]);
    b.close();
    const db = new Database(path);
    expect(db.pragma('application_id', { simple: true })).toBe(0x57524b54);
    expect(db.prepare("SELECT version FROM worktrain_migrations WHERE store = 'agent'").all()).toEqual([
      { version: 1 },
    ]);
    db.close();
  });

  it('opens a file written by the code before the shared migrations table and keeps its history', () => {
    const path = join(dir, 'worktrain.db');
    // As the old adapter left it: its own agent_migrations table, WAL, the WorkTrain application_id.
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec(
      'CREATE TABLE agent_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;' +
        'CREATE TABLE agent_conversations (session_id TEXT NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (session_id, idx)) STRICT, WITHOUT ROWID;' +
        'INSERT INTO agent_migrations VALUES (1, 5);',
    );
    old
      .prepare('INSERT INTO agent_conversations VALUES (?, 0, ?, ?)')
      .run('s1', m1.role, JSON.stringify(m1.content));
    old.pragma('application_id = 1465011028');
    old.close();
    const store = createSqliteConversationStore({ path })._unsafeUnwrap();
    expect(store.load('s1')._unsafeUnwrap()).toEqual([m1]);
    store.close();
    const check = new Database(path);
    expect(
      check.prepare("SELECT version, applied_at FROM worktrain_migrations WHERE store = 'agent'").all(),
    ).toEqual([{ version: 1, applied_at: 5 }]);
    check.close();
  });

  it('refuses a foreign database and reports a damaged row', () => {
    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.pragma('application_id = 1234');
    db.close();
    expect(createSqliteConversationStore({ path: foreign })._unsafeUnwrapErr().code).toBe(
      'NOT_A_WORKTRAIN_DATABASE',
    );
    const path = join(dir, 'worktrain.db');
    const store = createSqliteConversationStore({ path })._unsafeUnwrap();
    store.append('s1', 0, [m1]);
    const raw = new Database(path);
    raw.prepare("UPDATE agent_conversations SET content = 'not json' WHERE session_id = 's1'").run();
    raw.close();
    expect(store.load('s1')._unsafeUnwrapErr().code).toBe('CONVERSATION_CORRUPT');
    store.close();
  });
});
