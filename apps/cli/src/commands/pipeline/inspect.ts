/**
 * `worktrain pipeline list|show|cancel|kinds`: the daemon's pipelines (`/api/v1/pipelines`), one with its
 * children, spend and proof record, a cancel request, and the kinds the daemon runs.
 */
import { err, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import * as z from 'zod';
import { type CliError, usageError } from '../../cli-error.js';
import { daemonApi, daemonEndpoint } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import { renderPipelineList, renderPipelineShow, renderPlan } from '../../format/pipelines.js';
import { parsePositiveInt } from '../../options.js';
import type { CommandContext } from '../../program.js';
import { homeOpt } from '../ops/home.js';
import { defaultActor } from '../queue/options.js';
import {
  PipelineDetailSchema,
  type PipelineDetailView,
  type PipelinePlanView,
  PipelineSummarySchema,
  type PipelineSummaryView,
  PlanSchema,
  readAnswer,
} from './api.js';

/** The statuses `--status` accepts (`PipelineStatus` of @worktrain/coordinator-kit). */
export const PIPELINE_STATUSES = ['running', 'completed', 'escalated', 'failed', 'cancelled'] as const;

/** `pipeline list`: newest first. Errors: USAGE (a status not in {@link PIPELINE_STATUSES}), the daemon's. */
export async function executePipelineList(
  deps: CliDeps,
  opts: { home?: string; status?: string; limit?: number },
): Promise<Result<{ pipelines: readonly PipelineSummaryView[] }, CliError>> {
  if (opts.status !== undefined && !(PIPELINE_STATUSES as readonly string[]).includes(opts.status))
    return err(
      usageError(`option '--status' expects one of ${PIPELINE_STATUSES.join(', ')}; got '${opts.status}'`),
    );
  const query = new URLSearchParams({
    ...(opts.status !== undefined ? { status: opts.status } : {}),
    limit: String(opts.limit ?? 50),
  });
  const answer = await daemonApi(
    await daemonEndpoint(deps, homeOpt(opts.home)),
    'GET',
    `/pipelines?${query}`,
  );
  return answer.andThen((v) =>
    readAnswer(z.looseObject({ pipelines: z.array(PipelineSummarySchema) }), v, 'GET /pipelines'),
  );
}

/** `pipeline show <id>`. Errors: PIPELINE_NOT_FOUND, DAEMON_UNREACHABLE, DAEMON_ERROR. */
export async function executePipelineShow(
  deps: CliDeps,
  opts: { home?: string; pipelineId: string },
): Promise<Result<PipelineDetailView, CliError>> {
  const answer = await daemonApi(
    await daemonEndpoint(deps, homeOpt(opts.home)),
    'GET',
    `/pipelines/${encodeURIComponent(opts.pipelineId)}`,
  );
  return answer.andThen((v) => readAnswer(PipelineDetailSchema, v, 'GET /pipelines/:id'));
}

/**
 * `pipeline cancel <id>`: records the request; the pipeline's coordinator stops its running children and
 * ends it as `cancelled`. Errors: PIPELINE_NOT_FOUND, DAEMON_ERROR (INVALID_STATE: it already ended).
 */
export async function executePipelineCancel(
  deps: CliDeps,
  opts: { home?: string; pipelineId: string; reason?: string },
): Promise<Result<{ pipelineId: string; cancelRequested: true }, CliError>> {
  const answer = await daemonApi(
    await daemonEndpoint(deps, homeOpt(opts.home)),
    'POST',
    `/pipelines/${encodeURIComponent(opts.pipelineId)}/cancel`,
    { actor: defaultActor(deps.env), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) },
  );
  return answer.map(() => ({ pipelineId: opts.pipelineId, cancelRequested: true as const }));
}

/** `pipeline kinds`: the kinds the daemon runs, each with its plan under the default budget. */
export async function executePipelineKinds(
  deps: CliDeps,
  opts: { home?: string },
): Promise<Result<{ kinds: readonly PipelinePlanView[] }, CliError>> {
  const answer = await daemonApi(await daemonEndpoint(deps, homeOpt(opts.home)), 'GET', '/pipeline-kinds');
  return answer.andThen((v) =>
    readAnswer(z.looseObject({ kinds: z.array(PlanSchema) }), v, 'GET /pipeline-kinds'),
  );
}

/** Registers `pipeline list`. */
export function registerPipelineList(pipeline: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  pipeline
    .command('list')
    .description("list the daemon's pipelines, most recently updated first")
    .option('--status <status>', `only pipelines with this status (${PIPELINE_STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most n pipelines (default 50, max 1000)')
    .action(async (raw: { status?: string; limit?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const limit = parsePositiveInt('--limit', raw.limit);
          if (limit.isErr()) return err(limit.error);
          return executePipelineList(deps, {
            ...homeOpt(g.home),
            ...(raw.status !== undefined ? { status: raw.status } : {}),
            ...(limit.value !== undefined ? { limit: Math.min(limit.value, 1000) } : {}),
          });
        },
        { text: (o) => renderPipelineList(o.pipelines) },
      );
    });
}

/** Registers `pipeline show|cancel|kinds`. */
export function registerPipelineInspect(pipeline: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  pipeline
    .command('show')
    .description('a pipeline: status, stage, children with their spend, budget against spend, proof record')
    .argument('<pipeline-id>', 'the pipeline id (pl_…)')
    .action(async (pipelineId: string, _raw: unknown, command: Command) => {
      await ctx.run(command, async (g) => executePipelineShow(deps, { ...homeOpt(g.home), pipelineId }), {
        text: (d) => renderPipelineShow(d, deps.clock.now()),
      });
    });
  pipeline
    .command('cancel')
    .description('cancel a running pipeline: its running children are stopped and it ends as cancelled')
    .argument('<pipeline-id>', 'the pipeline id (pl_…)')
    .option('--reason <text>', 'recorded in the pipeline log')
    .action(async (pipelineId: string, raw: { reason?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) =>
          executePipelineCancel(deps, {
            ...homeOpt(g.home),
            pipelineId,
            ...(raw.reason !== undefined ? { reason: raw.reason } : {}),
          }),
        {
          text: (o) =>
            `cancel requested for ${o.pipelineId}: its coordinator stops the running children and ends it as cancelled (worktrain pipeline show ${o.pipelineId})`,
        },
      );
    });
  pipeline
    .command('kinds')
    .description('the pipeline kinds the daemon runs, each with its stage plan and default budget')
    .action(async (_raw: unknown, command: Command) => {
      await ctx.run(command, async (g) => executePipelineKinds(deps, homeOpt(g.home)), {
        text: (o) => (o.kinds.length === 0 ? 'no pipeline kinds' : o.kinds.map(renderPlan).join('\n\n')),
      });
    });
}
