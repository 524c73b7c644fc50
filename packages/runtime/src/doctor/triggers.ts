/**
 * Doctor's `triggers` and `workspaces` checks: the triggers load as the daemon loads them, and each valid
 * trigger can run (its workflow is installed or its pipeline kind known, its workspace is a clone whose origin has a default branch).
 */
import type { WorktrainPaths } from '@worktrain/contracts';
import { createBuiltinRegistry, loadTriggerFiles, missingTriggersFileMessage } from '@worktrain/triggers';
import { checkTriggersRunnable, triggerCheckFor } from '../trigger-check.js';
import { type DoctorCheck, doctorCheck } from './check.js';

type Env = Readonly<Record<string, string | undefined>>;

/** One valid trigger as the `triggers` check lists it in `details.workspaces`. */
export interface TriggerWorkspace {
  readonly triggerId: string;
  /** The workflow its tasks run; null when it names a {@link pipeline}. */
  readonly workflowId: string | null;
  /** The pipeline kind its tasks start; null when it names a {@link workflowId}. */
  readonly pipeline: string | null;
  readonly workspace: string;
  readonly file: string;
  readonly index: number;
}

/** The `triggers` check and the valid triggers it found (empty unless the check is `ok`). */
export interface TriggersFinding {
  readonly check: DoctorCheck;
  readonly triggers: readonly TriggerWorkspace[];
}

/**
 * The triggers as the daemon loads them (`loadTriggerFiles`: the global file, its workspaces'
 * `.worktrain/triggers.yaml`, `$NAME`s over `.env`), so doctor reports the same error, with the same
 * line and column, as the daemon's start and `worktrain trigger validate`. `warn` when the global file is
 * missing; `ok` lists every trigger in `details.workspaces` and in `triggers` (for {@link checkWorkspaces}).
 */
export async function checkTriggers(
  paths: Pick<WorktrainPaths, 'triggers' | 'envFile'>,
  env: Env,
): Promise<TriggersFinding> {
  const loaded = await loadTriggerFiles({
    globalPath: paths.triggers,
    env,
    envFile: paths.envFile,
    registry: createBuiltinRegistry(),
  });
  if (loaded.isOk() && (loaded.value.missing ?? []).includes(paths.triggers))
    return {
      check: doctorCheck(
        'triggers',
        'warn',
        missingTriggersFileMessage(paths.triggers),
        'run `worktrain init`',
        {
          path: paths.triggers,
        },
      ),
      triggers: [],
    };
  if (loaded.isOk()) {
    const { files, triggers } = loaded.value;
    const workspaces: TriggerWorkspace[] = triggers.map((t) => ({
      triggerId: t.id,
      workflowId: t.workflowId,
      pipeline: t.pipeline,
      workspace: t.workspace,
      file: t.file,
      index: t.index,
    }));
    return {
      check: doctorCheck(
        'triggers',
        'ok',
        `${files.join(', ')} valid (${triggers.length} trigger${triggers.length === 1 ? '' : 's'})`,
        undefined,
        { path: paths.triggers, files, triggers: triggers.map((t) => t.id), workspaces },
      ),
      triggers: workspaces,
    };
  }
  const issues = Array.isArray(loaded.error.details?.issues) ? loaded.error.details.issues : [];
  return {
    check: doctorCheck('triggers', 'fail', loaded.error.message, 'fix the issues above (docs/triggers.md)', {
      path: paths.triggers,
      issues,
    }),
    triggers: [],
  };
}

/**
 * Whether the valid triggers can run: the daemon's own trigger check (`checkTriggersRunnable`, also run by
 * `trigger validate`, the daemon's hot reload and its webhooks): each trigger's workflow loads from the
 * daemon's workflow sources, and its workspace is a git repository whose origin has a default branch
 * (sessions branch from it and deliver there). Problems are warnings (the daemon still starts; webhooks of
 * such a trigger answer 422); null when there is no valid trigger to look at.
 */
export async function checkWorkspaces(
  entries: readonly TriggerWorkspace[],
  paths: Pick<WorktrainPaths, 'home' | 'workflows' | 'config' | 'envFile'>,
  env: Env,
): Promise<DoctorCheck | null> {
  if (entries.length === 0) return null;
  const deps = triggerCheckFor(paths, env);
  if (deps.isErr())
    return doctorCheck(
      'workspaces',
      'warn',
      `cannot check whether the triggers can run: ${deps.error.message}`,
      'fix config.yaml (see the config check)',
    );
  const problems = await checkTriggersRunnable(
    entries.map((e) => ({ ...e, id: e.triggerId })),
    deps.value,
  );
  if (problems.length === 0) {
    const n = new Set(entries.map((e) => e.workspace)).size;
    return doctorCheck(
      'workspaces',
      'ok',
      `${n} workspace${n === 1 ? '' : 's'}: git repositories whose origin has a default branch; every trigger's workflow is installed (or pipeline known)`,
    );
  }
  return doctorCheck(
    'workspaces',
    'warn',
    problems.map((p) => `${p.triggerId}: ${p.message}`).join('; '),
    'point `workspace:` at a clone of the repository (with its origin remote and a pushed default branch) and `workflowId:` at an installed workflow (`worktrain workflow list`) or `pipeline:` at a pipeline kind the daemon runs (feature); until then their webhooks answer 422',
    { problems: problems.map((p) => ({ triggerId: p.triggerId, path: p.path, message: p.message })) },
  );
}
