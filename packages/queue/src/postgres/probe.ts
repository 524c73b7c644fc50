/**
 * A one-shot reachability probe of a PostgreSQL server for `worktrain doctor`: connect with the `pg` client,
 * log in, ask for the server version, disconnect. Nothing is created or migrated.
 */
import { describeThrown, err, makeError, ok, type Result } from '@worktrain/contracts';
import pg from 'pg';
import type { QueueError } from '../queue.js';

/** Default connect timeout of {@link probePostgres}, ms. */
export const PROBE_CONNECT_TIMEOUT_MS = 3000;

export interface PostgresProbe {
  /** Host and port from the URL (defaults 127.0.0.1 and 5432), without the credentials. */
  readonly host: string;
  readonly port: number;
  /** `SHOW server_version`, e.g. `16.4`. */
  readonly serverVersion: string;
}

/** Host and port of a `postgres://` URL, credentials left out; INVALID_ARGUMENT when it is not a URL. */
export function postgresTarget(url: string): Result<{ host: string; port: number }, QueueError> {
  try {
    const u = new URL(url);
    return ok({
      host: u.hostname === '' ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port === '' ? 5432 : Number(u.port),
    });
  } catch {
    return err(makeError('INVALID_ARGUMENT', 'the PostgreSQL URL is not a URL'));
  }
}

/**
 * Connects to `url` (a `postgres://user@host:port/db` connection string) within `connectTimeoutMs`, logs in
 * and reads the server version. Errors: INVALID_ARGUMENT (not a URL), STORE_UNAVAILABLE (refused, timed
 * out, login rejected, unknown database: `details.host`, `details.port`, `details.sqlstate` when the server
 * answered, `details.cause` (e.g. ECONNREFUSED) when it did not; the message never repeats the URL, which may carry a password).
 */
export async function probePostgres(
  url: string,
  options: { readonly connectTimeoutMs?: number } = {},
): Promise<Result<PostgresProbe, QueueError>> {
  const target = postgresTarget(url);
  if (target.isErr()) return err(target.error);
  const { host, port } = target.value;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? PROBE_CONNECT_TIMEOUT_MS,
    application_name: 'worktrain-doctor',
  });
  // A server that drops the connection after the probe must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const shown = await client.query<{ server_version: string }>('SHOW server_version');
    return ok({ host, port, serverVersion: shown.rows[0]?.server_version ?? 'unknown' });
  } catch (thrown) {
    const code =
      typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : undefined;
    // A five-character SQLSTATE means the server answered and said no; a Node code (ECONNREFUSED…) that
    // nothing answered.
    const answered = code !== undefined && /^[0-9A-Z]{5}$/.test(code);
    return err(
      makeError('STORE_UNAVAILABLE', reasonOf(thrown), {
        host,
        port,
        ...(answered ? { sqlstate: code } : code !== undefined ? { cause: code } : {}),
      }),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The driver's reason; Node's AggregateError (every address of a name refused) has an empty message. */
function reasonOf(thrown: unknown): string {
  const message = describeThrown(thrown);
  if (message !== '') return message;
  if (thrown instanceof AggregateError && thrown.errors[0] !== undefined) return reasonOf(thrown.errors[0]);
  return typeof thrown === 'object' && thrown !== null && 'code' in thrown
    ? String(thrown.code)
    : 'no answer';
}
