import { describe, expect, it } from 'vitest';
import { checkPostgres } from './postgres.js';

/** PostgreSQL of the tests (trust auth on 127.0.0.1), as in the queue package. */
const PG_URL = process.env.WORKTRAIN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('checkPostgres', () => {
  it('passes when WORKTRAIN_DATABASE_URL is not set (the SQLite queue)', async () => {
    expect(await checkPostgres({})).toMatchObject({ status: 'ok', message: 'not configured (SQLite queue)' });
  });

  it('logs in to a running server with pg', async () => {
    const url = new URL(PG_URL);
    expect(await checkPostgres({ WORKTRAIN_DATABASE_URL: PG_URL })).toMatchObject({
      status: 'ok',
      message: `PostgreSQL answers at ${url.hostname}:${url.port || 5432}`,
      details: { serverVersion: expect.stringMatching(/^\d+/) },
    });
  });

  it('fails on a port where nothing listens, without printing the password', async () => {
    const found = await checkPostgres({ WORKTRAIN_DATABASE_URL: 'postgres://x:s3cret@127.0.0.1:1/test' });
    expect(found.status).toBe('fail');
    expect(found.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:1 is not reachable: .*ECONNREFUSED/);
    expect(JSON.stringify(found)).not.toContain('s3cret');
  });

  it('says the server refused when it answers but the database does not exist', async () => {
    const url = new URL(PG_URL);
    url.pathname = '/worktrain_doctor_no_such_database';
    const found = await checkPostgres({ WORKTRAIN_DATABASE_URL: url.toString() });
    expect(found).toMatchObject({ status: 'fail', details: { sqlstate: '3D000' } });
    expect(found.message).toContain('refused the connection');
  });

  it('fails on a value that is not a URL', async () => {
    expect(await checkPostgres({ WORKTRAIN_DATABASE_URL: 'nope' })).toMatchObject({
      status: 'fail',
      message: 'WORKTRAIN_DATABASE_URL is not a URL',
    });
  });
});
