/**
 * Test fixture for the store's stage tests: a real WorkTrain SQLite file (queue + trigger tables) in a
 * fresh temp dir, closed and removed by `cleanup`. Not exported from the package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorktrainDatabase } from '@worktrain/queue';
import { TRIGGER_MIGRATION_SET } from './schema.js';
import { type Db, type Sql, statementCache } from './statements.js';

export interface TestDb {
  readonly db: Db;
  readonly sql: Sql;
  readonly path: string;
  cleanup(): void;
}

export function openTestDb(): TestDb {
  const dir = mkdtempSync(join(tmpdir(), 'wt-trigger-stage-'));
  const path = join(dir, 'worktrain.db');
  const db = openWorktrainDatabase(path, { migrations: [TRIGGER_MIGRATION_SET] })._unsafeUnwrap();
  return {
    db,
    sql: statementCache(db),
    path,
    cleanup: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
