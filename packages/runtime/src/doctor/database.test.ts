import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteQueue } from '@worktrain/queue';
import { createSqliteSessionStore } from '@worktrain/session-store';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDatabase } from './database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dbPath = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'wt-doctor-db-'));
  dirs.push(d);
  return join(d, 'worktrain.db');
};

describe('checkDatabase', () => {
  it('warns that a missing database is created on the first start, and creates none', () => {
    const path = dbPath();
    expect(checkDatabase(path)).toMatchObject({ status: 'warn', message: `${path} does not exist yet` });
    expect(existsSync(path)).toBe(false);
  });

  it('fails on a file that is not SQLite, and on a SQLite file of another application', () => {
    const garbage = dbPath();
    writeFileSync(garbage, 'not a database at all, just some text that is long enough');
    expect(checkDatabase(garbage)).toMatchObject({
      status: 'fail',
      message: `${garbage} is not a SQLite database`,
    });
    const foreign = dbPath();
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(checkDatabase(foreign)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('is a SQLite database but not a WorkTrain one'),
      details: { applicationId: 0 },
    });
  });

  it('passes a session store, and a database only the queue has used, leaving the file untouched', async () => {
    const sessions = dbPath();
    createSqliteSessionStore({ path: sessions })._unsafeUnwrap().close();
    expect(checkDatabase(sessions)).toMatchObject({
      status: 'ok',
      message: `${sessions} opens (WorkTrain database)`,
    });

    const queueOnly = dbPath();
    await openSqliteQueue({ path: queueOnly })._unsafeUnwrap().close();
    const before = readFileSync(queueOnly);
    expect(checkDatabase(queueOnly)).toMatchObject({
      status: 'ok',
      message: `${queueOnly} opens (WorkTrain database; no session recorded yet)`,
    });
    expect(readFileSync(queueOnly).equals(before)).toBe(true);
    expect(existsSync(`${queueOnly}-wal`)).toBe(false);
  });
});
