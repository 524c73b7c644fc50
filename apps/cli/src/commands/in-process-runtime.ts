/**
 * The in-process runtime that `worktrain run` and `worktrain sessions continue` (without a daemon) share:
 * the daemon's runtime built from config.yaml on the private queue `cli` (so a daemon started meanwhile does
 * not take the same task), one session at a time, no HTTP and no triggers; and the wait for its task.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result, type WorktrainPaths } from '@worktrain/contracts';
import type { StartedRuntime } from '@worktrain/runtime';
import { type CliError, cliError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';

/**
 * Loads the config of `paths`, starts an in-process runtime (logs to `<logs>/daemon.log` as `component`),
 * runs `body` with it and stops it (without draining) whatever `body` returns or throws.
 * Errors: DAEMON_ERROR when the config is invalid or the runtime does not start; else `body`'s.
 */
export async function withInProcessRuntime<T>(
  deps: CliDeps,
  paths: WorktrainPaths,
  component: string,
  body: (rt: StartedRuntime) => Promise<Result<T, CliError>>,
): Promise<Result<T, CliError>> {
  // Imported here, not at start-up: the runtime (agent, delivery, forge clients) is the CLI's heaviest part.
  const { createRuntime, createWorktrainLogger, loadRuntimeConfig } = await import('@worktrain/runtime');
  const config = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env: deps.env });
  if (config.isErr())
    return err(
      cliError('DAEMON_ERROR', config.error.message, { cause: config.error.code, ...config.error.details }),
    );
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const runtime = createRuntime({
    config: { ...config.value, queue: { ...config.value.queue, name: 'cli' }, maxConcurrentSessions: 1 },
    paths,
    env: deps.env,
    logger: createWorktrainLogger({
      name: 'worktrain',
      level: deps.env.WORKTRAIN_LOG_LEVEL ?? 'info',
      file: join(paths.logs, 'daemon.log'),
      bindings: { component },
    }),
    http: false,
    triggers: false,
  });
  const started = await runtime.start();
  if (started.isErr())
    return err(cliError('DAEMON_ERROR', started.error.message, { cause: started.error.code }));
  try {
    return await body(started.value);
  } finally {
    await runtime.stop({ drain: false });
  }
}

/**
 * Waits (the queue's `awaitTerminal`, polling every 200 ms) until a task of an in-process runtime
 * succeeds, is dead-lettered or has no attempts left, or the user interrupts (`interrupted`).
 */
export async function waitForTask(
  deps: CliDeps,
  rt: StartedRuntime,
  taskId: string,
): Promise<Result<{ state: string; error: string | null }, CliError>> {
  const { awaitTerminal } = await import('@worktrain/queue');
  const waited = await awaitTerminal(rt.queue, taskId, {
    ...(deps.signal !== undefined ? { signal: deps.signal } : {}),
  });
  if (waited.isErr())
    return err(cliError('QUEUE_ERROR', waited.error.message, { queueCode: waited.error.code }));
  const outcome = waited.value;
  // No timeout was given: the wait ends terminal or interrupted.
  if (outcome.status !== 'terminal') return ok({ state: 'interrupted', error: 'interrupted' });
  return ok({ state: outcome.task.state, error: outcome.task.lastError?.message ?? null });
}
