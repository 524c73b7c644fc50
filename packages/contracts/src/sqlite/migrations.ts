import type Database from 'better-sqlite3';
import { type DatabaseError, databaseError } from './errors.js';

type Db = Database.Database;

/**
 * The one bookkeeping table of every store's schema: a row per applied migration, keyed by store, so
 * stores sharing one file never clash (`user_version` is a single number per file and is not used).
 */
export const MIGRATIONS_TABLE = 'worktrain_migrations';

/** Why a migration's precheck refused the file (the message says what to do). */
export interface MigrationRefusal {
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** One step of a store's schema. Versions of a set start at 1 and increase by 1. */
export interface Migration {
  readonly version: number;
  /** Short description, recorded with the version. */
  readonly name: string;
  /** DDL/DML run with `db.exec` inside the migration transaction. */
  readonly sql: string;
  /** Runs inside the transaction before `sql`; a refusal rolls back every migration of this run. */
  readonly precheck?: (db: Db) => MigrationRefusal | undefined;
}

/**
 * The versioned schema of one store (`queue`, `session-store`, …) in the shared file. `legacyTable` names
 * the table the store recorded its versions in before the shared `worktrain_migrations` existed (columns
 * `version`, `applied_at`): its rows are copied once, on the first writable open, and the table is then
 * left as it was (frozen) so an older WorkTrain opening the file still sees the versions it knows.
 */
export interface MigrationSet {
  readonly store: string;
  readonly migrations: readonly Migration[];
  readonly legacyTable?: string;
}

/** Highest version of `set` (0 for an empty set). */
export function latestVersion(set: MigrationSet): number {
  return set.migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

const tableExists = (db: Db, name: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** The legacy table name, checked to be a plain identifier (it is interpolated into SQL). */
function legacyName(set: MigrationSet): string | undefined {
  if (set.legacyTable === undefined) return undefined;
  if (!/^[a-z_][a-z0-9_]*$/.test(set.legacyTable))
    throw new Error(`invalid legacy migrations table name: ${set.legacyTable}`);
  return set.legacyTable;
}

/**
 * The schema version of `store` in `db`: its newest row in `worktrain_migrations`, else the newest row of
 * its legacy table, else 0 (the store never used this file). Reads only.
 */
export function storeVersion(db: Db, set: MigrationSet): number {
  if (tableExists(db, MIGRATIONS_TABLE)) {
    const row = db
      .prepare(`SELECT max(version) AS v FROM ${MIGRATIONS_TABLE} WHERE store = ?`)
      .get(set.store) as {
      v: number | null;
    };
    if (row.v !== null) return row.v;
  }
  const legacy = legacyName(set);
  if (legacy !== undefined && tableExists(db, legacy)) {
    const row = db.prepare(`SELECT max(version) AS v FROM ${legacy}`).get() as { v: number | null };
    return row.v ?? 0;
  }
  return 0;
}

/** Every store's version recorded in the shared table (legacy tables not included). Reads only. */
export function recordedVersions(db: Db): Record<string, number> {
  if (!tableExists(db, MIGRATIONS_TABLE)) return {};
  const rows = db
    .prepare(`SELECT store, max(version) AS v FROM ${MIGRATIONS_TABLE} GROUP BY store ORDER BY store`)
    .all() as Array<{ store: string; v: number }>;
  return Object.fromEntries(rows.map((r) => [r.store, r.v]));
}

/** DATABASE_TOO_NEW when the file's version of `set` is newer than the code's. */
export function checkNotTooNew(path: string, set: MigrationSet, version: number): DatabaseError | undefined {
  const supported = latestVersion(set);
  if (version <= supported) return undefined;
  return databaseError(
    'DATABASE_TOO_NEW',
    `${path} has ${set.store} schema v${version}; this version of WorkTrain understands up to v${supported}. Upgrade WorkTrain.`,
    { path, store: set.store, version, supported },
  );
}

/** Carries a refusal or failure out of a transaction (throwing is what rolls it back). */
export class MigrationAbort extends Error {
  constructor(readonly error: DatabaseError) {
    super(error.message);
  }
}

/**
 * Brings `set` up to date inside the caller's write transaction: creates the shared table, adopts the
 * legacy table's rows once, then applies each pending migration (precheck, SQL, bookkeeping row).
 * Returns the resulting version. Throws {@link MigrationAbort} (refusal, too new, failed SQL) so the
 * caller's transaction rolls back everything of this run.
 */
export function migrateInTransaction(db: Db, path: string, set: MigrationSet, now: number): number {
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  store      TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (store, version)
) STRICT`,
  );
  const record = db.prepare(
    `INSERT OR IGNORE INTO ${MIGRATIONS_TABLE} (store, version, name, applied_at) VALUES (?, ?, ?, ?)`,
  );
  const recorded = db
    .prepare(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE} WHERE store = ?`)
    .get(set.store) as {
    n: number;
  };
  const legacy = legacyName(set);
  if (recorded.n === 0 && legacy !== undefined && tableExists(db, legacy)) {
    const rows = db.prepare(`SELECT version, applied_at FROM ${legacy} ORDER BY version`).all() as Array<{
      version: number;
      applied_at: number;
    }>;
    const names = new Map(set.migrations.map((m) => [m.version, m.name]));
    for (const r of rows)
      record.run(set.store, r.version, names.get(r.version) ?? `(from ${legacy})`, Math.floor(r.applied_at));
  }
  const current = storeVersion(db, set);
  const tooNew = checkNotTooNew(path, set, current);
  if (tooNew !== undefined) throw new MigrationAbort(tooNew);
  for (const migration of [...set.migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    const refusal = migration.precheck?.(db);
    if (refusal !== undefined)
      throw new MigrationAbort(
        databaseError('MIGRATION_REFUSED', refusal.message, {
          ...refusal.details,
          path,
          store: set.store,
          version: migration.version,
        }),
      );
    try {
      db.exec(migration.sql);
    } catch (thrown) {
      const code = thrown instanceof Error && 'code' in thrown ? String(thrown.code) : undefined;
      throw new MigrationAbort(
        databaseError(
          'MIGRATION_FAILED',
          `${set.store} migration v${migration.version} (${migration.name}) failed on ${path}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          {
            path,
            store: set.store,
            version: migration.version,
            ...(code === undefined ? {} : { sqliteCode: code }),
          },
        ),
      );
    }
    record.run(set.store, migration.version, migration.name, Math.floor(now));
  }
  return Math.max(current, latestVersion(set));
}

/** True when opening writable would change something for `set` (pending migrations or legacy rows to adopt). */
export function needsMigration(db: Db, set: MigrationSet): boolean {
  if (storeVersion(db, set) < latestVersion(set)) return true;
  const legacy = legacyName(set);
  if (legacy === undefined || !tableExists(db, legacy)) return false;
  if (!tableExists(db, MIGRATIONS_TABLE)) return true;
  const row = db.prepare(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE} WHERE store = ?`).get(set.store) as {
    n: number;
  };
  return row.n === 0;
}
