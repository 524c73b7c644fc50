import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** PostgreSQL used by the tests (trust auth on 127.0.0.1). */
export const PG_URL = process.env.WORKTRAIN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name per test; drop it with {@link dropSchema}. */
export function freshSchema(): string {
  return `wtq_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}
