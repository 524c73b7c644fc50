/**
 * `worktrain run <workflow>`: one session in this process with the daemon's lifecycle, no daemon needed.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import { waitForTask, withInProcessRuntime } from '../in-process-runtime.js';
import { homeOpt } from './home.js';

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

/** Registers `run <workflow>`. */
export function registerRun(program: Command, ctx: CommandContext): void {
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
}
