/**
 * Operator commands over the daemon and the runtime: `worktrain run` (one session in this process, no
 * daemon), `sessions kill|resume` (the kill switch and resume, through the daemon's API; `sessions continue`
 * is in sessions-continue.ts), `status`, `logs`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { QueueDepth } from '@worktrain/runtime';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../cli-error.js';
import { daemonApi, daemonEndpoint, daemonHealth } from '../daemon-client.js';
import type { CliDeps } from '../deps.js';
import { escapeControl } from '../format/terminal-text.js';
import type { CommandContext } from '../program.js';
import { renderQueueDepth } from './daemon.js';
import { waitForTask, withInProcessRuntime } from './in-process-runtime.js';
import { defaultActor } from './queue.js';
import { registerSessionsContinue } from './sessions-continue.js';

const homeOpt = (home: string | undefined) => (home !== undefined ? { home } : {});

// ------------------------------------------------------------------------------------------------- run

export interface RunOutput {
  readonly taskId: string;
  readonly sessionId: string | null;
  readonly state: string;
  readonly status: string | null;
  readonly error: string | null;
  /** With `--dry-run`: the delivery plan recorded by the session (stage `dry_run`), else null. */
  readonly plan: Readonly<Record<string, unknown>> | null;
}

/**
 * `worktrain run <workflow> --goal … --workspace <repo>`: runs one session in this process with the
 * daemon's lifecycle (worktree, agent, delivery when `--repo` and a forge token are configured), on the
 * private queue `cli`, so a running daemon does not pick it up. Fails (exit 1) unless the task succeeds.
 */
export async function executeRun(
  deps: CliDeps,
  opts: {
    home?: string;
    workflowId: string;
    goal: string;
    workspace: string;
    repo?: string;
    issue?: number;
    /** Run the session, then only plan the delivery: nothing is pushed or opened. */
    dryRun?: boolean;
    /** PR/MR template name. */
    template?: string;
  },
): Promise<Result<RunOutput, CliError>> {
  const paths = resolveWorktrainPaths({ ...homeOpt(opts.home), env: deps.env, cwd: deps.cwd });
  const workspace = isAbsolute(opts.workspace) ? opts.workspace : resolve(deps.cwd, opts.workspace);
  if (!existsSync(workspace))
    return err(cliError('FILE_NOT_FOUND', `Workspace not found: ${workspace}`, { path: workspace }));
  return withInProcessRuntime(deps, paths, 'cli-run', async (rt) => {
    const enq = await rt.ops.dispatch(
      {
        kind: 'dispatch',
        workflowId: opts.workflowId,
        goal: opts.goal,
        workspace,
        ...(opts.repo !== undefined ? { repo: opts.repo } : {}),
        ...(opts.issue !== undefined ? { issueNumber: opts.issue } : {}),
        ...(opts.dryRun === true ? { dryRun: true } : {}),
        ...(opts.template !== undefined ? { template: opts.template } : {}),
      },
      'cli',
    );
    if (enq.isErr()) return err(cliError('QUEUE_ERROR', enq.error.message));
    const taskId = enq.value.task.id;
    deps.stderr(`task ${taskId} queued; running ${opts.workflowId} in ${workspace}\n`);
    const done = await waitForTask(deps, rt, taskId);
    if (done.isErr()) return err(done.error);
    const sessionId = rt.taskSessions.get(taskId);
    const status =
      sessionId === null || done.value.state === 'interrupted'
        ? null
        : (await rt.store.getSummary(sessionId)).map((s) => s.status).unwrapOr(null);
    let plan: Readonly<Record<string, unknown>> | null = null;
    if (opts.dryRun === true && sessionId !== null) {
      const events = await rt.store.readEvents(sessionId);
      const recorded = events.isOk()
        ? events.value.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'dry_run').at(-1)
        : undefined;
      if (recorded?.kind === 'delivery_recorded') plan = recorded.data.details ?? null;
    }
    return ok({ taskId, sessionId, state: done.value.state, status, error: done.value.error, plan });
  });
}

// -------------------------------------------------------------------------------------- kill / resume

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

// ----------------------------------------------------------------------------------------------- status

export interface StatusOutput {
  readonly daemon: { running: boolean; url: string; pid: number | null; activeSessions: number };
  /** The depth of the daemon's queue from its `/health` (`{name, pending, leased, succeeded, failed, dead, oldestReadyAgeMs}`); null when not running. */
  readonly queue: QueueDepth | null;
  readonly sessions: Record<string, number>;
}

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

// ------------------------------------------------------------------------------------------------- logs

export interface LogLine {
  readonly level: string;
  readonly time: number;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const LEVEL_VALUES: Record<string, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** `worktrain logs`: the daemon's JSON-lines log (`<home>/logs/daemon.log`), filtered. */
export function executeLogs(
  deps: CliDeps,
  opts: { home?: string; session?: string; level?: string; sinceMs?: number; limit?: number },
): Result<{ lines: LogLine[] }, CliError> {
  if (opts.level !== undefined && LEVEL_VALUES[opts.level] === undefined)
    return err(usageError(`--level must be one of ${Object.keys(LEVEL_VALUES).join(', ')}`));
  const paths = resolveWorktrainPaths({ ...homeOpt(opts.home), env: deps.env, cwd: deps.cwd });
  const file = join(paths.logs, 'daemon.log');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return ok({ lines: [] });
  }
  const min = opts.level !== undefined ? (LEVEL_VALUES[opts.level] ?? 0) : 0;
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const { level, time, msg, ...fields } = parsed as Record<string, unknown>;
    const lvl = typeof level === 'number' ? level : 30;
    const t = typeof time === 'number' ? time : 0;
    if (lvl < min) continue;
    if (opts.sinceMs !== undefined && t < opts.sinceMs) continue;
    if (opts.session !== undefined && fields.sessionId !== opts.session) continue;
    lines.push({
      level: LEVEL_NAMES[lvl] ?? String(lvl),
      time: t,
      msg: typeof msg === 'string' ? msg : '',
      fields,
    });
  }
  return ok({ lines: opts.limit !== undefined ? lines.slice(-opts.limit) : lines });
}

function parseSinceOption(raw: string | undefined, now: number): Result<number | undefined, CliError> {
  if (raw === undefined) return ok(undefined);
  const m = /^(\d+)([smhd])$/.exec(raw);
  if (m !== null) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return ok(now - Number(m[1]) * unit);
  }
  const t = Date.parse(raw);
  return Number.isNaN(t)
    ? err(usageError(`--since expects 30m, 12h, 7d or an ISO date, got '${raw}'`))
    : ok(t);
}

// -------------------------------------------------------------------------------------------- register

export function registerOpsCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;

  program
    .command('run')
    .description('run one workflow session in this process (no daemon): worktree, agent, delivery')
    .argument('<workflow>', 'workflow id')
    .requiredOption('--goal <text>', 'what the session should achieve')
    .requiredOption('--workspace <repo>', 'the git repository to work in')
    .option('--repo <owner/name>', 'GitHub repository to open the PR on (needs forge.github in config.yaml)')
    .option('--issue <n>', 'source issue number (PR says Closes #n; the issue gets a comment)')
    .option('--dry-run', 'run the session, then only show what delivery would push and open')
    .option('--template <name>', 'PR/MR template name (.github/PULL_REQUEST_TEMPLATE/<name>.md, …)')
    .action(
      async (
        workflowId: string,
        raw: {
          goal: string;
          workspace: string;
          repo?: string;
          issue?: string;
          dryRun?: boolean;
          template?: string;
        },
        command: Command,
      ) => {
        await ctx.run(
          command,
          async (g) => {
            if (raw.issue !== undefined && !/^\d+$/.test(raw.issue))
              return err(usageError(`--issue expects a number, got '${raw.issue}'`));
            return executeRun(deps, {
              ...homeOpt(g.home),
              workflowId,
              goal: raw.goal,
              workspace: raw.workspace,
              ...(raw.repo !== undefined ? { repo: raw.repo } : {}),
              ...(raw.issue !== undefined ? { issue: Number(raw.issue) } : {}),
              ...(raw.dryRun === true ? { dryRun: true } : {}),
              ...(raw.template !== undefined ? { template: raw.template } : {}),
            });
          },
          {
            text: (o) =>
              `session ${o.sessionId ?? '(none)'}: task ${o.state}${o.status !== null ? `, session ${o.status}` : ''}${o.error !== null ? `\n${o.error}` : ''}${
                o.plan === null
                  ? ''
                  : `\ndry run, nothing pushed or opened; the plan (worktrain delivery plan ${o.sessionId ?? ''}):\n${JSON.stringify(o.plan, null, 2)}`
              }`,
            failed: (o) => o.state !== 'succeeded',
          },
        );
      },
    );

  const sessions = program.commands.find((c) => c.name() === 'sessions') ?? program.command('sessions');
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
  registerSessionsContinue(sessions, ctx);

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

  program
    .command('logs')
    .description("the daemon's log (<home>/logs/daemon.log)")
    .option('--session <id>', 'only lines about this session')
    .option('--level <level>', 'minimum level: debug, info, warn, error')
    .option('--since <when>', '30m, 12h, 7d or an ISO date')
    .option('--limit <n>', 'only the last n lines')
    .action(
      async (raw: { session?: string; level?: string; since?: string; limit?: string }, command: Command) => {
        await ctx.run(
          command,
          async (g) => {
            const since = parseSinceOption(raw.since, deps.clock.now());
            if (since.isErr()) return err(since.error);
            if (raw.limit !== undefined && !/^\d+$/.test(raw.limit))
              return err(usageError(`--limit expects a number, got '${raw.limit}'`));
            return executeLogs(deps, {
              ...homeOpt(g.home),
              ...(raw.session !== undefined ? { session: raw.session } : {}),
              ...(raw.level !== undefined ? { level: raw.level } : {}),
              ...(since.value !== undefined ? { sinceMs: since.value } : {}),
              ...(raw.limit !== undefined ? { limit: Number(raw.limit) } : {}),
            });
          },
          {
            text: (o) =>
              o.lines
                .map((l) =>
                  `${new Date(l.time).toISOString()} ${l.level.padEnd(5)} ${escapeControl(l.msg)} ${Object.keys(l.fields).length > 0 ? JSON.stringify(l.fields) : ''}`.trimEnd(),
                )
                .join('\n'),
            json: (o) => ({ lines: o.lines }),
          },
        );
      },
    );
}
