/**
 * `worktrain pipeline run [kind] --goal … --workspace …`: dispatches a pipeline on the daemon
 * (`POST /api/v1/pipelines`), or with `--dry-run` only shows its stage plan and budget.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import { daemonApi, daemonEndpoint } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import { renderDryRun, renderStarted } from '../../format/pipelines.js';
import type { CommandContext } from '../../program.js';
import { homeOpt } from '../ops/home.js';
import { defaultActor } from '../queue/options.js';
import { type PipelinePlanView, PlanSchema, readAnswer } from './api.js';
import {
  type BudgetFlags,
  type BudgetOverrides,
  type DispatchTarget,
  parseBudget,
  parseTarget,
  resolveWorkspace,
  type TargetFlags,
  withBudgetOptions,
  withTargetOptions,
} from './options.js';

export interface PipelineRunOptions {
  readonly home?: string;
  readonly kind: string;
  readonly goal: string;
  /** Absolute path of the repository checkout. */
  readonly workspace: string;
  readonly target: DispatchTarget;
  readonly budget?: BudgetOverrides;
  readonly dryRun: boolean;
}

/** `pipeline run`: either the plan of a dry run, or the started pipeline with its plan. */
export type PipelineRunOutput =
  | { readonly dryRun: true; readonly plan: PipelinePlanView }
  | {
      readonly dryRun: false;
      readonly pipelineId: string;
      readonly taskId: string;
      readonly plan: PipelinePlanView;
    };

/**
 * Dispatches a pipeline of `kind` on the daemon of `home`, or with `dryRun` asks only for its plan (stages
 * and the budget with the overrides applied; nothing is recorded or started). Errors: DAEMON_UNREACHABLE,
 * DAEMON_ERROR (an unknown kind is the daemon's PAYLOAD_INVALID, a bad body BODY_INVALID).
 */
export async function executePipelineRun(
  deps: CliDeps,
  opts: PipelineRunOptions,
): Promise<Result<PipelineRunOutput, CliError>> {
  const endpoint = await daemonEndpoint(deps, homeOpt(opts.home));
  const answer = await daemonApi(endpoint, 'POST', '/pipelines', {
    kind: opts.kind,
    goal: opts.goal,
    workspace: opts.workspace,
    ...opts.target,
    ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
    ...(opts.dryRun ? { dryRun: true } : {}),
    actor: defaultActor(deps.env),
  });
  if (answer.isErr()) return err(answer.error);
  const v = answer.value;
  const fields = typeof v === 'object' && v !== null ? { ...v } : {};
  const plan = readAnswer(PlanSchema, 'plan' in fields ? fields.plan : undefined, 'POST /pipelines');
  if (plan.isErr()) return err(plan.error);
  if (opts.dryRun) return ok({ dryRun: true, plan: plan.value });
  const pipelineId = 'pipelineId' in fields ? String(fields.pipelineId) : '';
  const taskId = 'taskId' in fields ? String(fields.taskId) : '';
  return ok({ dryRun: false, pipelineId, taskId, plan: plan.value });
}

/** Registers `pipeline run [kind]`. */
export function registerPipelineRun(pipeline: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const command = pipeline
    .command('run')
    .description('start a pipeline on the daemon (or with --dry-run show its stage plan and budget)')
    .argument('[kind]', 'pipeline kind (worktrain pipeline kinds: GET /api/v1/pipeline-kinds)', 'feature')
    .requiredOption('--goal <text>', 'what the change should achieve')
    .requiredOption('--workspace <repo>', 'the git repository (checkout) the children work in');
  withBudgetOptions(withTargetOptions(command))
    .option('--dry-run', 'only print the stage plan and the budget; nothing is recorded or started')
    .action(
      async (
        kind: string,
        raw: TargetFlags & BudgetFlags & { goal: string; workspace: string; dryRun?: boolean },
        cmd: Command,
      ) => {
        await ctx.run(
          cmd,
          async (g) => {
            const parsed = parseTarget(raw).andThen((target) =>
              parseBudget(raw).andThen((budget) =>
                resolveWorkspace(deps, raw.workspace).map((workspace) => ({ target, budget, workspace })),
              ),
            );
            if (parsed.isErr()) return err(parsed.error);
            return executePipelineRun(deps, {
              ...homeOpt(g.home),
              kind,
              goal: raw.goal,
              workspace: parsed.value.workspace,
              target: parsed.value.target,
              ...(parsed.value.budget !== undefined ? { budget: parsed.value.budget } : {}),
              dryRun: raw.dryRun === true,
            });
          },
          {
            text: (o) => (o.dryRun ? renderDryRun(o.plan) : renderStarted(o)),
          },
        );
      },
    );
}
