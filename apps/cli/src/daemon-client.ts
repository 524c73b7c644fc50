import { readFileSync } from 'node:fs';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { DaemonHealth, DaemonProbe } from '@worktrain/runtime';
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
 * Finds the daemon of `home`: `--port` wins, then the running daemon's `<home>/daemon.json` (when it names
 * this home), then `config.yaml` (`host`/`port`), then 127.0.0.1:3200. Whatever answers there is trusted
 * only when its `/health` names this home ({@link probeEndpoint}). Async only because `@worktrain/runtime`
 * is imported here on first use instead of at CLI start-up.
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
  const { loadRuntimeConfig, readDaemonState } = await import('@worktrain/runtime');
  const state = readDaemonState(paths.home);
  let token: string | null = null;
  try {
    token = readFileSync(paths.daemonToken, 'utf8').trim();
  } catch {
    token = null;
  }
  const config = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env: deps.env });
  const host = config.isOk() ? config.value.host : '127.0.0.1';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let url = `http://${hostPart}:${config.isOk() ? config.value.port : 3200}`;
  if (state !== null) url = state.url;
  if (opts.port !== undefined && opts.port !== 0) url = `http://${hostPart}:${opts.port}`;
  return { home: paths.home, url, token, pid: state?.pid ?? null };
}

/** What answers at the endpoint's URL, seen from its home: `ours`, `other-home`, `foreign` or `none`. */
export async function probeEndpoint(endpoint: DaemonEndpoint, timeoutMs = 2000): Promise<DaemonProbe> {
  const { probeDaemon } = await import('@worktrain/runtime');
  return probeDaemon(endpoint.url, endpoint.home, { timeoutMs });
}

/** `GET /health` of this home's daemon; null when nothing answers or the answer is another home's daemon. */
export async function daemonHealth(endpoint: DaemonEndpoint, timeoutMs = 2000): Promise<DaemonHealth | null> {
  const probe = await probeEndpoint(endpoint, timeoutMs);
  return probe.kind === 'ours' ? probe.health : null;
}

/** "…:3200 is the WorkTrain daemon of /a (pid 1, …)" when the endpoint is held by another; else null. */
export async function describeProbe(probe: DaemonProbe): Promise<string | null> {
  const { describeOccupant } = await import('@worktrain/runtime');
  return describeOccupant(probe);
}

/**
 * Calls `/api/v1<path>` with the bearer token. Errors: DAEMON_UNREACHABLE (nothing listens, or no token
 * yet), DAEMON_ERROR (the daemon's code in `details.daemonCode`, the HTTP status in
 * `details.httpStatus`, the daemon's own details merged in), SESSION_NOT_FOUND / TASK_NOT_FOUND /
 * PIPELINE_NOT_FOUND.
 */
export async function daemonApi(
  endpoint: DaemonEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Result<unknown, CliError>> {
  const res = await daemonFetch(endpoint, method, path, body);
  if (res.isErr()) return err(res.error);
  let parsed: unknown = null;
  try {
    parsed = await res.value.json();
  } catch {
    parsed = null;
  }
  return res.value.ok ? ok(parsed) : err(await apiError(endpoint, res.value, parsed));
}

/**
 * `GET /api/v1<path>` of a Server-Sent Events route that ends by itself (a session's events with
 * `?follow=false`), read to the end: the `data:` payload of each event, in order (`ping` events and
 * comments skipped). Errors: those of {@link daemonApi}.
 */
export async function daemonEventStream(
  endpoint: DaemonEndpoint,
  path: string,
): Promise<Result<readonly string[], CliError>> {
  const res = await daemonFetch(endpoint, 'GET', path);
  if (res.isErr()) return err(res.error);
  if (!res.value.ok) {
    let parsed: unknown = null;
    try {
      parsed = await res.value.json();
    } catch {
      parsed = null;
    }
    return err(await apiError(endpoint, res.value, parsed));
  }
  let text: string;
  try {
    text = await res.value.text();
  } catch (thrown) {
    return err(
      cliError('DAEMON_UNREACHABLE', `The daemon at ${endpoint.url} closed the event stream early`, {
        url: endpoint.url,
        reason: thrown instanceof Error ? thrown.message : String(thrown),
      }),
    );
  }
  // One event per blank-line-separated block; its data lines joined by newlines (the SSE format, WHATWG).
  const data: string[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/);
    if (lines.some((l) => l === 'event: ping' || l === 'event:ping')) continue;
    const payload = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (payload.length > 0 && payload.join('') !== '') data.push(payload.join('\n'));
  }
  return ok(data);
}

async function daemonFetch(
  endpoint: DaemonEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Result<Response, CliError>> {
  if (endpoint.token === null)
    return err(
      cliError(
        'DAEMON_UNREACHABLE',
        `No daemon token in ${endpoint.home}: start the daemon first (worktrain daemon start).`,
      ),
    );
  try {
    return ok(
      await fetch(`${endpoint.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      }),
    );
  } catch (thrown) {
    return err(
      cliError('DAEMON_UNREACHABLE', `The daemon at ${endpoint.url} does not answer (is it running?)`, {
        url: endpoint.url,
        reason: thrown instanceof Error ? thrown.message : String(thrown),
      }),
    );
  }
}

/** The CLI error of a refused API call (its JSON body `{code, message, details}` already read). */
async function apiError(endpoint: DaemonEndpoint, res: Response, parsed: unknown): Promise<CliError> {
  if (res.status === 401) {
    // The wrong token usually means the wrong daemon: another home's daemon holds this home's port.
    const occupant = await describeProbe(await probeEndpoint(endpoint));
    if (occupant !== null)
      return cliError('DAEMON_UNREACHABLE', `No daemon of ${endpoint.home} is running: ${occupant}`, {
        url: endpoint.url,
      });
  }
  const code =
    typeof parsed === 'object' && parsed !== null && 'code' in parsed ? String(parsed.code) : 'HTTP';
  const message =
    typeof parsed === 'object' && parsed !== null && 'message' in parsed
      ? String(parsed.message)
      : res.statusText;
  if (code === 'SESSION_NOT_FOUND') return cliError('SESSION_NOT_FOUND', message);
  if (code === 'TASK_NOT_FOUND') return cliError('TASK_NOT_FOUND', message);
  if (code === 'PIPELINE_NOT_FOUND') return cliError('PIPELINE_NOT_FOUND', message);
  const details =
    typeof parsed === 'object' && parsed !== null && 'details' in parsed && typeof parsed.details === 'object'
      ? { ...parsed.details }
      : {};
  return cliError('DAEMON_ERROR', message, { ...details, httpStatus: res.status, daemonCode: code });
}
