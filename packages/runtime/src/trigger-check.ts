/**
 * Whether a trigger's tasks can run at all: the daemon's own check, run before a trigger is trusted —
 * `worktrain trigger validate`, `worktrain doctor`, the daemon's hot reload of triggers.yaml, and every
 * webhook (a trigger that cannot run answers 422 instead of making a task that dead-letters).
 *
 * A trigger can run when its workflow loads from the daemon's workflow sources (for its workspace, whose
 * own `.worktrain/workflows` count), or the pipeline it names is a kind the daemon runs, and its workspace is a git repository whose origin has a default branch
 * (`defaultBranchOf`: the lookup the daemon makes before it creates a session's worktree).
 */
import { resolve } from 'node:path';
import {
  type Clock,
  err,
  ok,
  type Result,
  type ResultAsync,
  systemClock,
  type WorktrainPaths,
} from '@worktrain/contracts';
import {
  createWorkflowRegistry,
  type EngineError,
  type WorkflowRegistry,
  type WorkflowSourceDir,
} from '@worktrain/engine';
import {
  type ConfigIssue,
  type TriggerDefinition,
  type TriggerError,
  triggerError,
} from '@worktrain/triggers';
import { bundledWorkflowsDir } from '@worktrain/workflows';
import { defaultBranchOf, type WorkspaceError } from '@worktrain/workspace';
import { loadRuntimeConfig, type RuntimeConfig } from './config.js';
import type { RuntimeError } from './errors.js';
import { PIPELINE_KINDS } from './runtime/pipelines.js';

/** The workflow sources of a daemon: bundled, `<home>/workflows`, then config.yaml's `workflowDirs`. */
export function daemonWorkflowSources(
  config: Pick<RuntimeConfig, 'workflowDirs'>,
  paths: Pick<WorktrainPaths, 'home' | 'workflows'>,
): WorkflowSourceDir[] {
  return [
    { kind: 'bundled', dir: bundledWorkflowsDir },
    { kind: 'user', dir: paths.workflows },
    ...config.workflowDirs.map(
      (dir): WorkflowSourceDir => ({ kind: 'custom', dir: resolve(paths.home, dir) }),
    ),
  ];
}

/** What the check looks things up with: the daemon's registry and default-branch lookup. */
export interface TriggerCheckDeps {
  readonly workflows: WorkflowRegistry;
  /** The pipeline kinds the daemon runs (`PIPELINE_KINDS`): what a trigger's `pipeline:` may name. */
  readonly pipelineKinds: readonly string[];
  readonly defaultBranch: (repoPath: string) => ResultAsync<string, WorkspaceError>;
}

/** Why a trigger cannot run, located like a config issue (`triggers[2].workspace` in its file). */
export interface TriggerProblem extends ConfigIssue {
  readonly triggerId: string;
}

/** The trigger's keys the check reads. */
type Checked = Pick<TriggerDefinition, 'id' | 'workflowId' | 'pipeline' | 'workspace' | 'file' | 'index'>;

/** Workspace errors in words (the error's own message for the rest). */
function workspaceProblem(workspace: string, e: WorkspaceError): string {
  switch (e.code) {
    case 'WORKTREE_MISSING':
      return `${workspace} does not exist`;
    case 'NOT_A_REPOSITORY':
      return `${workspace} is not a git repository`;
    case 'BASE_BRANCH_NOT_FOUND':
      return e.details?.reason === 'no_default_branch'
        ? `${workspace}: its origin has no default branch to start sessions from (push a branch to origin)`
        : `${workspace} has no origin remote`;
    default:
      return `${workspace}: ${e.message}`;
  }
}

function workflowProblem(e: EngineError): string {
  return e.message;
}

/** An unknown pipeline kind, worded like an unknown workflow (`no workflow with id '…'`). */
function pipelineProblem(kind: string, known: readonly string[]): string {
  return `no pipeline kind '${kind}' (this daemon runs: ${known.join(', ') || 'none'})`;
}

/**
 * The problems of each trigger (none: it can run), in trigger order. Lookups of one workspace are shared
 * by the triggers that name it. Never fails: an error of a lookup is a problem of the trigger.
 */
export async function checkTriggersRunnable(
  triggers: readonly Checked[],
  deps: TriggerCheckDeps,
): Promise<TriggerProblem[]> {
  const branches = new Map<string, Promise<Result<string, WorkspaceError>>>();
  const branchOf = (workspace: string) => {
    let found = branches.get(workspace);
    if (found === undefined) {
      found = Promise.resolve(deps.defaultBranch(workspace));
      branches.set(workspace, found);
    }
    return found;
  };
  const perTrigger = await Promise.all(
    triggers.map(async (t): Promise<TriggerProblem[]> => {
      const at = (key: string, message: string): TriggerProblem => ({
        triggerId: t.id,
        file: t.file,
        path: `triggers[${t.index}].${key}`,
        line: null,
        col: null,
        message,
      });
      const [workflow, branch] = await Promise.all([
        t.workflowId === null
          ? Promise.resolve(null)
          : deps.workflows.get(t.workflowId, { workspacePath: t.workspace }),
        branchOf(t.workspace),
      ]);
      const problems: TriggerProblem[] = [];
      if (t.pipeline !== null && !deps.pipelineKinds.includes(t.pipeline))
        problems.push(at('pipeline', pipelineProblem(t.pipeline, deps.pipelineKinds)));
      if (workflow?.isErr() === true) problems.push(at('workflowId', workflowProblem(workflow.error)));
      if (branch.isErr()) problems.push(at('workspace', workspaceProblem(t.workspace, branch.error)));
      return problems;
    }),
  );
  return perTrigger.flat();
}

/** TRIGGER_NOT_RUNNABLE with the problems as `details.issues` (what config errors carry). */
export function notRunnable(problems: readonly TriggerProblem[]): TriggerError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return triggerError(
    'TRIGGER_NOT_RUNNABLE',
    first === undefined
      ? 'the trigger cannot run'
      : `trigger "${first.triggerId}" cannot run: ${first.message}${more}`,
    { triggerId: first?.triggerId ?? null, issues: problems },
  );
}

/** How long a trigger found runnable is not checked again by {@link createRunnableGate} (ms). */
export const RUNNABLE_VERDICT_TTL_MS = 5_000;

/**
 * The check as the daemon's router runs it before admitting a webhook: `ok` when the trigger can run,
 * TRIGGER_NOT_RUNNABLE otherwise. A "can run" verdict is reused for `ttlMs` per trigger definition (so a
 * burst of webhooks costs one check, and an edit of triggers.yaml is checked afresh); concurrent checks of
 * one trigger share one run; a "cannot run" verdict is never reused, so a fix is seen at once.
 */
export function createRunnableGate(
  deps: TriggerCheckDeps,
  options: { readonly clock?: Clock; readonly ttlMs?: number } = {},
): (trigger: TriggerDefinition) => Promise<Result<void, TriggerError>> {
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? RUNNABLE_VERDICT_TTL_MS;
  const runnableAt = new WeakMap<TriggerDefinition, number>();
  const running = new WeakMap<TriggerDefinition, Promise<Result<void, TriggerError>>>();
  return (trigger) => {
    const at = runnableAt.get(trigger);
    if (at !== undefined && clock.now() - at < ttlMs) return Promise.resolve(ok(undefined));
    const inFlight = running.get(trigger);
    if (inFlight !== undefined) return inFlight;
    const started = clock.now();
    const check = checkTriggersRunnable([trigger], deps).then((problems) => {
      running.delete(trigger);
      if (problems.length > 0) return err(notRunnable(problems));
      runnableAt.set(trigger, started);
      return ok(undefined);
    });
    running.set(trigger, check);
    return check;
  };
}

/**
 * The check's lookups as a daemon of `paths` would make them, for commands outside the daemon (`trigger
 * validate`, `doctor`): config.yaml's `workflowDirs` (over `.env` and `env`, like the daemon) and
 * `defaultBranchOf`. Errors: config.yaml's (CONFIG_READ, CONFIG_YAML, CONFIG_INVALID).
 */
export function triggerCheckFor(
  paths: Pick<WorktrainPaths, 'home' | 'workflows' | 'config' | 'envFile'>,
  env: Readonly<Record<string, string | undefined>>,
): Result<TriggerCheckDeps, RuntimeError> {
  const config = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env });
  if (config.isErr()) return err(config.error);
  return ok({
    workflows: createWorkflowRegistry({ sources: daemonWorkflowSources(config.value, paths) }),
    pipelineKinds: PIPELINE_KINDS,
    defaultBranch: defaultBranchOf,
  });
}
