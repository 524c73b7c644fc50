/** `worktrain status`: the daemon (from its `/health`), its queue depth and its sessions by status. */
import { ok, type Result } from '@worktrain/contracts';
import type { QueueDepth } from '@worktrain/runtime';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import { daemonApi, daemonEndpoint, daemonHealth } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import { renderQueueDepth } from '../daemon.js';
import { homeOpt } from './home.js';

export interface StatusOutput {
  readonly daemon: { running: boolean; url: string; pid: number | null; activeSessions: number };
  /** The depth of the daemon's queue from its `/health` (`{name, pending, leased, succeeded, failed, dead, oldestReadyAgeMs}`); null when not running. */
  readonly queue: QueueDepth | null;
  readonly sessions: Record<string, number>;
}

/**
 * `worktrain status`: the daemon's `/health` and its sessions counted by status; `running: false` (not an
 * error) when nothing answers at the endpoint of `--home`/`--port`.
 */
export async function executeStatus(
  deps: CliDeps,
  opts: { home?: string; port?: number },
): Promise<Result<StatusOutput, CliError>> {
  const endpoint = await daemonEndpoint(deps, opts);
  const health = await daemonHealth(endpoint);
  const daemon = {
    running: health !== null,
    url: endpoint.url,
    pid: typeof health?.pid === 'number' ? health.pid : null,
    activeSessions: typeof health?.activeSessions === 'number' ? health.activeSessions : 0,
  };
  if (health === null) return ok({ daemon, queue: null, sessions: {} });
  const sessions = await daemonApi(endpoint, 'GET', '/sessions?limit=1000');
  const byStatus: Record<string, number> = {};
  const sv = sessions.unwrapOr(null);
  if (typeof sv === 'object' && sv !== null && 'sessions' in sv && Array.isArray(sv.sessions))
    for (const s of sv.sessions)
      if (typeof s === 'object' && s !== null && 'status' in s)
        byStatus[String(s.status)] = (byStatus[String(s.status)] ?? 0) + 1;
  return ok({ daemon, queue: health.queue ?? null, sessions: byStatus });
}

/** Registers `status`. */
export function registerStatus(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  program
    .command('status')
    .description('daemon, queue and session overview')
    .option('--port <n>', 'daemon port')
    .action(async (raw: { port?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) =>
          executeStatus(deps, {
            ...homeOpt(g.home),
            ...(raw.port !== undefined ? { port: Number(raw.port) } : {}),
          }),
        {
          text: (o) =>
            o.daemon.running
              ? [
                  `daemon: running at ${o.daemon.url} (pid ${o.daemon.pid}, ${o.daemon.activeSessions} active)`,
                  renderQueueDepth(o.queue),
                  `sessions: ${JSON.stringify(o.sessions)}`,
                ].join('\n')
              : `daemon: not running (looked at ${o.daemon.url})`,
        },
      );
    });
}
