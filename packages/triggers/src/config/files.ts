import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { environmentWithDotEnv, err, ok, type Result } from '@worktrain/contracts';
import { type TriggerError, triggerError } from '../errors.js';
import type { ProviderRegistry } from '../registry.js';
import { loadTriggerConfig, type TriggerConfig, type TriggerFileText } from './load.js';

/** Where a repository's own triggers live: `<repo>/.worktrain/triggers.yaml`. */
export function perRepoTriggersPath(repoRoot: string): string {
  return join(repoRoot, '.worktrain', 'triggers.yaml');
}

/**
 * What every surface (daemon log, `worktrain trigger …`, doctor) says when the global triggers file does
 * not exist: which file, what it means and what to do.
 */
export function missingTriggersFileMessage(path: string): string {
  return `${path} does not exist, so it adds no triggers; write it (\`worktrain init\` writes a starter $WORKTRAIN_HOME/triggers.yaml; see docs/triggers.md) and the daemon picks it up without a restart`;
}

/** Options of {@link loadTriggerFiles}. */
export interface LoadTriggerFilesOptions {
  /** The global file (`$WORKTRAIN_HOME/triggers.yaml`). */
  readonly globalPath: string;
  /**
   * When true a missing global file is CONFIG_NOT_FOUND (a file the user named, e.g. `--config`, where a
   * typo must not read as "no triggers"); by default it is no triggers, listed in `missing` (the daemon's
   * behaviour).
   */
  readonly globalRequired?: boolean;
  /** More repositories whose `.worktrain/triggers.yaml` to read (a missing one is listed in `missing`). */
  readonly repoRoots?: readonly string[];
  /** Process environment for `$NAME` references (it wins over `envFile`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `$WORKTRAIN_HOME/.env`, read anew on each load (missing = empty). */
  readonly envFile?: string;
  readonly registry: ProviderRegistry;
}

/** A load and every file it depends on (existing or not), which is what a watcher watches. */
export interface TriggerFilesLoad {
  readonly result: Result<TriggerConfig, TriggerError>;
  readonly paths: readonly string[];
}

/**
 * Reads and validates the global triggers file and the per-repo files (DESIGN §6), then
 * `loadTriggerConfig` over all of them at once. Per-repo files are `<workspace>/.worktrain/triggers.yaml`
 * of every workspace the global file's triggers name (relative workspaces resolve against the global
 * file's folder), plus those of `repoRoots`; discovery is one level deep (a per-repo file's workspaces
 * are not searched). A per-repo file that does not exist is skipped. The global file missing is no
 * triggers with `missing: [globalPath]`, unless `globalRequired`.
 * Errors: CONFIG_NOT_FOUND (required global file missing), CONFIG_YAML, CONFIG_INVALID (also for an
 * unreadable file or `.env`, as an issue at that file).
 */
export async function loadTriggerFiles(
  options: LoadTriggerFilesOptions,
): Promise<Result<TriggerConfig, TriggerError>> {
  return (await loadTriggerFilesWithPaths(options)).result;
}

/** {@link loadTriggerFiles}, also returning the paths to watch (for `watchTriggerConfig`). */
export async function loadTriggerFilesWithPaths(options: LoadTriggerFilesOptions): Promise<TriggerFilesLoad> {
  const paths = new Set<string>([
    options.globalPath,
    ...(options.envFile === undefined ? [] : [options.envFile]),
  ]);
  const done = (result: Result<TriggerConfig, TriggerError>): TriggerFilesLoad => ({
    result,
    paths: [...paths],
  });
  let env: Readonly<Record<string, string | undefined>> = options.env;
  if (options.envFile !== undefined) {
    const withDotEnv = environmentWithDotEnv(options.envFile, options.env);
    if (withDotEnv.isErr()) return done(err(unreadable(options.envFile, withDotEnv.error.message)));
    env = withDotEnv.value;
  }
  const load = (files: TriggerFileText[]) =>
    loadTriggerConfig({
      files,
      env,
      registry: options.registry,
      ...(options.envFile === undefined ? {} : { envFile: options.envFile }),
    });

  const missing: string[] = [];
  const global = await readOptional(options.globalPath);
  if (global.isErr()) return done(err(global.error));
  if (global.value === null) {
    if (options.globalRequired === true)
      return done(
        err(
          triggerError('CONFIG_NOT_FOUND', `${options.globalPath} does not exist`, {
            path: options.globalPath,
          }),
        ),
      );
    missing.push(options.globalPath);
  }
  const globalFile: TriggerFileText[] =
    global.value === null ? [] : [{ path: options.globalPath, text: global.value }];
  const first = await load(globalFile);
  if (first.isErr()) return done(first);

  const roots = new Map<string, { root: string; explicit: boolean }>();
  for (const t of first.value.triggers)
    roots.set(resolve(dirname(options.globalPath), t.workspace), { root: t.workspace, explicit: false });
  for (const root of options.repoRoots ?? []) roots.set(resolve(root), { root, explicit: true });
  const repoFiles: TriggerFileText[] = [];
  for (const [abs, { root, explicit }] of roots) {
    const path = perRepoTriggersPath(abs);
    paths.add(path);
    const text = await readOptional(path);
    if (text.isErr()) return done(err(text.error));
    if (text.value !== null) repoFiles.push({ path, text: text.value, repoRoot: root });
    else if (explicit) missing.push(path);
  }
  const all = repoFiles.length === 0 ? first : await load([...globalFile, ...repoFiles]);
  return done(all.map((config) => (missing.length === 0 ? config : { ...config, missing })));
}

async function readOptional(path: string): Promise<Result<string | null, TriggerError>> {
  try {
    return ok(await readFile(path, 'utf8'));
  } catch (thrown) {
    const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? thrown.code : null;
    if (code === 'ENOENT' || code === 'ENOTDIR') return ok(null);
    return err(unreadable(path, thrown instanceof Error ? thrown.message : String(thrown)));
  }
}

function unreadable(path: string, reason: string): TriggerError {
  return triggerError('CONFIG_INVALID', `cannot read ${path}: ${reason}`, {
    issues: [{ file: path, path: '', line: null, col: null, message: `file cannot be read: ${reason}` }],
  });
}
