/**
 * `@worktrain/contracts/sqlite`: the one way WorkTrain opens its SQLite database (pragmas, ownership,
 * per-store versioned migrations, read-only opening) and inspects it for `worktrain doctor`.
 *
 * A subpath of its own so that `@worktrain/contracts` stays light: only packages that store data import
 * this entry, and only they need better-sqlite3 (an optional peer dependency of contracts).
 */
export type { DatabaseError, DatabaseErrorCode } from './errors.js';
export type { DatabaseInspection } from './inspect-database.js';
export { inspectDatabase } from './inspect-database.js';
export type { Migration, MigrationRefusal, MigrationSet } from './migrations.js';
export { latestVersion, MIGRATIONS_TABLE, storeVersion } from './migrations.js';
export type {
  ConnectionOptions,
  OpenDatabaseOptions,
  OpenedDatabase,
  PrepareDatabaseOptions,
} from './open-database.js';
export {
  applyConnectionPragmas,
  openDatabase,
  prepareDatabase,
  WORKTRAIN_APPLICATION_ID,
} from './open-database.js';
