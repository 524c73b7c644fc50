/**
 * Doctor's `postgres` check (when `WORKTRAIN_DATABASE_URL` is set): the queue's `probePostgres` logs in
 * with the `pg` client within a short connect timeout and reads the server version; nothing is created.
 */
import { PROBE_CONNECT_TIMEOUT_MS, probePostgres } from '@worktrain/queue';
import { type DoctorCheck, doctorCheck } from './check.js';

/**
 * `ok` when unset (the SQLite queue) or when the server lets us in; `fail` for a URL that is not one or a
 * server that is unreachable, silent past `connectTimeoutMs`, or refuses the login or database. The
 * message names host and port, never the URL (it may hold a password).
 */
export async function checkPostgres(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly connectTimeoutMs?: number } = {},
): Promise<DoctorCheck> {
  const url = env.WORKTRAIN_DATABASE_URL;
  if (url === undefined || url === '') return doctorCheck('postgres', 'ok', 'not configured (SQLite queue)');
  const probe = await probePostgres(url, {
    connectTimeoutMs: options.connectTimeoutMs ?? PROBE_CONNECT_TIMEOUT_MS,
  });
  if (probe.isOk())
    return doctorCheck(
      'postgres',
      'ok',
      `PostgreSQL answers at ${probe.value.host}:${probe.value.port}`,
      undefined,
      { serverVersion: probe.value.serverVersion },
    );
  if (probe.error.code === 'INVALID_ARGUMENT')
    return doctorCheck(
      'postgres',
      'fail',
      'WORKTRAIN_DATABASE_URL is not a URL',
      'use postgres://user@host:5432/db',
    );
  const { host, port, sqlstate } = probe.error.details ?? {};
  const where = `PostgreSQL at ${String(host)}:${String(port)}`;
  return doctorCheck(
    'postgres',
    'fail',
    // With a SQLSTATE the server answered and said no (login, database); without one nothing answered.
    sqlstate !== undefined
      ? `${where} refused the connection: ${probe.error.message}`
      : `${where} is not reachable: ${probe.error.message}`,
    'start PostgreSQL or fix WORKTRAIN_DATABASE_URL (user, password, database)',
    probe.error.details,
  );
}
