/**
 * Session seals in the WorkTrain database (store `session_seal` of `worktrain_migrations`, table
 * `session_seals`), beside the proof tables. One row per sealed head `(sessionId, seq)`: sealing the same
 * head again is a no-op, a later head adds a row (the highest seq is the current seal; earlier ones keep
 * verifying the prefix they cover).
 */
import { err, ok, type Result } from '@worktrain/contracts';
import { type MigrationSet, openDatabase } from '@worktrain/contracts/sqlite';
import type BetterSqlite3 from 'better-sqlite3';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import type { SigningKeyring } from '../signing/keyring.js';
import { type SessionHead, type SessionSeal, signSessionHead } from './seal.js';

/** The schema of the session seal table. */
export const SESSION_SEAL_MIGRATION_SET: MigrationSet = {
  store: 'session_seal',
  migrations: [
    {
      version: 1,
      name: 'session chain-head seals',
      sql: `
        CREATE TABLE IF NOT EXISTS session_seals (
          session_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          key_id TEXT NOT NULL,
          body TEXT NOT NULL,
          PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID;
      `,
    },
  ],
};

/** The session seal store port. */
export interface SessionSealStore {
  /**
   * Stores `seal` unless a seal of the same head is stored already; returns the stored seal and whether
   * this call wrote it. Errors: SESSION_SEAL_CONFLICT (a seal of that seq over another hash is stored:
   * the log changed under it), SESSION_SEAL_STORE_IO.
   */
  put(seal: SessionSeal): Result<{ seal: SessionSeal; created: boolean }, CoordinatorError>;
  /**
   * The stored seals of `sessionId` as stored (unverified, unparsed: the verifier checks them), by seq.
   * Empty when there are none or the table does not exist (a read-only open of an older database).
   * Errors: SESSION_SEAL_STORE_IO.
   */
  read(sessionId: string): Result<readonly unknown[], CoordinatorError>;
  close(): void;
}

/** Options of {@link openSqliteSessionSealStore}. */
export interface SqliteSessionSealStoreOptions {
  /** The WorkTrain database, normally `$WORKTRAIN_HOME/worktrain.db`. */
  readonly path: string;
  /** Read commands (`sessions verify`, `verify`): nothing is created, migrated or written. */
  readonly readOnly?: boolean;
}

const ioError = (path: string, e: unknown): CoordinatorError =>
  coordinatorError(
    'SESSION_SEAL_STORE_IO',
    `The session seal store ${path} failed: ${(e as Error).message}`,
    {
      path,
      cause: (e as Error).message,
    },
  );

/**
 * Opens the session seal store (writable: creates the table through the migration set). Errors:
 * SESSION_SEAL_STORE_IO (details.dbCode is the database error's code: DATABASE_MISSING for a read-only open
 * of a missing file).
 */
export function openSqliteSessionSealStore(
  options: SqliteSessionSealStoreOptions,
): Result<SessionSealStore, CoordinatorError> {
  const { path } = options;
  const readOnly = options.readOnly ?? false;
  const opened = openDatabase({ path, readOnly, migrations: readOnly ? [] : [SESSION_SEAL_MIGRATION_SET] });
  if (opened.isErr())
    return err(
      coordinatorError(
        'SESSION_SEAL_STORE_IO',
        `The session seal store ${path} cannot be opened: ${opened.error.message}`,
        { path, dbCode: opened.error.code },
      ),
    );
  const db: BetterSqlite3.Database = opened.value.db;
  const hasTable = (): boolean =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_seals'").get() !==
    undefined;

  return ok({
    put(seal) {
      try {
        return db
          .transaction((): Result<{ seal: SessionSeal; created: boolean }, CoordinatorError> => {
            const row = db
              .prepare('SELECT body FROM session_seals WHERE session_id = ? AND seq = ?')
              .get(seal.sessionId, seal.seq) as { body: string } | undefined;
            if (row !== undefined) {
              const stored = JSON.parse(row.body) as SessionSeal;
              if (stored.headHash === seal.headHash) return ok({ seal: stored, created: false });
              return err(
                coordinatorError(
                  'SESSION_SEAL_CONFLICT',
                  `Session ${seal.sessionId} was sealed at seq ${seal.seq} over another hash: its log changed after it was sealed.`,
                  { sessionId: seal.sessionId, seq: seal.seq, sealed: stored.headHash, now: seal.headHash },
                ),
              );
            }
            db.prepare('INSERT INTO session_seals (session_id, seq, key_id, body) VALUES (?, ?, ?, ?)').run(
              seal.sessionId,
              seal.seq,
              seal.keyId,
              JSON.stringify(seal),
            );
            return ok({ seal, created: true });
          })
          .immediate();
      } catch (e) {
        return err(ioError(path, e));
      }
    },
    read(sessionId) {
      try {
        if (!hasTable()) return ok([]);
        const rows = db
          .prepare('SELECT body FROM session_seals WHERE session_id = ? ORDER BY seq')
          .all(sessionId) as { body: string }[];
        const seals: unknown[] = [];
        for (const row of rows) {
          try {
            seals.push(JSON.parse(row.body));
          } catch {
            seals.push(row.body); // fails the verifier's schema check, as it should
          }
        }
        return ok(seals);
      } catch (e) {
        return err(ioError(path, e));
      }
    },
    close() {
      db.close();
    },
  });
}

/**
 * Seals `head` with the keyring's current key and stores it: `sealSessionHead(store, {sessionId, seq,
 * headHash}, keyring)`. Idempotent (the same head twice writes once). The caller passes a head it has
 * just verified (`SessionStore.verify`), so a broken chain is never signed. `now` gives the seal's time
 * (default the system clock). Errors: SESSION_SEAL_CONFLICT, SESSION_SEAL_STORE_IO.
 */
export function sealSessionHead(
  store: SessionSealStore,
  head: SessionHead,
  keyring: Pick<SigningKeyring, 'sign'>,
  now: () => Date = () => new Date(),
): Result<{ seal: SessionSeal; created: boolean }, CoordinatorError> {
  return store.put(signSessionHead(head, keyring.sign, now().toISOString()));
}
