/**
 * `worktrain spawn <workflow> --goal … --workspace … [--parent <id>]`: starts a session on the daemon as a
 * child of a session or pipeline (`POST /api/v1/dispatch` with `parentSessionId`), then waits a moment for
 * a worker to start it so the session id can be printed.
 */
import { computeBackoff, err, ok, parseDuration, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import * as z from 'zod';
import { type CliError, cliError, usageError } from '../../cli-error.js';
import { type DaemonEndpoint, daemonApi, daemonEndpoint } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import { homeOpt } from '../ops/home.js';
import { readAnswer, SessionViewSchema } from '../pipeline/api.js';
import {
  type DispatchTarget,
  parseTarget,
  resolveWorkspace,
  type TargetFlags,
  withTargetOptions,
} from '../pipeline/options.js';

/** How long `spawn` waits for a worker to start the session by default: 5 s. */
export const DEFAULT_SPAWN_WAIT_MS = 5000;

export interface SpawnOptions {
  readonly home?: string;
  readonly workflowId: string;
  readonly goal: string;
  /** Absolute path of the repository checkout. */
  readonly workspace: string;
  /** The parent session or pipeline id. */
  readonly parent?: string;
  readonly target: DispatchTarget;
  /** ms to wait for the worker to start the session (0: do not wait). */
  readonly waitMs: number;
}

export interface SpawnOutput {
  readonly taskId: string;
  /** Null when no worker started it within the wait (it is queued; `worktrain queue inspect <task>`). */
  readonly sessionId: string | null;
  readonly parentSessionId: string | null;
  /** `session` or `pipeline`: what the parent is; null without a parent. */
  readonly parentKind: 'session' | 'pipeline' | null;
}

/** What `id` names on the daemon: a session, a pipeline, or SESSION_NOT_FOUND for neither. */
async function parentKind(
  endpoint: DaemonEndpoint,
  id: string,
): Promise<Result<'session' | 'pipeline', CliError>> {
  const session = await daemonApi(endpoint, 'GET', `/sessions/${encodeURIComponent(id)}`);
  if (session.isOk()) return ok('session');
  if (session.error.code !== 'SESSION_NOT_FOUND') return err(session.error);
  const pipeline = await daemonApi(endpoint, 'GET', `/pipelines/${encodeURIComponent(id)}`);
  if (pipeline.isOk()) return ok('pipeline');
  if (pipeline.error.code !== 'PIPELINE_NOT_FOUND') return err(pipeline.error);
  return err(
    cliError('SESSION_NOT_FOUND', `No session or pipeline '${id}' on the daemon to be the parent.`, {
      sessionId: id,
    }),
  );
}

const Dispatched = z.looseObject({ task: z.looseObject({ id: z.string() }) });
const Listed = z.looseObject({ sessions: z.array(SessionViewSchema) });

/**
 * Queues the session on the daemon (a child of `parent` when given; the parent must exist), then polls the
 * daemon's sessions (the parent's children, else the newest) for the one its task started, for at most
 * `waitMs`. Errors: SESSION_NOT_FOUND (no such parent), DAEMON_UNREACHABLE, DAEMON_ERROR.
 */
export async function executeSpawn(
  deps: CliDeps,
  opts: SpawnOptions,
): Promise<Result<SpawnOutput, CliError>> {
  const endpoint = await daemonEndpoint(deps, homeOpt(opts.home));
  let kind: 'session' | 'pipeline' | null = null;
  if (opts.parent !== undefined) {
    const found = await parentKind(endpoint, opts.parent);
    if (found.isErr()) return err(found.error);
    kind = found.value;
  }
  const answer = await daemonApi(endpoint, 'POST', '/dispatch', {
    workflowId: opts.workflowId,
    goal: opts.goal,
    workspace: opts.workspace,
    ...opts.target,
    ...(opts.parent !== undefined ? { parentSessionId: opts.parent } : {}),
  });
  const task = answer.andThen((v) => readAnswer(Dispatched, v, 'POST /dispatch'));
  if (task.isErr()) return err(task.error);
  const taskId = task.value.task.id;
  const query =
    opts.parent !== undefined ? `parent=${encodeURIComponent(opts.parent)}&limit=1000` : 'limit=100';
  const deadline = deps.clock.now() + opts.waitMs;
  let sessionId: string | null = null;
  for (let round = 0; sessionId === null; round++) {
    const listed = await daemonApi(endpoint, 'GET', `/sessions?${query}`);
    const sessions = listed.andThen((v) => readAnswer(Listed, v, 'GET /sessions'));
    if (sessions.isErr()) return err(sessions.error);
    sessionId = sessions.value.sessions.find((s) => s.taskId === taskId)?.sessionId ?? null;
    const left = deadline - deps.clock.now();
    if (sessionId !== null || left <= 0 || deps.signal?.aborted === true) break;
    await deps.sleep(Math.min(left, computeBackoff(round, { baseMs: 100, capMs: 1000, jitter: 'none' })));
  }
  return ok({ taskId, sessionId, parentSessionId: opts.parent ?? null, parentKind: kind });
}

function renderSpawn(o: SpawnOutput): string {
  const parent = o.parentSessionId === null ? '' : ` as a child of ${o.parentKind} ${o.parentSessionId}`;
  if (o.sessionId !== null)
    return `session ${o.sessionId} started${parent} (task ${o.taskId})\nwait for it: worktrain await ${o.sessionId}`;
  return `task ${o.taskId} queued${parent}; no worker has started its session yet.\nfind it later: worktrain queue inspect ${o.taskId}, or worktrain sessions list --tree`;
}

/** Registers `spawn <workflow>`. */
export function registerSpawn(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const command = program
    .command('spawn')
    .description('start a session on the daemon, as a child of a session or pipeline with --parent')
    .argument('<workflow>', 'workflow id')
    .requiredOption('--goal <text>', 'what the session should achieve')
    .requiredOption('--workspace <repo>', 'the git repository to work in')
    .option('--parent <id>', 'the parent session (sess_…) or pipeline (pl_…)');
  withTargetOptions(command)
    .option('--wait <duration>', 'how long to wait for a worker to start the session (default 5s; 0 = none)')
    .action(
      async (
        workflowId: string,
        raw: TargetFlags & { goal: string; workspace: string; parent?: string; wait?: string },
        cmd: Command,
      ) => {
        await ctx.run(
          cmd,
          async (g) => {
            const waitMs = raw.wait === undefined ? DEFAULT_SPAWN_WAIT_MS : parseDuration(raw.wait);
            if (waitMs === undefined)
              return err(usageError(`option '--wait' expects a duration (5s, 1m), got '${raw.wait}'`));
            const parsed = parseTarget(raw).andThen((target) =>
              resolveWorkspace(deps, raw.workspace).map((workspace) => ({ target, workspace })),
            );
            if (parsed.isErr()) return err(parsed.error);
            return executeSpawn(deps, {
              ...homeOpt(g.home),
              workflowId,
              goal: raw.goal,
              workspace: parsed.value.workspace,
              ...(raw.parent !== undefined ? { parent: raw.parent } : {}),
              target: parsed.value.target,
              waitMs,
            });
          },
          { text: renderSpawn },
        );
      },
    );
}
