/**
 * Proof records in the WorkTrain database (store `proof` of `worktrain_migrations`). Each append runs in one
 * `BEGIN IMMEDIATE` transaction that reads the head, writes the next entry and its seal: every committed
 * head is sealed, so a crash can leave no unsealed entry. Appends carry an idempotency key; replaying an
 * append (a coordinator resumed after SIGKILL) returns the entry already written instead of a second one.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import { type MigrationSet, openDatabase } from '@worktrain/contracts/sqlite';
import type BetterSqlite3 from 'better-sqlite3';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import { nextProofEntry, sealProof } from './chain.js';
import {
  type ProofEntry,
  type ProofEntryInput,
  ProofEntrySchema,
  type ProofSeal,
  ProofSealSchema,
  type ProofSubject,
} from './schema.js';

/** The schema of the proof tables. */
export const PROOF_MIGRATION_SET: MigrationSet = {
  store: 'proof',
  migrations: [
    {
      version: 1,
      name: 'proof records, entries and seals',
      sql: `
        CREATE TABLE IF NOT EXISTS proof_records (
          proof_id TEXT PRIMARY KEY,
          repo TEXT NOT NULL,
          branch TEXT NOT NULL,
          pull_request_url TEXT,
          pipeline_id TEXT,
          session_id TEXT,
          head_seq INTEGER NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS proof_records_pr ON proof_records (pull_request_url);
        CREATE INDEX IF NOT EXISTS proof_records_session ON proof_records (session_id);
        CREATE INDEX IF NOT EXISTS proof_records_pipeline ON proof_records (pipeline_id);
        CREATE TABLE IF NOT EXISTS proof_entries (
          proof_id TEXT NOT NULL REFERENCES proof_records (proof_id),
          seq INTEGER NOT NULL,
          idempotency_key TEXT,
          body TEXT NOT NULL,
          PRIMARY KEY (proof_id, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS proof_entries_idem ON proof_entries (proof_id, idempotency_key)
          WHERE idempotency_key IS NOT NULL;
        CREATE TABLE IF NOT EXISTS proof_seals (
          proof_id TEXT NOT NULL REFERENCES proof_records (proof_id),
          seq INTEGER NOT NULL,
          key_id TEXT NOT NULL,
          body TEXT NOT NULL,
          PRIMARY KEY (proof_id, seq, key_id)
        ) WITHOUT ROWID;
      `,
    },
  ],
};

/** A stored record: its entries in order and its seals. */
export interface StoredProof {
  readonly proofId: string;
  readonly entries: readonly ProofEntry[];
  readonly seals: readonly ProofSeal[];
}

/** Where to find records: by PR/MR URL, by a session of the change, or by pipeline. */
export type ProofLookup =
  | { readonly pullRequestUrl: string }
  | { readonly sessionId: string }
  | { readonly pipelineId: string };

/** The proof store port. */
export interface ProofStore {
  /**
   * Starts a record with its `opened` entry (sealed). Idempotent on `proofId`: opening an existing record
   * returns its first entry. Errors: PROOF_STORE_IO, PROOF_INVALID.
   */
  open(
    proofId: string,
    subject: ProofSubject,
    actor: ProofEntryInput['actor'],
  ): Result<ProofEntry, CoordinatorError>;
  /**
   * Appends and seals one entry. `idempotencyKey` makes a replay return the entry already written;
   * `expectedSeq` (the head the caller saw) makes a concurrent append fail with PROOF_SEQ_CONFLICT.
   * Errors: PROOF_NOT_FOUND, PROOF_SEQ_CONFLICT, PROOF_STORE_IO, PROOF_INVALID.
   */
  append(
    proofId: string,
    input: ProofEntryInput,
    options?: { readonly idempotencyKey?: string; readonly expectedSeq?: number },
  ): Result<ProofEntry, CoordinatorError>;
  /** The record as stored (unverified). Errors: PROOF_NOT_FOUND, PROOF_STORE_IO, PROOF_INVALID. */
  read(proofId: string): Result<StoredProof, CoordinatorError>;
  /** Ids of the records matching `lookup`, oldest first. Errors: PROOF_STORE_IO. */
  find(lookup: ProofLookup): Result<readonly string[], CoordinatorError>;
  close(): void;
}

/** Options of {@link openSqliteProofStore}. */
export interface SqliteProofStoreOptions {
  /** The WorkTrain database, normally `$WORKTRAIN_HOME/worktrain.db`. */
  readonly path: string;
  /** Signs each new head (a `SigningKeyring`'s `sign`); required unless `readOnly`. */
  readonly sign?: (message: Buffer) => { keyId: string; signature: string };
  /** Read commands (`worktrain verify`): nothing is created or written. */
  readonly readOnly?: boolean;
  /** ISO time of entries and seals. Default: the system clock. */
  readonly now?: () => Date;
}

const ioError = (path: string, e: unknown): CoordinatorError =>
  coordinatorError('PROOF_STORE_IO', `The proof store ${path} failed: ${(e as Error).message}`, {
    path,
    cause: (e as Error).message,
  });

/**
 * Opens the proof store. Errors: PROOF_STORE_IO (with the database error's code in details.dbCode; a
 * read-only open of a missing file or a database without proof tables is PROOF_NOT_FOUND on read instead).
 */
export function openSqliteProofStore(options: SqliteProofStoreOptions): Result<ProofStore, CoordinatorError> {
  const { path } = options;
  const readOnly = options.readOnly ?? false;
  const opened = openDatabase({ path, readOnly, migrations: readOnly ? [] : [PROOF_MIGRATION_SET] });
  if (opened.isErr())
    return err(
      coordinatorError(
        'PROOF_STORE_IO',
        `The proof store ${path} cannot be opened: ${opened.error.message}`,
        {
          path,
          dbCode: opened.error.code,
        },
      ),
    );
  const db: BetterSqlite3.Database = opened.value.db;
  const now = options.now ?? (() => new Date());
  const hasTables = (): boolean =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'proof_entries'").get() !==
    undefined;

  const parseEntries = (
    proofId: string,
    rows: { body: string }[],
  ): Result<ProofEntry[], CoordinatorError> => {
    const entries: ProofEntry[] = [];
    for (const row of rows) {
      const parsed = ProofEntrySchema.safeParse(JSON.parse(row.body));
      if (!parsed.success)
        return err(
          coordinatorError('PROOF_INVALID', `A stored entry of ${proofId} does not parse.`, {
            proofId,
            issues: parsed.error.issues.map((i) => i.message),
          }),
        );
      entries.push(parsed.data);
    }
    return ok(entries);
  };

  const head = (proofId: string): Result<ProofEntry | undefined, CoordinatorError> => {
    const row = db
      .prepare('SELECT body FROM proof_entries WHERE proof_id = ? ORDER BY seq DESC LIMIT 1')
      .get(proofId) as { body: string } | undefined;
    if (row === undefined) return ok(undefined);
    return parseEntries(proofId, [row]).map((e) => e[0]);
  };

  const write = (entry: ProofEntry, idempotencyKey: string | null): void => {
    if (options.sign === undefined) throw new Error('openSqliteProofStore: appending needs `sign`');
    const seal = sealProof(entry, options.sign, now().toISOString());
    db.prepare('INSERT INTO proof_entries (proof_id, seq, idempotency_key, body) VALUES (?, ?, ?, ?)').run(
      entry.proofId,
      entry.seq,
      idempotencyKey,
      JSON.stringify(entry),
    );
    db.prepare('INSERT INTO proof_seals (proof_id, seq, key_id, body) VALUES (?, ?, ?, ?)').run(
      seal.proofId,
      seal.seq,
      seal.keyId,
      JSON.stringify(seal),
    );
    db.prepare('UPDATE proof_records SET head_seq = ? WHERE proof_id = ?').run(entry.seq, entry.proofId);
  };

  const store: ProofStore = {
    open(proofId, subject, actor) {
      try {
        return db
          .transaction((): Result<ProofEntry, CoordinatorError> => {
            const first = db
              .prepare('SELECT body FROM proof_entries WHERE proof_id = ? AND seq = 0')
              .get(proofId) as { body: string } | undefined;
            if (first !== undefined) return parseEntries(proofId, [first]).map((e) => e[0] as ProofEntry);
            const entry = nextProofEntry(
              proofId,
              undefined,
              { gate: 'opened', verdict: 'info', actor, subject },
              now().toISOString(),
            );
            db.prepare(
              'INSERT INTO proof_records (proof_id, repo, branch, pull_request_url, pipeline_id, session_id, head_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)',
            ).run(
              proofId,
              subject.repo,
              subject.branch,
              subject.pullRequestUrl ?? null,
              subject.pipelineId ?? null,
              subject.sessionId ?? null,
              entry.at,
            );
            write(entry, 'opened');
            return ok(entry);
          })
          .immediate();
      } catch (e) {
        return err(ioError(path, e));
      }
    },
    append(proofId, input, appendOptions = {}) {
      try {
        return db
          .transaction((): Result<ProofEntry, CoordinatorError> => {
            const key = appendOptions.idempotencyKey ?? null;
            if (key !== null) {
              const done = db
                .prepare('SELECT body FROM proof_entries WHERE proof_id = ? AND idempotency_key = ?')
                .get(proofId, key) as { body: string } | undefined;
              if (done !== undefined) return parseEntries(proofId, [done]).map((e) => e[0] as ProofEntry);
            }
            const current = head(proofId);
            if (current.isErr()) return err(current.error);
            if (current.value === undefined)
              return err(coordinatorError('PROOF_NOT_FOUND', `No proof record ${proofId}.`, { proofId }));
            if (appendOptions.expectedSeq !== undefined && appendOptions.expectedSeq !== current.value.seq)
              return err(
                coordinatorError(
                  'PROOF_SEQ_CONFLICT',
                  `Proof record ${proofId} moved on: its head is ${current.value.seq}.`,
                  {
                    proofId,
                    expected: appendOptions.expectedSeq,
                    actual: current.value.seq,
                  },
                ),
              );
            const entry = nextProofEntry(proofId, current.value, input, now().toISOString());
            if (input.subject?.pullRequestUrl !== undefined)
              db.prepare('UPDATE proof_records SET pull_request_url = ? WHERE proof_id = ?').run(
                input.subject.pullRequestUrl,
                proofId,
              );
            write(entry, key);
            return ok(entry);
          })
          .immediate();
      } catch (e) {
        return err(ioError(path, e));
      }
    },
    read(proofId) {
      try {
        if (!hasTables())
          return err(coordinatorError('PROOF_NOT_FOUND', `No proof record ${proofId}.`, { proofId }));
        const rows = db
          .prepare('SELECT body FROM proof_entries WHERE proof_id = ? ORDER BY seq')
          .all(proofId) as { body: string }[];
        if (rows.length === 0)
          return err(coordinatorError('PROOF_NOT_FOUND', `No proof record ${proofId}.`, { proofId }));
        const entries = parseEntries(proofId, rows);
        if (entries.isErr()) return err(entries.error);
        const seals: ProofSeal[] = [];
        for (const row of db
          .prepare('SELECT body FROM proof_seals WHERE proof_id = ? ORDER BY seq, key_id')
          .all(proofId) as { body: string }[]) {
          const parsed = ProofSealSchema.safeParse(JSON.parse(row.body));
          if (!parsed.success)
            return err(
              coordinatorError('PROOF_INVALID', `A stored seal of ${proofId} does not parse.`, { proofId }),
            );
          seals.push(parsed.data);
        }
        return ok({ proofId, entries: entries.value, seals });
      } catch (e) {
        return err(ioError(path, e));
      }
    },
    find(lookup) {
      try {
        if (!hasTables()) return ok([]);
        const [column, value] =
          'pullRequestUrl' in lookup
            ? ['pull_request_url', lookup.pullRequestUrl]
            : 'sessionId' in lookup
              ? ['session_id', lookup.sessionId]
              : ['pipeline_id', lookup.pipelineId];
        const rows = db
          .prepare(`SELECT proof_id FROM proof_records WHERE ${column} = ? ORDER BY created_at, proof_id`)
          .all(value) as { proof_id: string }[];
        return ok(rows.map((r) => r.proof_id));
      } catch (e) {
        return err(ioError(path, e));
      }
    },
    close() {
      db.close();
    },
  };
  return ok(store);
}
