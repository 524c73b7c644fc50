import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SqliteSessionStore } from '../src/index.js';
import { createSqliteSessionStore } from '../src/index.js';
import { describeSessionStoreConformance } from './conformance.js';

describeSessionStoreConformance('sqlite', async ({ clock, ids, maxEventBytes }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wt-session-store-'));
  const path = join(dir, 'worktrain.db');
  const opened: SqliteSessionStore[] = [];
  const open = (): SqliteSessionStore => {
    const store = createSqliteSessionStore({ path, clock, ids, maxEventBytes })._unsafeUnwrap();
    opened.push(store);
    return store;
  };
  const store = open();
  return {
    store,
    openPeer: open,
    tamperEventData: async (sessionId, seq, data) => {
      const attacker = new Database(path);
      attacker
        .prepare('UPDATE session_events SET data = ? WHERE session_id = ? AND seq = ?')
        .run(JSON.stringify(data), sessionId, seq);
      attacker.close();
      return store;
    },
    cleanup: async () => {
      for (const s of opened) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
