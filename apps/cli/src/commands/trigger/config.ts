/**
 * What every `trigger` subcommand shares: the `--config` / `--repo` flags, loading the triggers through the
 * daemon's own loader, the daemon's runnable check, finding a trigger by id, and the error mapping.
 */
import { isAbsolute, resolve } from 'node:path';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
// Types only: `@worktrain/triggers` and `@worktrain/runtime` are imported by the commands that use them, so
// that the CLI starts without loading them.
import type { ConfigIssue, TriggerConfig, TriggerDefinition, TriggerError } from '@worktrain/triggers';
import { type CliError, cliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';

/** Options shared by every `trigger` command. */
export interface TriggerConfigOptions {
  readonly home?: string;
  /** `--config <file>`; default `$WORKTRAIN_HOME/triggers.yaml`. */
  readonly config?: string;
  /** `--repo <dir>` (repeatable): also load `<dir>/.worktrain/triggers.yaml` (per-repo triggers). */
  readonly repos?: readonly string[];
}

/** Maps a triggers package error onto the CLI's codes, keeping the original in `details.triggerCode`. */
export function fromTriggerError(error: TriggerError): CliError {
  const details = { ...error.details, triggerCode: error.code };
  if (error.code === 'CONFIG_INVALID' || error.code === 'CONFIG_YAML')
    return cliError('TRIGGER_CONFIG_INVALID', error.message, details);
  if (error.code === 'TRIGGER_NOT_FOUND') return cliError('TRIGGER_NOT_FOUND', error.message, details);
  if (error.code === 'CONFIG_NOT_FOUND') return cliError('FILE_NOT_FOUND', error.message, details);
  return cliError('TRIGGER_ERROR', error.message, details);
}

/** The global triggers file: `--config` (relative to the cwd) or `$WORKTRAIN_HOME/triggers.yaml`. */
export function configPath(deps: CliDeps, opts: TriggerConfigOptions): string {
  if (opts.config !== undefined)
    return isAbsolute(opts.config) ? opts.config : resolve(deps.cwd, opts.config);
  return resolveWorktrainPaths({ ...(opts.home ? { home: opts.home } : {}), env: deps.env, cwd: deps.cwd })
    .triggers;
}

/**
 * Reads and validates the triggers through the daemon's own loader (`loadTriggerFiles` of
 * @worktrain/triggers): the global file, the `.worktrain/triggers.yaml` of each workspace it names and of
 * each `--repo`, `$NAME`s from the environment over `$WORKTRAIN_HOME/.env`. The default global file missing
 * means no triggers (`missing` says so, as the daemon does); a `--config` file must exist.
 * Errors: FILE_NOT_FOUND / TRIGGER_CONFIG_INVALID.
 */
export async function loadConfig(
  deps: CliDeps,
  opts: TriggerConfigOptions,
): Promise<Result<TriggerConfig, CliError>> {
  const { createBuiltinRegistry, loadTriggerFiles } = await import('@worktrain/triggers');
  const paths = resolveWorktrainPaths({
    ...(opts.home ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const loaded = await loadTriggerFiles({
    globalPath: configPath(deps, opts),
    // A file named on the command line must exist (a typo must not read as "no triggers").
    globalRequired: opts.config !== undefined,
    repoRoots: (opts.repos ?? []).map((repo) => (isAbsolute(repo) ? repo : resolve(deps.cwd, repo))),
    env: deps.env,
    envFile: paths.envFile,
    registry: createBuiltinRegistry(),
  });
  return loaded.mapErr(fromTriggerError);
}

/** The daemon's trigger check over `config` (see `executeTriggerValidate`), as config issues. */
export async function runnableIssues(
  deps: CliDeps,
  opts: TriggerConfigOptions,
  config: TriggerConfig,
): Promise<ConfigIssue[]> {
  const paths = resolveWorktrainPaths({
    ...(opts.home ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const { checkTriggersRunnable, triggerCheckFor } = await import('@worktrain/runtime');
  const check = triggerCheckFor(paths, deps.env);
  if (check.isErr())
    // The workflow sources come from config.yaml: without it nothing can say whether the workflows exist.
    return [
      {
        file: paths.config,
        path: '',
        line: null,
        col: null,
        message: `cannot check the triggers' workflows: ${check.error.message}`,
      },
    ];
  return checkTriggersRunnable(config.triggers, check.value);
}

/** The trigger `id` of `config`. Errors: TRIGGER_NOT_FOUND (`details.known`: the ids there are). */
export function findTrigger(config: TriggerConfig, id: string): Result<TriggerDefinition, CliError> {
  const t = config.triggers.find((x) => x.id === id);
  return t
    ? ok(t)
    : err(
        cliError('TRIGGER_NOT_FOUND', `no trigger with id "${id}"`, {
          known: config.triggers.map((x) => x.id),
        }),
      );
}

/** A triggers file that does not exist and what that means (`missingTriggersFileMessage`). */
export interface MissingFile {
  readonly file: string;
  readonly message: string;
}

/** The missing files of a load, each with the daemon's words for it. */
export async function missingFiles(config: TriggerConfig): Promise<MissingFile[]> {
  const { missingTriggersFileMessage } = await import('@worktrain/triggers');
  return (config.missing ?? []).map((file) => ({ file, message: missingTriggersFileMessage(file) }));
}

/** The flags of every `trigger` subcommand as options. */
export function configOptions(
  g: { home?: string },
  raw: { config?: string; repo?: string[] },
): TriggerConfigOptions {
  return {
    ...(g.home !== undefined ? { home: g.home } : {}),
    ...(raw.config !== undefined ? { config: raw.config } : {}),
    ...(raw.repo !== undefined ? { repos: raw.repo } : {}),
  };
}

/** `--repo <dir>` (repeatable). */
export const REPO_OPTION = [
  '--repo <dir>',
  'also load <dir>/.worktrain/triggers.yaml (repeatable)',
  (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
] as const;

/** `--config <file>`. */
export const CONFIG_OPTION = [
  '--config <file>',
  'triggers file (default: $WORKTRAIN_HOME/triggers.yaml)',
] as const;
