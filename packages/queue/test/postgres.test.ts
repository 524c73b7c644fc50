import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresQueue } from '../src/index.js';
import { PgConnection } from '../src/postgres/connection.js';
import { runConformance, value } from './conformance.js';
import { dropSchema, freshSchema, PG_URL } from './pg-env.js';

runConformance({
  name: 'PostgreSQL',
  async create(options) {
    const schema = freshSchema();
    const r = await createPostgresQueue({ connectionString: PG_URL, schema, poolSize: 4, ...options });
    if (r.isErr()) throw new Error(r.error.message);
    const queue = r.value;
    return {
      queue,
      cleanup: async () => {
        await queue.close();
        await dropSchema(schema);
      },
    };
  },
});

describe('PostgreSQL backend', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  it('applies versioned migrations once, even when two handles start together', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const [a, b] = await Promise.all([
      createPostgresQueue({ connectionString: PG_URL, schema, poolSize: 2 }),
      createPostgresQueue({ connectionString: PG_URL, schema, poolSize: 2 }),
    ]);
    expect(a.isOk() && b.isOk()).toBe(true);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const rows = await c.query(`SELECT version FROM "${schema}".queue_migrations`);
    await c.end();
    expect(rows.rows).toEqual([{ version: 1 }]);
    await a._unsafeUnwrap().close();
    await b._unsafeUnwrap().close();
  });

  it('wakes a worker on another handle through LISTEN/NOTIFY', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const producer = (
      await createPostgresQueue({ connectionString: PG_URL, schema, poolSize: 2 })
    )._unsafeUnwrap();
    const consumer = (
      await createPostgresQueue({ connectionString: PG_URL, schema, poolSize: 2 })
    )._unsafeUnwrap();
    const started = Date.now();
    const woke = consumer.waitForTasks('q', 10_000);
    await value(producer.enqueue({ queue: 'q', payload: 1 }));
    await woke;
    expect(Date.now() - started).toBeLessThan(5000);
    await producer.close();
    await consumer.close();
  });

  it('reports an unreachable server as STORE_UNAVAILABLE after retrying', async () => {
    const r = await createPostgresQueue({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: freshSchema(),
      reconnectTimeoutMs: 300,
    });
    expect(r.isErr() && r.error.code).toBe('STORE_UNAVAILABLE');
    expect(r.isErr() && r.error.message).toMatch(/unreachable/);
  });

  it('reconnects after its server connections are killed and loses no acknowledged task', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const app = `wtq-kill-${schema}`;
    const q = (
      await createPostgresQueue({ connectionString: PG_URL, schema, poolSize: 2, applicationName: app })
    )._unsafeUnwrap();
    const acked = await value(
      q.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ queue: 'q', payload: i }))),
    );
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1',
      [`${app}%`],
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    const stats = await value(q.stats());
    expect(stats.total.pending).toBe(acked.length);
    const claimed = await value(q.claim({ queue: 'q', workerId: 'w', n: 100, leaseMs: 5000 }));
    expect(claimed).toHaveLength(50);
    await q.close();
  });

  it("refuses a schema holding another application's tables and touches nothing in it", async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".invoices (id int PRIMARY KEY)`);
    const r = await createPostgresQueue({ connectionString: PG_URL, schema, listen: false });
    expect(r.isErr() && r.error.code).toBe('NOT_A_WORKTRAIN_DATABASE');
    expect(r.isErr() && r.error.message).toContain('another application');
    const tables = await c.query('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [
      schema,
    ]);
    expect(tables.rows).toEqual([{ tablename: 'invoices' }]);
    // An existing but empty schema is fine (e.g. created by a DBA for WorkTrain).
    const empty = freshSchema();
    schemas.push(empty);
    await c.query(`CREATE SCHEMA "${empty}"`);
    await c.end();
    const ok = await createPostgresQueue({ connectionString: PG_URL, schema: empty, listen: false });
    expect(ok.isOk()).toBe(true);
    await ok._unsafeUnwrap().close();
  });

  it('rejects an invalid schema name', async () => {
    const r = await createPostgresQueue({ connectionString: PG_URL, schema: 'Robert"; DROP' });
    expect(r.isErr() && r.error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('PostgreSQL durability settings', () => {
  it('runs every pooled session with synchronous_commit on, even when the connection string turns it off', async () => {
    const url = new URL(PG_URL);
    url.searchParams.set('options', '-c synchronous_commit=off');
    const plain = new pg.Client({ connectionString: url.toString() });
    await plain.connect();
    // The connection string really does turn it off for a plain session.
    expect((await plain.query('SHOW synchronous_commit')).rows[0]).toEqual({ synchronous_commit: 'off' });
    await plain.end();
    const conn = new PgConnection({ connectionString: url.toString(), poolSize: 2 });
    try {
      const settings = await Promise.all(
        [0, 1, 2].map(() =>
          conn.withClient('test', true, async (c) => {
            const r = await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
            return r.rows[0]?.synchronous_commit;
          }),
        ),
      );
      expect(settings).toEqual(['on', 'on', 'on']);
    } finally {
      await conn.end();
    }
  });
});
