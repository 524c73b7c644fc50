import { delimiter, isAbsolute, resolve } from 'node:path';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { WorkflowRegistry, WorkflowSourceDir } from '@worktrain/engine';
import { bundledWorkflowsDir } from '@worktrain/workflows';
import { type CliError, cliError } from './cli-error.js';
import type { CliDeps } from './deps.js';

/** Where workflow commands look for workflows. */
export interface WorkflowSourceOptions {
  /** `--home`; the user workflow directory is `<home>/workflows`. */
  readonly home?: string;
  /** `--workflows <dir>` (repeatable), after `WORKTRAIN_WORKFLOWS_PATH`. */
  readonly workflowDirs?: readonly string[];
  /** `--workspace <path>`: its `.worktrain/workflows` and `.workrail/workflows` are read last. */
  readonly workspacePath?: string;
}

/** Resolves a command-line path against the CLI's working directory. */
export function resolvePath(deps: Pick<CliDeps, 'cwd'>, path: string): string {
  return isAbsolute(path) ? path : resolve(deps.cwd, path);
}

/**
 * The workflow sources, in shadowing order (docs/workflow-authoring.md): bundled, user
 * (`$WORKTRAIN_HOME/workflows`), extra directories (`WORKTRAIN_WORKFLOWS_PATH`, then `--workflows`);
 * the workspace's own directories are added by the registry from `workspacePath`.
 * An explicitly named directory that does not exist is an error (FILE_NOT_FOUND), not silently skipped.
 */
export function workflowSources(
  deps: CliDeps,
  opts: WorkflowSourceOptions,
): Result<WorkflowSourceDir[], CliError> {
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const sources: WorkflowSourceDir[] = [{ kind: 'bundled', dir: bundledWorkflowsDir }];
  if (deps.fs.exists(paths.workflows)) sources.push({ kind: 'user', dir: paths.workflows });
  const fromEnv = (deps.env.WORKTRAIN_WORKFLOWS_PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const dir of [...fromEnv, ...(opts.workflowDirs ?? [])].map((d) => resolvePath(deps, d))) {
    if (!deps.fs.exists(dir)) {
      return err(cliError('FILE_NOT_FOUND', `Workflow directory not found: ${dir}`, { path: dir }));
    }
    sources.push({ kind: 'custom', dir });
  }
  return ok(sources);
}

/**
 * Builds the registry over {@link workflowSources}; the workspace path comes back resolved. The engine is
 * imported here, not at start-up, so commands that never read workflows do not load it.
 */
export async function buildWorkflowRegistry(
  deps: CliDeps,
  opts: WorkflowSourceOptions,
): Promise<
  Result<{ readonly registry: WorkflowRegistry; readonly workspacePath: string | undefined }, CliError>
> {
  const workspacePath = opts.workspacePath === undefined ? undefined : resolvePath(deps, opts.workspacePath);
  if (workspacePath !== undefined && !deps.fs.exists(workspacePath)) {
    return err(cliError('FILE_NOT_FOUND', `Workspace not found: ${workspacePath}`, { path: workspacePath }));
  }
  const { createWorkflowRegistry } = await import('@worktrain/engine');
  return workflowSources(deps, opts).map((sources) => ({
    registry: createWorkflowRegistry({ sources }),
    workspacePath,
  }));
}
