/**
 * Which daemon belongs to a data directory. A daemon is identified by its home, not by its port: it writes
 * `<home>/daemon.json` ({@link DaemonState}) once it listens and names its home and start time in
 * `GET /health` ({@link DaemonHealth}); clients act only on an answer whose home is theirs
 * ({@link probeDaemon}), so `--home B daemon stop` can never stop the daemon of home A that holds B's port.
 */
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { err, ok, type Result } from '@worktrain/contracts';
import type { TaskQueue } from '@worktrain/queue';
import * as z from 'zod';
import { type RuntimeError, runtimeError } from './errors.js';

/** `<home>/daemon.json`, written (0600) while a daemon of that home listens and removed when it stops. */
export const DaemonStateSchema = z.object({
  pid: z.number().int().positive(),
  /** Base URL of its HTTP API, e.g. `http://127.0.0.1:3200`. */
  url: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
  /** The data directory it serves (absolute). */
  home: z.string().min(1),
  /** ISO 8601 time it started. */
  startedAt: z.iso.datetime(),
});
export type DaemonState = z.infer<typeof DaemonStateSchema>;

/** The queue depth `/health` reports for the queue the daemon's workers claim from. */
export const QueueDepthSchema = z.object({
  name: z.string(),
  pending: z.number().int().nonnegative(),
  leased: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  dead: z.number().int().nonnegative(),
  /** Age in ms of the oldest claimable task, null when none waits. */
  oldestReadyAgeMs: z.number().nonnegative().nullable(),
});
export type QueueDepth = z.infer<typeof QueueDepthSchema>;

/** The depth of queue `name` for `/health`; null when the queue cannot be read. */
export async function queueDepth(queue: TaskQueue, name: string): Promise<QueueDepth | null> {
  const stats = await queue.stats({ queue: name });
  if (stats.isErr()) return null;
  return { name, ...stats.value.total, oldestReadyAgeMs: stats.value.oldestReadyAgeMs };
}

/** What `GET /health` answers (more fields may follow; unknown ones are kept). */
export const DaemonHealthSchema = z.looseObject({
  status: z.literal('ok'),
  pid: z.number().int().positive(),
  home: z.string().min(1),
  startedAt: z.iso.datetime(),
  uptimeMs: z.number().nonnegative().optional(),
  activeSessions: z.number().int().nonnegative().optional(),
  /** Null when the queue could not be read. */
  queue: QueueDepthSchema.nullable().optional(),
});
export type DaemonHealth = z.infer<typeof DaemonHealthSchema>;

/**
 * What answers at a daemon URL, seen from one home:
 * - `none`: nothing answers (connection refused, timeout);
 * - `ours`: a WorkTrain daemon of this home;
 * - `other-home`: a WorkTrain daemon of another home (`health.home`);
 * - `foreign`: something else answers (another program, or a daemon too old to name its home).
 */
export type DaemonProbe =
  | { readonly kind: 'none'; readonly url: string }
  | { readonly kind: 'ours'; readonly url: string; readonly health: DaemonHealth }
  | { readonly kind: 'other-home'; readonly url: string; readonly health: DaemonHealth }
  | { readonly kind: 'foreign'; readonly url: string; readonly status: number };

export function daemonStatePath(home: string): string {
  return join(home, 'daemon.json');
}

/** True when `a` and `b` name the same directory (symlinks resolved when the paths exist). */
export function sameHome(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/** `<home>/daemon.json` when it exists, is valid and names `home`; else null (a stale or copied file is ignored). */
export function readDaemonState(home: string): DaemonState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(daemonStatePath(home), 'utf8'));
  } catch {
    return null;
  }
  const parsed = DaemonStateSchema.safeParse(raw);
  return parsed.success && sameHome(parsed.data.home, home) ? parsed.data : null;
}

/** Writes `<home>/daemon.json` (0600). Errors: HOME_UNUSABLE. */
export function writeDaemonState(state: DaemonState): Result<void, RuntimeError> {
  const path = daemonStatePath(state.home);
  try {
    writeFileSync(path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    return ok(undefined);
  } catch (thrown) {
    return err(runtimeError('HOME_UNUSABLE', `Cannot write ${path}: ${String(thrown)}`, { path }));
  }
}

/** Removes `<home>/daemon.json` if it still describes `state` (a later daemon's file is left alone). */
export function removeDaemonState(state: DaemonState): void {
  const current = readDaemonState(state.home);
  if (current !== null && current.pid === state.pid && current.startedAt === state.startedAt)
    rmSync(daemonStatePath(state.home), { force: true });
}

/**
 * `GET <url>/health`, classified for `home` (see {@link DaemonProbe}). Never fails: whatever goes wrong
 * is `none` (no answer) or `foreign` (an answer that is not a WorkTrain daemon's health).
 */
export async function probeDaemon(
  url: string,
  home: string,
  options: { readonly timeoutMs?: number; readonly fetch?: typeof globalThis.fetch } = {},
): Promise<DaemonProbe> {
  const doFetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(`${url}/health`, { signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
  } catch {
    return { kind: 'none', url };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const health = DaemonHealthSchema.safeParse(body);
  if (!res.ok || !health.success) return { kind: 'foreign', url, status: res.status };
  return sameHome(health.data.home, home)
    ? { kind: 'ours', url, health: health.data }
    : { kind: 'other-home', url, health: health.data };
}

/**
 * One sentence about who holds `probe.url` when it is not this home's daemon, e.g. "127.0.0.1:3200 is the
 * WorkTrain daemon of /home/a/.worktrain (pid 4242, started 2026-11-02T10:00:00.000Z)"; null for `none`
 * and `ours`.
 */
export function describeOccupant(probe: DaemonProbe): string | null {
  const where = probe.url.replace(/^https?:\/\//, '');
  switch (probe.kind) {
    case 'other-home':
      return `${where} is the WorkTrain daemon of ${probe.health.home} (pid ${probe.health.pid}, started ${probe.health.startedAt})`;
    case 'foreign':
      return `${where} is taken by a program that is not a WorkTrain daemon of this version (HTTP ${probe.status} on /health)`;
    default:
      return null;
  }
}

/** How to give a home its own port, for messages about a taken port. */
export const OWN_PORT_HINT = 'give this home its own port: `port:` in its config.yaml, or --port';

/**
 * A LISTEN_FAILED error made specific: when the port is in use, names who holds it (another home's daemon,
 * this home's own daemon, or another program). Other errors are returned unchanged.
 */
export async function explainListenFailure(error: RuntimeError, home: string): Promise<RuntimeError> {
  if (error.code !== 'LISTEN_FAILED' || error.details?.cause !== 'EADDRINUSE') return error;
  const host = String(error.details.host ?? '127.0.0.1');
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${String(error.details.port)}`;
  const probe = await probeDaemon(url, home);
  if (probe.kind === 'ours')
    return runtimeError(
      'LISTEN_FAILED',
      `${error.message}: this home's daemon already runs there (pid ${probe.health.pid})`,
      { ...error.details, occupantHome: probe.health.home, occupantPid: probe.health.pid },
    );
  const occupant = describeOccupant(probe);
  if (occupant === null) return error;
  return runtimeError('LISTEN_FAILED', `${error.message}: ${occupant}; ${OWN_PORT_HINT}`, {
    ...error.details,
    ...(probe.kind === 'other-home'
      ? { occupantHome: probe.health.home, occupantPid: probe.health.pid }
      : {}),
  });
}
