import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import { type CliError, cliError } from './cli-error.js';
import type { CliDeps } from './deps.js';

/** Where the daemon of a data directory listens, and its API token (null before its first start). */
export interface DaemonEndpoint {
  readonly home: string;
  readonly url: string;
  readonly token: string | null;
  /** pid from `<home>/daemon.json` while a daemon started there is running. */
  readonly pid: number | null;
}

/**
 * Finds the daemon of `home`: `--port` wins, then the running daemon's `<home>/daemon.json`, then
 * `config.yaml` (`host`/`port`), then 127.0.0.1:3200. Async only because `@worktrain/runtime` (which reads
 * `config.yaml`) is imported here on first use instead of at CLI start-up.
 */
export async function daemonEndpoint(
  deps: CliDeps,
  opts: { home?: string; port?: number },
): Promise<DaemonEndpoint> {
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const state = readState(join(paths.home, 'daemon.json'));
  let token: string | null = null;
  try {
    token = readFileSync(paths.daemonToken, 'utf8').trim();
  } catch {
    token = null;
  }
  const { loadRuntimeConfig } = await import('@worktrain/runtime');
  const config = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env: deps.env });
  const host = config.isOk() ? config.value.host : '127.0.0.1';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let url = `http://${hostPart}:${config.isOk() ? config.value.port : 3200}`;
  if (state?.url !== undefined) url = state.url;
  if (opts.port !== undefined && opts.port !== 0) url = `http://${hostPart}:${opts.port}`;
  return { home: paths.home, url, token, pid: state?.pid ?? null };
}

function readState(path: string): { pid?: number; url?: string } | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const out: { pid?: number; url?: string } = {};
    if ('pid' in parsed && typeof parsed.pid === 'number') out.pid = parsed.pid;
    if ('url' in parsed && typeof parsed.url === 'string') out.url = parsed.url;
    return out;
  } catch {
    return null;
  }
}

/** `GET /health`; null when nothing answers. */
export async function daemonHealth(
  endpoint: DaemonEndpoint,
  timeoutMs = 2000,
): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(`${endpoint.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null ? { ...body } : null;
  } catch {
    return null;
  }
}

/**
 * Calls `/api/v1<path>` with the bearer token. Errors: DAEMON_UNREACHABLE (nothing listens, or no token
 * yet), DAEMON_ERROR (the daemon's code in `details.daemonCode`, the HTTP status in
 * `details.httpStatus`, the daemon's own details merged in), SESSION_NOT_FOUND /
 * TASK_NOT_FOUND.
 */
export async function daemonApi(
  endpoint: DaemonEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Result<unknown, CliError>> {
  if (endpoint.token === null)
    return err(
      cliError(
        'DAEMON_UNREACHABLE',
        `No daemon token in ${endpoint.home}: start the daemon first (worktrain daemon start).`,
      ),
    );
  let res: Response;
  try {
    res = await fetch(`${endpoint.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (thrown) {
    return err(
      cliError('DAEMON_UNREACHABLE', `The daemon at ${endpoint.url} does not answer (is it running?)`, {
        url: endpoint.url,
        reason: thrown instanceof Error ? thrown.message : String(thrown),
      }),
    );
  }
  let parsed: unknown = null;
  try {
    parsed = await res.json();
  } catch {
    parsed = null;
  }
  if (res.ok) return ok(parsed);
  const code =
    typeof parsed === 'object' && parsed !== null && 'code' in parsed ? String(parsed.code) : 'HTTP';
  const message =
    typeof parsed === 'object' && parsed !== null && 'message' in parsed
      ? String(parsed.message)
      : res.statusText;
  if (code === 'SESSION_NOT_FOUND') return err(cliError('SESSION_NOT_FOUND', message));
  if (code === 'TASK_NOT_FOUND') return err(cliError('TASK_NOT_FOUND', message));
  const details =
    typeof parsed === 'object' && parsed !== null && 'details' in parsed && typeof parsed.details === 'object'
      ? { ...parsed.details }
      : {};
  return err(cliError('DAEMON_ERROR', message, { ...details, httpStatus: res.status, daemonCode: code }));
}
