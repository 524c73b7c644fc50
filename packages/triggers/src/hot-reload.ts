import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type Logger, type Result, silentLogger } from '@worktrain/contracts';
import {
  type LoadTriggerConfigOptions,
  loadTriggerFiles,
  perRepoTriggersPath,
  type TriggerConfig,
} from './config/load.js';
import type { TriggerError } from './errors.js';
import type { TriggerRouter } from './router/router.js';
import type { TriggerScheduler } from './scheduler.js';

export interface TriggerConfigWatcherOptions extends Omit<LoadTriggerConfigOptions, 'files'> {
  readonly globalPath: string;
  readonly repoRoots?: readonly string[];
  /** Receives each valid config (the router's is swapped by the watcher itself). */
  readonly router: TriggerRouter;
  /** Restarted over the new config so removed triggers stop polling and new ones start. */
  readonly scheduler?: TriggerScheduler;
  readonly logger?: Logger;
  /** Quiet period after the last file event before reloading, ms (editors write in bursts). Default 100. */
  readonly debounceMs?: number;
  /** Called after every reload attempt with its outcome. */
  readonly onReload?: (result: Result<TriggerConfig, TriggerError>) => void;
}

export interface TriggerConfigWatcher {
  /** Reloads now (also what a SIGHUP handler should call). Resolves with the outcome. */
  reload(): Promise<Result<TriggerConfig, TriggerError>>;
  close(): void;
}

/**
 * Hot reload of triggers.yaml (global and per-repo files): watches their directories (editors replace
 * files by rename, which a file watch would miss), re-validates after `debounceMs`, and when valid swaps
 * the router's config and restarts the scheduler's loops. An invalid edit keeps the old config and logs
 * why (`warn`, with the issues). Tasks already enqueued carry their full candidate (workflow, workspace,
 * goal), so sessions in flight keep the snapshot they were created from.
 */
export function watchTriggerConfig(options: TriggerConfigWatcherOptions): TriggerConfigWatcher {
  const logger = options.logger ?? silentLogger;
  const files = [options.globalPath, ...(options.repoRoots ?? []).map(perRepoTriggersPath)];
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const reload = (): Promise<Result<TriggerConfig, TriggerError>> => {
    const run = chain.then(async () => {
      const loaded = await loadTriggerFiles({
        ...options,
        globalPath: options.globalPath,
        repoRoots: options.repoRoots ?? [],
      });
      if (loaded.isOk()) {
        options.router.setConfig(loaded.value);
        await options.scheduler?.restart();
        logger.info({ triggers: loaded.value.triggers.length }, 'triggers.yaml reloaded');
      } else {
        logger.warn(
          { code: loaded.error.code, issues: loaded.error.details?.issues },
          `triggers.yaml not reloaded, keeping the previous config: ${loaded.error.message}`,
        );
      }
      options.onReload?.(loaded);
      return loaded;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 100);
  };
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    const names = new Set(files.filter((f) => dirname(f) === dir).map((f) => basename(f)));
    try {
      const w = watch(dir, (_event, name) => {
        if (name === null || names.has(name.toString())) schedule();
      });
      w.on('error', (e) => logger.warn({ dir, error: e.message }, 'triggers.yaml watcher failed'));
      watchers.push(w);
    } catch (thrown) {
      logger.warn(
        { dir, error: thrown instanceof Error ? thrown.message : String(thrown) },
        'cannot watch for triggers.yaml changes',
      );
    }
  }
  return {
    reload,
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
