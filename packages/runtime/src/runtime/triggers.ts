/**
 * The daemon's triggers: loading the global triggers.yaml and its workspaces' `.worktrain/triggers.yaml`
 * through `@worktrain/triggers`' loader, the router that admits only triggers that can run (and wakes the
 * workers and prefetches the base branch of each task it enqueues), and hot reload by the package's watcher.
 */
import type { Clock, Logger, Result, WorktrainPaths } from '@worktrain/contracts';
import { err, ok } from '@worktrain/contracts';
import type { WorkflowRegistry } from '@worktrain/engine';
import type { SqliteTaskQueue } from '@worktrain/queue';
import {
  createBuiltinRegistry,
  loadTriggerFilesWithPaths,
  type TriggerConfig,
  type TriggerScheduler,
  type TriggerStore,
  triggerError,
  watchTriggerConfig,
} from '@worktrain/triggers';
import type { WorkspaceManager } from '@worktrain/workspace';
import { type RuntimeError, runtimeError } from '../errors.js';
import { NotifyingTriggerRouter } from '../notifying-router.js';
import { checkTriggersRunnable, createRunnableGate, type TriggerCheckDeps } from '../trigger-check.js';
import { PIPELINE_KINDS } from './pipelines.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the daemon's triggers come from: the global file, its workspaces' files, `$NAME`s over `.env`. */
function triggerFileOptions(paths: WorktrainPaths, env: Env) {
  return { globalPath: paths.triggers, envFile: paths.envFile, env, registry: createBuiltinRegistry() };
}

/** Loaded triggers and the files they came from (watched for hot reload). */
export interface LoadedTriggers {
  readonly config: TriggerConfig;
  readonly paths: readonly string[];
}

/**
 * Loads the triggers through `@worktrain/triggers`' loader: `$WORKTRAIN_HOME/triggers.yaml` (missing = no
 * triggers, logged with what to do) and the `.worktrain/triggers.yaml` of each workspace it names. The
 * error is the loader's, unchanged in message (what `worktrain trigger validate` and doctor print), as
 * TRIGGERS_FAILED with `details.triggerCode`.
 */
export async function loadTriggers(
  paths: WorktrainPaths,
  env: Env,
): Promise<Result<LoadedTriggers, RuntimeError>> {
  const loaded = await loadTriggerFilesWithPaths(triggerFileOptions(paths, env));
  if (loaded.result.isErr())
    return err(
      runtimeError('TRIGGERS_FAILED', loaded.result.error.message, {
        triggerCode: loaded.result.error.code,
        ...(loaded.result.error.details ?? {}),
      }),
    );
  return ok({ config: loaded.result.value, paths: loaded.paths });
}

/** The router of the loaded triggers and the check it (and hot reload) runs on each trigger. */
export interface TriggerRouting {
  readonly router: NotifyingTriggerRouter;
  readonly check: TriggerCheckDeps;
}

/**
 * The daemon's check that a trigger can run (its workflow loads or its pipeline kind is one the daemon
 * runs, its workspace is a repository whose
 * origin has a default branch; a webhook for one that cannot is answered 422, with no task) and the router
 * over it. A task the router admits wakes this daemon's workers at once (polling stays as the fallback),
 * and the fetch of its repository's base branch starts now, while the task is claimed and its session
 * starts, instead of after. Triggers that cannot run are logged once at start.
 */
export function createTriggerRouting(input: {
  readonly triggers: TriggerConfig;
  readonly store: TriggerStore;
  readonly queue: SqliteTaskQueue;
  readonly workflows: WorkflowRegistry;
  readonly workspaces: WorkspaceManager;
  readonly clock: Clock;
  readonly logger: Logger;
}): TriggerRouting {
  const { workspaces, queue, logger } = input;
  const check: TriggerCheckDeps = {
    workflows: input.workflows,
    pipelineKinds: PIPELINE_KINDS,
    defaultBranch: (repoPath) => workspaces.defaultBranch(repoPath),
  };
  const runnableGate = createRunnableGate(check, { clock: input.clock });
  const router = new NotifyingTriggerRouter(
    {
      config: input.triggers,
      store: input.store,
      clock: input.clock,
      logger: logger.child({ component: 'triggers' }),
      runnable: (trigger) => runnableGate(trigger),
    },
    (name, outcome) => {
      queue.notifyEnqueued(name);
      if (outcome.candidate !== null) void workspaces.prefetchBase({ repoPath: outcome.candidate.workspace });
    },
  );
  return { router, check };
}

/** Logs each trigger that cannot run (its webhooks answer 422 until fixed); never fails the start. */
export function warnUnrunnableTriggers(
  triggers: TriggerConfig,
  check: TriggerCheckDeps,
  logger: Logger,
): void {
  void checkTriggersRunnable(triggers.triggers, check).then((problems) => {
    for (const p of problems)
      logger.warn(
        { triggerId: p.triggerId, path: p.path, code: 'TRIGGER_NOT_RUNNABLE' },
        `trigger ${p.triggerId} cannot run: ${p.message}`,
      );
  });
}

/**
 * Hot reload (DESIGN §6), by the triggers package's watcher: a valid edit of triggers.yaml, of a
 * workspace's .worktrain/triggers.yaml or of .env (a rotated secret) replaces the trigger set; an invalid
 * one, or one with a trigger that cannot run, keeps the old set and logs why. Returns the watcher's close.
 */
export function watchTriggers(input: {
  readonly paths: WorktrainPaths;
  readonly env: Env;
  readonly routing: TriggerRouting;
  readonly scheduler: TriggerScheduler;
  readonly initialPaths: readonly string[];
  readonly logger: Logger;
}): () => void | Promise<void> {
  const { routing } = input;
  const watcher = watchTriggerConfig({
    ...triggerFileOptions(input.paths, input.env),
    router: routing.router,
    scheduler: input.scheduler,
    logger: input.logger,
    initialPaths: input.initialPaths,
    accept: async (candidate) => {
      const problems = await checkTriggersRunnable(candidate.triggers, routing.check);
      if (problems.length === 0) return null;
      return triggerError(
        'TRIGGER_NOT_RUNNABLE',
        problems.map((p) => `${p.triggerId}: ${p.message}`).join('; '),
        { issues: problems },
      );
    },
  });
  return () => watcher.close();
}
