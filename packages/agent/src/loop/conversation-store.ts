/**
 * Durable conversation history: the messages of a session's agent loop, appended message by message so a
 * resumed session continues with its history. Port + in-memory adapter + SQLite adapter (table
 * `agent_conversations` in the WorkTrain database file, opened and migrated by `@worktrain/contracts/sqlite`).
 */

import { describeThrown, err, makeError, ok, type Result, type WorkTrainError } from '@worktrain/contracts';
import {
  type DatabaseError,
  type MigrationSet,
  openDatabase,
  prepareDatabase,
} from '@worktrain/contracts/sqlite';
import type Database from 'better-sqlite3';
import { type ModelMessage, ModelMessageSchema } from '../model/provider.js';

export type ConversationStoreErrorCode =
  | 'CONVERSATION_IO'
  | 'CONVERSATION_CORRUPT'
  | 'CONVERSATION_CONFLICT'
  | 'NOT_A_WORKTRAIN_DATABASE';
export type ConversationStoreError = WorkTrainError<ConversationStoreErrorCode>;

/** The conversation port. `append` is positional: `fromIndex` must equal the stored message count. */
export interface ConversationStore {
  load(sessionId: string): Result<ModelMessage[], ConversationStoreError>;
  /**
   * Appends `messages` at position `fromIndex` (0-based) in one transaction. CONVERSATION_CONFLICT when
   * the stored count differs (another process continued the session).
   */
  append(
    sessionId: string,
    fromIndex: number,
    messages: readonly ModelMessage[],
  ): Result<void, ConversationStoreError>;
}

/** In-memory adapter (tests, the offline demo without a database). */
export function createMemoryConversationStore(): ConversationStore {
  const data = new Map<string, ModelMessage[]>();
  return {
    load: (sessionId) => ok([...(data.get(sessionId) ?? [])]),
    append: (sessionId, fromIndex, messages) => {
      const current = data.get(sessionId) ?? [];
      if (current.length !== fromIndex)
        return err(
          makeError(
            'CONVERSATION_CONFLICT',
            `Expected ${fromIndex} stored messages, found ${current.length}.`,
          ),
        );
      data.set(sessionId, [...current, ...messages.map((m) => structuredClone(m))]);
      return ok(undefined);
    },
  };
}

/**
 * The conversation table's schema, recorded as store `agent` in `worktrain_migrations` (before that table
 * existed: in `agent_migrations`, adopted on the first writable open).
 */
export const CONVERSATION_MIGRATION_SET: MigrationSet = {
  store: 'agent',
  legacyTable: 'agent_migrations',
  migrations: [
    {
      version: 1,
      name: 'conversations',
      sql: `
CREATE TABLE agent_conversations (
  session_id TEXT    NOT NULL,
  idx        INTEGER NOT NULL,
  role       TEXT    NOT NULL,
  content    TEXT    NOT NULL,
  PRIMARY KEY (session_id, idx)
) STRICT, WITHOUT ROWID;`,
    },
  ],
};

function fromDatabaseError(error: DatabaseError): ConversationStoreError {
  const details = { ...error.details, databaseCode: error.code };
  return error.code === 'DATABASE_FOREIGN' || error.code === 'DATABASE_TOO_NEW'
    ? makeError('NOT_A_WORKTRAIN_DATABASE', error.message, details)
    : makeError('CONVERSATION_IO', `Cannot prepare the conversation tables: ${error.message}`, details);
}

/**
 * SQLite adapter. Pass `database` to share a connection (e.g. the session store's; the caller closes it)
 * or `path` to open one (closed by `close()`). Durable once `append` returns (WAL + synchronous=FULL).
 * Errors: NOT_A_WORKTRAIN_DATABASE, CONVERSATION_IO.
 */
export function createSqliteConversationStore(
  options: { readonly database: Database.Database } | { readonly path: string },
): Result<ConversationStore & { close(): void }, ConversationStoreError> {
  let db: Database.Database;
  const owned = !('database' in options);
  if ('database' in options) {
    db = options.database;
    const prepared = prepareDatabase(db, { path: db.name, migrations: [CONVERSATION_MIGRATION_SET] });
    if (prepared.isErr()) return err(fromDatabaseError(prepared.error));
  } else {
    const opened = openDatabase({ path: options.path, migrations: [CONVERSATION_MIGRATION_SET] });
    if (opened.isErr()) return err(fromDatabaseError(opened.error));
    db = opened.value.db;
  }
  const selectAll = db.prepare(
    'SELECT idx, role, content FROM agent_conversations WHERE session_id = ? ORDER BY idx',
  );
  const count = db.prepare('SELECT COUNT(*) AS n FROM agent_conversations WHERE session_id = ?');
  const insert = db.prepare(
    'INSERT INTO agent_conversations (session_id, idx, role, content) VALUES (?, ?, ?, ?)',
  );
  const appendTx = db.transaction(
    (sessionId: string, fromIndex: number, messages: readonly ModelMessage[]) => {
      const n = (count.get(sessionId) as { n: number }).n;
      if (n !== fromIndex) return n;
      for (const [i, m] of messages.entries())
        insert.run(sessionId, fromIndex + i, m.role, JSON.stringify(m.content));
      return -1;
    },
  );
  return ok({
    load(sessionId) {
      try {
        const rows = selectAll.all(sessionId) as { idx: number; role: string; content: string }[];
        const out: ModelMessage[] = [];
        for (const row of rows) {
          const parsed = ModelMessageSchema.safeParse({ role: row.role, content: JSON.parse(row.content) });
          if (!parsed.success || row.idx !== out.length)
            return err(
              makeError('CONVERSATION_CORRUPT', `Stored message ${row.idx} of ${sessionId} is damaged.`),
            );
          out.push(parsed.data);
        }
        return ok(out);
      } catch (thrown) {
        return err(
          makeError(
            'CONVERSATION_CORRUPT',
            `Cannot read the conversation of ${sessionId}: ${describeThrown(thrown)}`,
          ),
        );
      }
    },
    append(sessionId, fromIndex, messages) {
      try {
        const found = appendTx.immediate(sessionId, fromIndex, messages);
        return found === -1
          ? ok(undefined)
          : err(makeError('CONVERSATION_CONFLICT', `Expected ${fromIndex} stored messages, found ${found}.`));
      } catch (thrown) {
        return err(makeError('CONVERSATION_IO', `Cannot store the conversation: ${describeThrown(thrown)}`));
      }
    },
    close() {
      if (owned && db.open) db.close();
    },
  });
}
