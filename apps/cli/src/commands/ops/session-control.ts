/**
 * `worktrain sessions kill|resume`: the kill switch and resume of daemon sessions, through the daemon's API.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, usageError } from '../../cli-error.js';
import { daemonApi, daemonEndpoint } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import { defaultActor } from '../queue.js';
import { homeOpt } from './home.js';

/**
 * `worktrain sessions kill <id>|--all`: stops a session (or every unfinished one) on the daemon. Errors:
 * USAGE (neither or both of an id and --all), DAEMON_UNREACHABLE, the daemon's (SESSION_NOT_FOUND…).
 */
export async function executeSessionsKill(
  deps: CliDeps,
  opts: { home?: string; sessionId?: string; all: boolean; reason?: string; port?: number },
): Promise<Result<{ killed: Array<{ sessionId: string; how: string }> }, CliError>> {
  if (opts.all === (opts.sessionId !== undefined))
    return err(usageError('give either a session id or --all'));
  const endpoint = await daemonEndpoint(deps, opts);
  const body = {
    actor: defaultActor(deps.env),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  };
  const r = opts.all
    ? await daemonApi(endpoint, 'POST', '/sessions/kill-all', body)
    : await daemonApi(endpoint, 'POST', `/sessions/${encodeURIComponent(opts.sessionId ?? '')}/kill`, body);
  if (r.isErr()) return err(r.error);
  const v = r.value;
  if (opts.all && typeof v === 'object' && v !== null && 'killed' in v && Array.isArray(v.killed))
    return ok({ killed: v.killed.flatMap((k: unknown) => (isKill(k) ? [k] : [])) });
  return ok({ killed: isKill(v) ? [v] : [] });
}

/** What each kill did, in words: `how` is `running` (its agent was stopped) or `parked` (it was not running). */
export function renderKills(o: { killed: ReadonlyArray<{ sessionId: string; how: string }> }): string {
  if (o.killed.length === 0) return 'nothing to kill';
  return o.killed
    .map((k) =>
      k.how === 'running'
        ? `killed ${k.sessionId}: its agent was stopped; the session is aborted and its task cancelled`
        : `killed ${k.sessionId}: it was not running on the daemon (waiting at a gate, queued or interrupted), so it was marked aborted and its task cancelled`,
    )
    .join('\n');
}

function isKill(v: unknown): v is { sessionId: string; how: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    'sessionId' in v &&
    typeof v.sessionId === 'string' &&
    'how' in v &&
    typeof v.how === 'string'
  );
}

/** `worktrain sessions resume <id>`: queues an interrupted session again on the daemon; the new task's id. */
export async function executeSessionsResume(
  deps: CliDeps,
  opts: { home?: string; sessionId: string; port?: number },
): Promise<Result<{ sessionId: string; taskId: string }, CliError>> {
  const r = await daemonApi(
    await daemonEndpoint(deps, opts),
    'POST',
    `/sessions/${encodeURIComponent(opts.sessionId)}/resume`,
    {},
  );
  if (r.isErr()) return err(r.error);
  const v = r.value;
  const taskId =
    typeof v === 'object' &&
    v !== null &&
    'task' in v &&
    typeof v.task === 'object' &&
    v.task !== null &&
    'id' in v.task
      ? String(v.task.id)
      : '';
  return ok({ sessionId: opts.sessionId, taskId });
}

/** Registers `sessions kill [session-id]`. */
export function registerSessionsKill(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('kill')
    .description('kill switch: stop a running session (or --all) within seconds; recorded as session_aborted')
    .argument('[session-id]', 'the session id (sess_…)')
    .option('--all', 'every unfinished daemon session')
    .option('--reason <text>', 'recorded in the session log')
    .option('--port <n>', 'daemon port (default: the running daemon of --home)')
    .action(
      async (
        sessionId: string | undefined,
        raw: { all?: boolean; reason?: string; port?: string },
        command: Command,
      ) => {
        await ctx.run(
          command,
          async (g) =>
            executeSessionsKill(deps, {
              ...homeOpt(g.home),
              ...(sessionId !== undefined ? { sessionId } : {}),
              all: raw.all === true,
              ...(raw.reason !== undefined ? { reason: raw.reason } : {}),
              ...(raw.port !== undefined ? { port: Number(raw.port) } : {}),
            }),
          { text: renderKills },
        );
      },
    );
}

/** Registers `sessions resume <session-id>`. */
export function registerSessionsResume(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('resume')
    .description(
      'recover an interrupted session: queue it again on the daemon, with its conversation (see also continue)',
    )
    .argument('<session-id>', 'the session id (sess_…)')
    .option('--port <n>', 'daemon port (default: the running daemon of --home)')
    .action(async (sessionId: string, raw: { port?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) =>
          executeSessionsResume(deps, {
            ...homeOpt(g.home),
            sessionId,
            ...(raw.port !== undefined ? { port: Number(raw.port) } : {}),
          }),
        { text: (o) => `session ${o.sessionId} queued to resume (task ${o.taskId})` },
      );
    });
}
