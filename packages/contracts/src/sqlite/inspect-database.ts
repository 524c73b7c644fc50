import { existsSync, statSync } from 'node:fs';
import { err, ok, type Result } from '../result.js';
import { type DatabaseError, databaseError, fromThrown } from './errors.js';
import { MIGRATIONS_TABLE, recordedVersions } from './migrations.js';
import { openReadOnly, WORKTRAIN_APPLICATION_ID } from './open-database.js';

/** What {@link inspectDatabase} found in a database file. */
export interface DatabaseInspection {
  readonly path: string;
  /** Size of the main file, bytes. */
  readonly sizeBytes: number;
  /** Size of the `-wal` file, bytes; 0 when there is none. */
  readonly walBytes: number;
  /** `PRAGMA application_id`; 0x57524B54 ('WRKT') for WorkTrain, 0 for a file nobody stamped yet. */
  readonly applicationId: number;
  /** True when `applicationId` is WorkTrain's. */
  readonly worktrain: boolean;
  /** `PRAGMA user_version` (WorkTrain does not use it; another application's file may). */
  readonly userVersion: number;
  /** `PRAGMA journal_mode` as the file is opened (`wal` for WorkTrain's; `delete` for an empty file). */
  readonly journalMode: string;
  /** Schema version of each store recorded in `worktrain_migrations`, e.g. `{ queue: 2, 'session-store': 4 }`. */
  readonly stores: Readonly<Record<string, number>>;
  /**
   * Versions kept by stores in their own tables before `worktrain_migrations` existed (e.g.
   * `{ queue_migrations: 2 }`), for files no writable WorkTrain has opened since. Frozen afterwards.
   */
  readonly legacyTables: Readonly<Record<string, number>>;
}

/**
 * Reads what `worktrain doctor` reports about the database at `path`, read-only exactly as
 * `openDatabase({ readOnly: true })` (no stamp, no migration, the main file byte-identical, no `-wal`
 * left behind when none was there). A file of another application is not an error: `worktrain` says so.
 * Errors: DATABASE_MISSING (no file), DATABASE_FOREIGN (not a SQLite file at all), DATABASE_LOCKED,
 * DATABASE_IO.
 */
export function inspectDatabase(path: string): Result<DatabaseInspection, DatabaseError> {
  if (!existsSync(path))
    return err(databaseError('DATABASE_MISSING', `${path} does not exist yet`, { path }));
  const opened = openReadOnly(path);
  if (opened.isErr()) return err(opened.error);
  const db = opened.value;
  try {
    const applicationId = Number(db.pragma('application_id', { simple: true }));
    const userVersion = Number(db.pragma('user_version', { simple: true }));
    const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    const legacyTables: Record<string, number> = {};
    const legacy = db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '%\\_migrations' ESCAPE '\\' AND name <> ? ORDER BY name",
      )
      .all(MIGRATIONS_TABLE) as Array<{ name: string }>;
    for (const { name } of legacy) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) continue;
      const row = db.prepare(`SELECT max(version) AS v FROM ${name}`).get() as { v: number | null };
      legacyTables[name] = row.v ?? 0;
    }
    const stores = recordedVersions(db);
    const walBytes = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
    return ok({
      path,
      sizeBytes: statSync(path).size,
      walBytes,
      applicationId,
      worktrain: applicationId === WORKTRAIN_APPLICATION_ID,
      userVersion,
      journalMode,
      stores,
      legacyTables,
    });
  } catch (thrown) {
    return err(fromThrown(thrown, path, 'inspecting'));
  } finally {
    db.close();
  }
}
