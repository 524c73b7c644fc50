import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { err, type Logger, type Result, silentLogger } from '@worktrain/contracts';
import { type LoadTriggerFilesOptions, loadTriggerFilesWithPaths } from './config/files.js';
import type { TriggerConfig } from './config/load.js';
import type { TriggerError } from './errors.js';
import type { TriggerRouter } from './router/router.js';
import type { TriggerScheduler } from './scheduler.js';

export interface TriggerConfigWatcherOptions extends LoadTriggerFilesOptions {
  /** Receives each valid config (the router's is swapped by the watcher itself). */
  readonly router: Pick<TriggerRouter, 'setConfig'>;
  /** Restarted over the new config so removed triggers stop polling and new ones start. */
  readonly scheduler?: Pick<TriggerScheduler, 'restart'>;
  /**
   * A host's last word before a valid config is swapped in (the daemon checks that every trigger can run:
   * its workflow loads, its workspace is a repository). An error refuses the edit like an invalid file.
   */
  readonly accept?: (config: TriggerConfig) => Promise<TriggerError | null>;
  readonly logger?: Logger;
  /** How often each watched file's metadata is polled, ms. Default 1000. */
  readonly intervalMs?: number;
  /** Quiet period after the last change before reloading, ms (editors write in bursts). Default 100. */
  readonly debounceMs?: number;
  /** Files to watch from the start besides the global file and `.env` (`loadTriggerFilesWithPaths().paths`). */
  readonly initialPaths?: readonly string[];
  /** Called after every reload attempt with its outcome. */
  readonly onReload?: (result: Result<TriggerConfig, TriggerError>) => void;
}

export interface TriggerConfigWatcher {
  /** Reloads now (also what a SIGHUP handler should call). Resolves with the outcome. */
  reload(): Promise<Result<TriggerConfig, TriggerError>>;
  close(): void;
}

/**
 * Hot reload of the trigger files (DESIGN §6): the global triggers.yaml, `.env` (a rotated secret) and
 * every per-repo `.worktrain/triggers.yaml` the last load looked for. Files are polled
 * (stat every `intervalMs`), so a file replaced by rename, created later, or in a folder that does not
 * exist yet is still seen; the
 * set is refreshed after each load, so a workspace added to the global file gets its per-repo file
 * watched. After `debounceMs` the files are re-validated with `loadTriggerFiles` and, when valid (and
 * `accept` has no objection), the router's config is swapped and the scheduler restarted. An invalid edit
 * keeps the old config and logs why (`warn`, with the located issues). Tasks already enqueued carry
 * their full candidate (workflow, workspace, goal), so sessions in flight keep their snapshot.
 * The first watch set is the global file, `.env` and `initialPaths` (the paths of the host's own load at
 * start, so per-repo files that do not exist yet are watched from the start too).
 */
export function watchTriggerConfig(options: TriggerConfigWatcherOptions): TriggerConfigWatcher {
  const logger = options.logger ?? silentLogger;
  // path → its last seen stat signature ('' = absent); baselines are taken synchronously when a path is
  // added, so an edit made right after the watcher is created is still a change.
  const watched = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  const onChange = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 100);
  };
  const watchAll = (paths: Iterable<string>) => {
    if (closed) return;
    for (const path of paths)
      if (!watched.has(path)) watched.set(path, signature(statSync(path, { throwIfNoEntry: false })));
  };
  let polling = false;
  const poller = setInterval(() => {
    if (polling) return;
    polling = true;
    void Promise.all(
      [...watched.keys()].map(async (path) => {
        const now = signature(await stat(path).catch(() => undefined));
        if (closed || watched.get(path) === now) return false;
        watched.set(path, now);
        return true;
      }),
    ).then((changed) => {
      polling = false;
      if (changed.some(Boolean)) onChange();
    });
  }, options.intervalMs ?? 1000);
  poller.unref();

  const reload = (): Promise<Result<TriggerConfig, TriggerError>> => {
    const run = chain.then(async () => {
      const { result, paths } = await loadTriggerFilesWithPaths(options);
      watchAll(paths);
      let outcome = result;
      if (outcome.isOk() && options.accept !== undefined) {
        const refused = await options.accept(outcome.value);
        if (refused !== null) outcome = err(refused);
      }
      if (outcome.isOk()) {
        options.router.setConfig(outcome.value);
        await options.scheduler?.restart();
        logger.info(
          { triggers: outcome.value.triggers.map((t) => t.id), files: outcome.value.files },
          'triggers.yaml reloaded',
        );
      } else {
        logger.warn(
          { code: outcome.error.code, issues: outcome.error.details?.issues },
          `triggers.yaml reload refused; keeping the previous triggers: ${outcome.error.message}`,
        );
      }
      options.onReload?.(outcome);
      return outcome;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  watchAll([
    options.globalPath,
    ...(options.envFile === undefined ? [] : [options.envFile]),
    ...(options.initialPaths ?? []),
  ]);
  return {
    reload,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(poller);
      watched.clear();
    },
  };
}

/** What tells one version of a file from the next: inode (rename over it), size, mtime, ctime. */
function signature(s: { ino: number; size: number; mtimeMs: number; ctimeMs: number } | undefined): string {
  return s === undefined ? '' : `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}
