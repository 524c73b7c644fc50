import { describe, expect, it } from 'vitest';
import { mapSqliteError } from './errors.js';

function sqliteError(code: string): Error & { code: string } {
  return Object.assign(new Error(`sqlite says ${code}`), { code });
}

describe('mapSqliteError', () => {
  it.each([
    ['SQLITE_READONLY', 'STORE_READ_ONLY'],
    ['SQLITE_READONLY_DBMOVED', 'STORE_READ_ONLY'],
    ['SQLITE_FULL', 'STORE_FULL'],
    ['SQLITE_CORRUPT', 'STORE_CORRUPT'],
    ['SQLITE_CORRUPT_INDEX', 'STORE_CORRUPT'],
    ['SQLITE_NOTADB', 'STORE_CORRUPT'],
    ['SQLITE_IOERR_FSYNC', 'STORE_IO'],
    ['SQLITE_BUSY', 'STORE_IO'],
  ])('maps %s to %s and keeps the SQLite code', (sqliteCode, code) => {
    const mapped = mapSqliteError(sqliteError(sqliteCode), 'append');
    expect(mapped?.code).toBe(code);
    expect(mapped?.details).toEqual({ sqliteCode, operation: 'append' });
  });

  it('returns undefined for errors that are not from SQLite (programmer errors are rethrown)', () => {
    expect(mapSqliteError(new TypeError('x is undefined'), 'append')).toBeUndefined();
    expect(mapSqliteError('boom', 'append')).toBeUndefined();
  });
});
