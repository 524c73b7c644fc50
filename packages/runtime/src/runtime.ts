import { hostname } from 'node:os';
import type { ModelProvider } from '@worktrain/agent';
import {
  type Clock,
  err,
  type Logger,
  ok,
  type Result,
  silentLogger,
  systemClock,
  type WorktrainPaths,
} from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import type { SqliteTaskQueue } from '@worktrain/queue';
import type { SqliteSessionStore } from '@worktrain/session-store';
import { missingTriggersFileMessage, type TriggerRouter, TriggerScheduler } from '@worktrain/triggers';
import { createWorkspaceManager, enableGitSpawnHelper, type WorkspaceManager } from '@worktrain/workspace';
import { type ActiveSessions, createActiveSessions } from './active.js';
import type { DeliveryApprovals } from './approvals.js';
import type { RuntimeConfig } from './config.js';
import { configWarnings } from './config-warnings.js';
import { createDaemonEventBus, type DaemonEventBus } from './daemon-events.js';
import type { RuntimeError } from './errors.js';
import { createOperations, type Operations } from './operations.js';
import { PIPELINE_QUEUE, type PipelineService } from './pipelines/service.js';
import { serveApi } from './runtime/http.js';
import { modelProvider } from './runtime/model.js';
import { openRuntimeStores } from './runtime/stores.js';
import { wireTaskHandler } from './runtime/task-handler.js';
import {
  createTriggerRouting,
  loadTriggers,
  warnUnrunnableTriggers,
  watchTriggers,
} from './runtime/triggers.js';
import { drainWorker, startWorkers, type Workers } from './runtime/workers.js';
import { createSessionSandbox, type SessionSandbox } from './session-sandbox.js';
import type { ParkedGates, TaskSessions } from './task-sessions.js';

/** Options of {@link createRuntime}, field by field. */
export interface RuntimeOptions {
  readonly config: RuntimeConfig;
  /** The data directory's files (`resolveWorktrainPaths`). */
  readonly paths: WorktrainPaths;
  /** Environment for `$NAME` refs in triggers.yaml (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Lease owner id of this daemon's workers (default `<hostname>:<pid>`). */
  readonly workerId?: string;
  /** Serve the HTTP API (default true). `worktrain run` runs one session in-process without it. */
  readonly http?: boolean;
  /** Run trigger polls and schedules (default true); `worktrain run` turns them off. */
  readonly triggers?: boolean;
  /** The model provider for each run; default built from `config.model`. Injected by embedders. */
  readonly provider?: () => Result<ModelProvider, RuntimeError>;
}

/** The parts of a started runtime (for the HTTP API and embedders). */
export interface RuntimeParts {
  readonly config: RuntimeConfig;
  readonly paths: WorktrainPaths;
  readonly engine: Engine;
  readonly store: SqliteSessionStore;
  readonly queue: SqliteTaskQueue;
  readonly router: TriggerRouter;
  readonly workspaces: WorkspaceManager;
  readonly active: ActiveSessions;
  readonly events: DaemonEventBus;
  readonly taskSessions: TaskSessions;
  readonly gates: ParkedGates;
  /** Blast-radius approvals of deliveries (policy.yaml, approval requests, parked deliveries). */
  readonly approvals: DeliveryApprovals;
  /** Pipelines (issue #15): dispatch, read, cancel; their coordinator tasks run on queue `pipelines`. */
  readonly pipelines: PipelineService;
  /** The OS sandbox of agent commands (or why there is none: then no agent session runs). */
  readonly sandbox: SessionSandbox;
  readonly token: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly startedAt: number;
}

/** A started runtime: its parts, the operations, and where the HTTP API listens. */
export type StartedRuntime = RuntimeParts & {
  readonly ops: Operations;
  readonly url: string;
  readonly port: number;
};

export interface Runtime {
  /** Opens the stores, recovers interrupted work, starts the workers and triggers. */
  start(): Promise<Result<StartedRuntime, RuntimeError>>;
  /**
   * Stops claiming; with `drain`, waits up to `config.drainTimeoutMs` for running sessions, then aborts
   * the rest (their tasks are retried and the sessions resume after a restart); closes everything.
   */
  stop(options?: { readonly drain?: boolean }): Promise<void>;
}

/**
 * Composes the daemon (DESIGN §2 layer "runtime"): session store, queue, engine, triggers, agent,
 * workspaces and delivery over one `worktrain.db`. Crash recovery is by construction: tasks whose lease
 * expired are swept back to the queue on start and every `sweepIntervalMs`; a re-run task resumes the
 * session it started (with its conversation), and delivery is idempotent. The parts are built in
 * `runtime/*.ts`: stores, triggers, the task handler, the HTTP API and the workers.
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { config, paths } = options;
  const env = options.env ?? process.env;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const closers: Array<() => Promise<void> | void> = [];
  const onClose = (close: () => Promise<void> | void): void => {
    closers.push(close);
  };
  let workers: Workers | null = null;
  let scheduler: TriggerScheduler | null = null;
  let active: ActiveSessions | null = null;
  let events: DaemonEventBus | null = null;
  let pipelines: PipelineService | null = null;
  let stopped = false;

  async function start(): Promise<Result<StartedRuntime, RuntimeError>> {
    const stores = openRuntimeStores({ config, paths, clock, logger, onClose });
    if (stores.isErr()) return fail(stores.error);
    const { store, queue, triggerStore } = stores.value;
    const triggers = await loadTriggers(paths, env);
    if (triggers.isErr()) return fail(triggers.error);
    for (const file of triggers.value.config.missing ?? [])
      logger.warn({ path: file }, missingTriggersFileMessage(file));

    // git runs from a small helper process: forking this daemon for each git command blocked its event loop
    // (the fork costs time in proportion to the daemon's memory, ~20 ms per command at 200 MB).
    enableGitSpawnHelper();
    const workspaces = createWorkspaceManager({ worktreesDir: paths.worktrees, clock, logger });
    const routing = createTriggerRouting({
      triggers: triggers.value.config,
      store: triggerStore,
      queue,
      workflows: stores.value.workflows,
      workspaces,
      clock,
      logger,
    });
    const { router } = routing;
    warnUnrunnableTriggers(triggers.value.config, routing.check, logger);
    active = createActiveSessions();
    events = createDaemonEventBus(() => clock.now());
    // Fail closed (DESIGN §7): without a working sandbox in mode enforce, no agent session runs; the API,
    // webhooks and queue keep working and tasks wait until the daemon restarts with a sandbox.
    const sessionSandbox = await createSessionSandbox(
      config.sandbox,
      paths,
      logger.child({ component: 'sandbox' }),
    );
    const wired = await wireTaskHandler({
      config,
      paths,
      stores: stores.value,
      workspaces,
      router,
      sandbox: sessionSandbox,
      provider: options.provider ?? modelProvider(config, paths),
      active,
      events,
      workerId,
      clock,
      logger,
      onClose,
    });
    if (wired.isErr()) return fail(wired.error);

    const bus = events;
    scheduler = new TriggerScheduler({
      router,
      store: triggerStore,
      queue,
      clock,
      logger: logger.child({ component: 'scheduler' }),
    });
    const parts: RuntimeParts = {
      config,
      paths,
      engine: stores.value.engine,
      store,
      queue,
      router,
      workspaces,
      active,
      events: bus,
      taskSessions: stores.value.taskSessions,
      gates: stores.value.gates,
      approvals: wired.value.approvals,
      pipelines: wired.value.pipelines.service,
      sandbox: sessionSandbox,
      token: stores.value.token,
      clock,
      logger,
      startedAt: clock.now(),
    };
    const ops = createOperations(parts, scheduler);
    pipelines = wired.value.pipelines.service;
    wired.value.pipelines.bindKill((sessionId, actor, reason) => ops.kill(sessionId, actor, reason));
    // Bind first: a second daemon on a taken port must fail before it claims any task.
    let api = { url: '', port: 0 };
    if (options.http !== false) {
      const served = await serveApi(parts, ops, onClose);
      if (served.isErr()) return fail(served.error);
      api = served.value;
    }

    workers = await startWorkers({
      config,
      triggerStore,
      queue,
      handler: sessionSandbox.sandbox !== null ? wired.value.handler : null,
      coordinators: {
        queue: PIPELINE_QUEUE,
        concurrency: config.pipelines.concurrency,
        handler: (task, signal) => wired.value.pipelines.service.handle(task, signal),
      },
      workerId,
      clock,
      logger,
      onClose,
    });
    if (options.triggers !== false) {
      scheduler.start();
      onClose(watchTriggers({ paths, env, routing, scheduler, initialPaths: triggers.value.paths, logger }));
    }
    for (const w of configWarnings(config, paths.config))
      logger.warn({ code: w.code, path: w.path }, `config.yaml: ${w.message}; ${w.fix}`);
    bus.emit({ type: 'daemon_started', data: { workerId } });
    if (api.url !== '') logger.info({ url: api.url, workerId }, 'daemon listening');
    return ok({ ...parts, ops, url: api.url, port: api.port });
  }

  async function fail<T>(error: RuntimeError): Promise<Result<T, RuntimeError>> {
    await closeAll();
    return err(error);
  }

  async function closeAll(): Promise<void> {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (thrown) {
        logger.warn({ error: String(thrown) }, 'close failed');
      }
    }
  }

  async function stop(stopOptions: { readonly drain?: boolean } = {}): Promise<void> {
    if (stopped) return;
    stopped = true;
    events?.emit({ type: 'daemon_stopping', data: { drain: stopOptions.drain === true } });
    if (workers !== null) clearInterval(workers.sweeper);
    await scheduler?.stop();
    // Coordinators first: a stopped coordinator leaves its pipeline to resume from its log on the next start.
    pipelines?.stopAll();
    await drainWorker(workers?.coordinators ?? null, null, 0);
    await drainWorker(
      workers?.worker ?? null,
      active,
      stopOptions.drain === true ? config.drainTimeoutMs : 0,
    );
    await closeAll();
  }

  return { start, stop };
}
