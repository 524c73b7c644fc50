/**
 * Doctor's `database` check: the SQLite file as `inspectDatabase` of `@worktrain/contracts/sqlite` reads it
 * (read-only: nothing created, stamped or migrated, no `-wal` left behind), then the session store opened
 * read-only for its schema version.
 */
import { inspectDatabase } from '@worktrain/contracts/sqlite';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { type DoctorCheck, doctorCheck } from './check.js';

/** `warn` for a missing file or a pending migration, `fail` for a foreign or unreadable one. */
export function checkDatabase(path: string): DoctorCheck {
  const inspected = inspectDatabase(path);
  if (inspected.isErr()) {
    switch (inspected.error.code) {
      case 'DATABASE_MISSING':
        return doctorCheck(
          'database',
          'warn',
          `${path} does not exist yet`,
          'it is created on the first `worktrain daemon start`',
        );
      case 'DATABASE_FOREIGN':
        return doctorCheck(
          'database',
          'fail',
          `${path} is not a SQLite database`,
          'move it away; WorkTrain recreates it',
        );
      default:
        return doctorCheck(
          'database',
          'fail',
          `cannot read ${path}: ${inspected.error.message}`,
          'check its permissions',
        );
    }
  }
  const found = inspected.value;
  if (!found.worktrain)
    return doctorCheck(
      'database',
      'fail',
      `${path} is a SQLite database but not a WorkTrain one (application_id ${found.applicationId})`,
      'point WORKTRAIN_HOME elsewhere or move the file away',
      { applicationId: found.applicationId },
    );
  const store = createSqliteSessionStore({ path, readonly: true });
  if (store.isErr()) {
    const d = store.error.details;
    if (store.error.code === 'STORE_READ_ONLY' && typeof d?.schemaVersion === 'number')
      // Doctor opens read-only: the tables are created or migrated by the next writer (the daemon).
      return d.schemaVersion === 0
        ? doctorCheck('database', 'ok', `${path} opens (WorkTrain database; no session recorded yet)`)
        : doctorCheck(
            'database',
            'warn',
            `${path} has session schema v${d.schemaVersion}; this version migrates it to v${String(d.supported)} when it first writes`,
            'start the daemon (`worktrain daemon start`) to migrate it',
          );
    return doctorCheck(
      'database',
      'fail',
      `${path} does not open: ${store.error.message}`,
      'see docs/durability.md',
    );
  }
  store.value.close();
  return doctorCheck('database', 'ok', `${path} opens (WorkTrain database)`);
}
