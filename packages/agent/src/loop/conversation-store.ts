/**
 * Durable conversation history: the messages of a session's agent loop, appended message by message so a
 * resumed session continues with its history. Port + in-memory adapter + SQLite adapter (table
 * `agent_conversations` in the WorkTrain database file, own migrations table `agent_migrations`).
 */

import { describeThrown, err, makeError, ok, type Result, type WorkTrainError } from '@worktrain/contracts';
import Database from 'better-sqlite3';
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

/** `PRAGMA application_id` of WorkTrain database files ('WRKT'). */
const APPLICATION_ID = 0x57524b54;

const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE agent_conversations (
  session_id TEXT    NOT NULL,
  idx        INTEGER NOT NULL,
  role       TEXT    NOT NULL,
  content    TEXT    NOT NULL,
  PRIMARY KEY (session_id, idx)
) STRICT, WITHOUT ROWID;`,
  },
];

function prepare(db: Database.Database): Result<void, ConversationStoreError> {
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const appId = Number(db.pragma('application_id', { simple: true }));
    if (appId !== 0 && appId !== APPLICATION_ID)
      return err(makeError('NOT_A_WORKTRAIN_DATABASE', `application_id is ${appId}, not WorkTrain's.`));
    db.exec(
      'CREATE TABLE IF NOT EXISTS agent_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT',
    );
    const migrate = db.transaction(() => {
      const row = db.prepare('SELECT MAX(version) AS v FROM agent_migrations').get() as { v: number | null };
      const current = row.v ?? 0;
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        db.exec(m.sql);
        db.prepare('INSERT INTO agent_migrations (version, applied_at) VALUES (?, ?)').run(
          m.version,
          Date.now(),
        );
      }
      if (appId === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    });
    migrate.immediate();
    return ok(undefined);
  } catch (thrown) {
    return err(
      makeError('CONVERSATION_IO', `Cannot prepare the conversation tables: ${describeThrown(thrown)}`),
    );
  }
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
  try {
    db = 'database' in options ? options.database : new Database(options.path);
  } catch (thrown) {
    return err(makeError('CONVERSATION_IO', `Cannot open the database: ${describeThrown(thrown)}`));
  }
  const owned = !('database' in options);
  const prepared = prepare(db);
  if (prepared.isErr()) {
    if (owned) db.close();
    return err(prepared.error);
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
