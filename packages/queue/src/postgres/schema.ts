import { makeError } from '@worktrain/contracts';
import type pg from 'pg';
import { DomainAbort } from './connection.js';

/** Valid PostgreSQL schema names for the queue: lower-case identifier, ≤ 63 bytes. */
export const SCHEMA_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** LISTEN/NOTIFY channel on which inserts into `schema` are announced (payload: the queue name). */
export function notifyChannel(schema: string): string {
  return `${schema}_queue_tasks`;
}

/** Versioned migrations; `$S` is replaced by the quoted schema name. Recorded in `$S.queue_migrations`. */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'tasks, audit, indexes, audit/updated_at/notify triggers',
    sql: `
CREATE FUNCTION $S.queue_now_ms() RETURNS bigint LANGUAGE sql STABLE
  AS $fn$ SELECT (extract(epoch FROM now()) * 1000)::bigint $fn$;
CREATE TABLE $S.queue_tasks (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  queue text NOT NULL,
  payload text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  run_at bigint NOT NULL,
  dedupe_key text,
  attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  state text NOT NULL CHECK (state IN ('pending','leased','succeeded','failed','dead')),
  lease_token text,
  lease_owner text,
  leased_until bigint,
  last_error_class text CHECK (last_error_class IN ('validation','execution','timeout','cancelled')),
  last_error_message text,
  created_at bigint NOT NULL DEFAULT $S.queue_now_ms(),
  updated_at bigint NOT NULL DEFAULT $S.queue_now_ms(),
  finished_at bigint,
  transition_actor text NOT NULL DEFAULT 'system',
  transition_reason text,
  CHECK (state <> 'leased' OR (lease_token IS NOT NULL AND leased_until IS NOT NULL))
);
CREATE UNIQUE INDEX queue_tasks_dedupe ON $S.queue_tasks(dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('pending','leased','failed');
CREATE INDEX queue_tasks_ready ON $S.queue_tasks(queue, priority DESC, run_at, seq)
  WHERE state IN ('pending','failed');
CREATE INDEX queue_tasks_leases ON $S.queue_tasks(leased_until) WHERE state = 'leased';
CREATE INDEX queue_tasks_finished ON $S.queue_tasks(state, finished_at) WHERE state IN ('succeeded','dead');
CREATE INDEX queue_tasks_updated ON $S.queue_tasks(updated_at);
CREATE TABLE $S.queue_audit (
  seq bigserial PRIMARY KEY,
  task_id text NOT NULL,
  actor text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  at bigint NOT NULL,
  reason text
);
CREATE INDEX queue_audit_task ON $S.queue_audit(task_id, seq);
CREATE FUNCTION $S.queue_tasks_touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN NEW.updated_at := $S.queue_now_ms(); RETURN NEW; END $fn$;
CREATE TRIGGER queue_tasks_touch BEFORE UPDATE ON $S.queue_tasks
  FOR EACH ROW EXECUTE FUNCTION $S.queue_tasks_touch();
CREATE FUNCTION $S.queue_tasks_audit() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO $S.queue_audit(task_id, actor, from_state, to_state, at, reason)
    VALUES (NEW.id, NEW.transition_actor, NULL, NEW.state, NEW.updated_at, NEW.transition_reason);
  ELSIF OLD.state IS DISTINCT FROM NEW.state OR OLD.lease_token IS DISTINCT FROM NEW.lease_token THEN
    INSERT INTO $S.queue_audit(task_id, actor, from_state, to_state, at, reason)
    VALUES (NEW.id, NEW.transition_actor, OLD.state, NEW.state, NEW.updated_at, NEW.transition_reason);
  END IF;
  RETURN NULL;
END $fn$;
CREATE TRIGGER queue_tasks_audit AFTER INSERT OR UPDATE ON $S.queue_tasks
  FOR EACH ROW EXECUTE FUNCTION $S.queue_tasks_audit();
CREATE FUNCTION $S.queue_tasks_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE q text;
BEGIN
  FOR q IN SELECT DISTINCT queue FROM new_rows WHERE state IN ('pending','failed') LOOP
    PERFORM pg_notify($CHANNEL, q);
  END LOOP;
  RETURN NULL;
END $fn$;
CREATE TRIGGER queue_tasks_notify_insert AFTER INSERT ON $S.queue_tasks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION $S.queue_tasks_notify();
`,
  },
];

export const LATEST_PG_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Creates the schema if needed and applies pending migrations, each in a transaction under an advisory
 * lock so concurrent daemons starting together migrate once.
 * @throws {@link DomainAbort} with NOT_A_WORKTRAIN_DATABASE when `schema` holds another application's
 *   objects; otherwise the driver's error (the caller converts it into STORE_IO / STORE_UNAVAILABLE)
 */
export async function migratePostgres(client: pg.ClientBase, schema: string): Promise<number> {
  if (!SCHEMA_NAME_RE.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const S = `"${schema}"`;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`worktrain.queue.${schema}`]);
    // The PostgreSQL counterpart of a SQLite file that is not a WorkTrain database: a schema that already
    // holds tables, views or sequences but no queue_migrations belongs to someone else; touch nothing.
    const foreign = await client.query<{ ours: boolean; n: string }>(
      `SELECT to_regclass($2) IS NOT NULL AS ours,
         (SELECT count(*) FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
          WHERE ns.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'S', 'p', 'f')) AS n`,
      [schema, `${S}.queue_migrations`],
    );
    const row = foreign.rows[0];
    if (row !== undefined && !row.ours && Number(row.n) > 0) {
      throw new DomainAbort(
        makeError(
          'NOT_A_WORKTRAIN_DATABASE',
          `PostgreSQL schema ${schema} already holds ${row.n} tables, views or sequences but no WorkTrain queue_migrations; it belongs to another application, so choose another schema`,
          { schema },
        ),
      );
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${S}.queue_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${S}.queue_migrations`)).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      const channel = `'${notifyChannel(schema)}'`;
      await client.query(m.sql.replaceAll('$S', S).replaceAll('$CHANNEL', channel));
      await client.query(`INSERT INTO ${S}.queue_migrations(version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (thrown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw thrown;
  }
  return LATEST_PG_SCHEMA_VERSION;
}
