/**
 * `worktrain sessions continue <id> [--message <text>]`: carry on a session that stopped and needs a human.
 *
 * - `sessions resume` recovers an interrupted run: it queues the session again on the daemon, whatever its
 *   state (the daemon's crash recovery does the same by itself).
 * - `sessions continue` is the operator's "go on": it checks that the session can go on (not ended — except
 *   by a budget that config.yaml now raises, recorded as `session_continued` —, not waiting for an approval,
 *   not already queued), optionally hands the agent a message before its next turn
 *   (or steers it when it is running), and works with or without a daemon: through the daemon's
 *   `POST /api/v1/sessions/:id/continue` when one runs for this home, otherwise in this process like
 *   `worktrain run`, waiting until the session stops again.
 */
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { RuntimeError } from '@worktrain/runtime';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../cli-error.js';
import { daemonApi, daemonEndpoint, daemonHealth } from '../daemon-client.js';
import type { CliDeps } from '../deps.js';
import type { CommandContext } from '../program.js';
import { waitForTask, withInProcessRuntime } from './in-process-runtime.js';
import { defaultActor } from './queue.js';

export interface SessionsContinueOutput {
  readonly sessionId: string;
  /** `steered`: the running session got the message; `resumed`: it was queued to go on. */
  readonly action: 'steered' | 'resumed';
  /** `daemon`: handed to the running daemon (returns at once); `in-process`: ran here until it stopped. */
  readonly via: 'daemon' | 'in-process';
  readonly taskId: string | null;
  /** In-process only: the resume task's final state and the session's status afterwards. */
  readonly taskState: string | null;
  readonly status: string | null;
  readonly error: string | null;
}

export interface SessionsContinueOptions {
  readonly home?: string;
  readonly port?: number;
  readonly sessionId: string;
  readonly message?: string;
}

/**
 * Errors: SESSION_NOT_FOUND; DAEMON_ERROR with `details.daemonCode` INVALID_STATE (`details.status`,
 * `details.hint`: ended, awaiting approval, already queued, running without a message; a budget still not
 * raised also has `details.budget`, `limit`, `observed`); DAEMON_UNREACHABLE.
 * Fails (exit 1) when the in-process run ended with its task failed.
 */
export async function executeSessionsContinue(
  deps: CliDeps,
  opts: SessionsContinueOptions,
): Promise<Result<SessionsContinueOutput, CliError>> {
  const actor = defaultActor(deps.env);
  const endpoint = await daemonEndpoint(deps, opts);
  if ((await daemonHealth(endpoint)) !== null) {
    const r = await daemonApi(endpoint, 'POST', `/sessions/${encodeURIComponent(opts.sessionId)}/continue`, {
      actor,
      ...(opts.message !== undefined ? { message: opts.message } : {}),
    });
    if (r.isErr()) return err(r.error);
    const v = r.value;
    const field = (k: string): unknown =>
      typeof v === 'object' && v !== null && k in v ? Reflect.get(v, k) : null;
    return ok({
      sessionId: opts.sessionId,
      action: field('action') === 'steered' ? 'steered' : 'resumed',
      via: 'daemon',
      taskId: typeof field('taskId') === 'string' ? String(field('taskId')) : null,
      taskState: null,
      status: null,
      error: null,
    });
  }
  return continueInProcess(deps, opts, actor);
}

async function continueInProcess(
  deps: CliDeps,
  opts: SessionsContinueOptions,
  actor: string,
): Promise<Result<SessionsContinueOutput, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  if (!deps.fs.exists(paths.database))
    return err(
      cliError('SESSION_NOT_FOUND', `No session '${opts.sessionId}' (no sessions have been recorded yet).`, {
        sessionId: opts.sessionId,
      }),
    );
  return withInProcessRuntime(deps, paths, 'cli-continue', async (rt) => {
    const r = await rt.ops.continueSession(
      opts.sessionId,
      opts.message !== undefined ? { message: opts.message } : {},
      actor,
    );
    if (r.isErr()) return err(fromRuntimeError(r.error));
    const taskId = r.value.taskId;
    if (taskId === null) return err(cliError('INTERNAL', 'a resumed session has no task'));
    deps.stderr(`session ${opts.sessionId} continues in this process (task ${taskId}); Ctrl-C stops it\n`);
    const done = await waitForTask(deps, rt, taskId);
    if (done.isErr()) return err(done.error);
    const status = (await rt.store.getSummary(opts.sessionId)).map((s) => s.status).unwrapOr(null);
    return ok({
      sessionId: opts.sessionId,
      action: 'resumed',
      via: 'in-process',
      taskId,
      taskState: done.value.state,
      status,
      error: done.value.error,
    });
  });
}

function fromRuntimeError(e: RuntimeError): CliError {
  if (e.code === 'SESSION_NOT_FOUND') return cliError('SESSION_NOT_FOUND', e.message, e.details);
  return cliError('DAEMON_ERROR', e.message, { ...(e.details ?? {}), daemonCode: e.code });
}

export function registerSessionsContinue(sessions: Command, ctx: CommandContext): void {
  sessions
    .command('continue')
    .description(
      'carry on a session that stopped (interrupted, blocked, dead-lettered, or ended by a budget since raised in config.yaml): via the daemon, or in this process when none runs',
    )
    .argument('<session-id>', 'the session id (sess_…)')
    .option('--message <text>', 'a note for the agent before its next turn (steers it when it is running)')
    .option('--port <n>', 'daemon port (default: the running daemon of --home)')
    .action(async (sessionId: string, raw: { message?: string; port?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          if (raw.port !== undefined && !/^\d+$/.test(raw.port))
            return err(usageError(`option '--port' expects a number, got '${raw.port}'`));
          if (raw.message?.trim() === '') return err(usageError(`option '--message' must not be empty`));
          return executeSessionsContinue(ctx.deps, {
            ...(g.home !== undefined ? { home: g.home } : {}),
            ...(raw.port !== undefined ? { port: Number(raw.port) } : {}),
            sessionId,
            ...(raw.message !== undefined ? { message: raw.message } : {}),
          });
        },
        {
          text: (o) =>
            o.action === 'steered'
              ? `session ${o.sessionId} is running; message delivered before its next turn`
              : o.via === 'daemon'
                ? `session ${o.sessionId} queued on the daemon to continue (task ${o.taskId})`
                : `session ${o.sessionId}: task ${o.taskState}, session ${o.status ?? 'unknown'}${o.error !== null ? `\n${o.error}` : ''}`,
          failed: (o) => o.via === 'in-process' && o.taskState !== 'succeeded',
        },
      );
    });
}
