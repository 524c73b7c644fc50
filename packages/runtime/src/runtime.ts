import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import {
  createAnthropicProvider,
  createScriptedProvider,
  createSqliteConversationStore,
  type ModelProvider,
} from '@worktrain/agent';
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
import { loadPolicy } from '@worktrain/delivery';
import { createEngine, createFileKeyring, createWorkflowRegistry, type Engine } from '@worktrain/engine';
import { openSqliteQueue, runWorker, type SqliteTaskQueue, type WorkerHandle } from '@worktrain/queue';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';
import {
  createBuiltinRegistry,
  loadTriggerFilesWithPaths,
  missingTriggersFileMessage,
  openTriggerStore,
  type TriggerConfig,
  type TriggerRouter,
  TriggerScheduler,
  triggerError,
  watchTriggerConfig,
} from '@worktrain/triggers';
import { createWorkspaceManager, enableGitSpawnHelper, type WorkspaceManager } from '@worktrain/workspace';
import { type ActiveSessions, createActiveSessions } from './active.js';
import { type DeliveryApprovals, openDeliveryApprovals } from './approvals.js';
import type { RuntimeConfig } from './config.js';
import { configWarnings } from './config-warnings.js';
import { createDaemonEventBus, type DaemonEventBus } from './daemon-events.js';
import { explainListenFailure, removeDaemonState, writeDaemonState } from './daemon-state.js';
import { gateDelivery } from './delivery-gate.js';
import { type RuntimeError, runtimeError } from './errors.js';
import { ensureDaemonToken, ensureDir } from './files.js';
import { createForgeDelivery, createForges } from './forges.js';
import { createApp } from './http/app.js';
import { listen } from './http/server.js';
import { takeOverFromDeadPredecessors } from './incarnations.js';
import { createTaskHandler } from './lifecycle.js';
import { createMergeFollowUp } from './merge-follow-up.js';
import { createSessionNotifications } from './notifications.js';
import { NotifyingTriggerRouter } from './notifying-router.js';
import { createOperations, type Operations } from './operations.js';
import { createSessionSandbox, type SessionSandbox, unavailableSandbox } from './session-sandbox.js';
import { openParkedGates, openTaskSessions, type ParkedGates, type TaskSessions } from './task-sessions.js';
import {
  checkTriggersRunnable,
  createRunnableGate,
  daemonWorkflowSources,
  type TriggerCheckDeps,
} from './trigger-check.js';
import { cacheWorkflowLookups } from './workflow-cache.js';

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
 * session it started (with its conversation), and delivery is idempotent.
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const config = options.config;
  const paths = options.paths;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const closers: Array<() => Promise<void> | void> = [];
  let worker: WorkerHandle | null = null;
  let scheduler: TriggerScheduler | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  let active: ActiveSessions | null = null;
  let events: DaemonEventBus | null = null;
  let stopped = false;

  async function start(): Promise<Result<StartedRuntime, RuntimeError>> {
    for (const dir of [paths.home, paths.worktrees, paths.logs]) {
      const made = ensureDir(dir);
      if (made.isErr()) return err(made.error);
    }
    const token = ensureDaemonToken(paths.daemonToken, () => randomBytes(32).toString('hex'));
    if (token.isErr()) return err(token.error);

    const store = createSqliteSessionStore({
      path: paths.database,
      clock,
      logger: logger.child({ component: 'store' }),
    });
    if (store.isErr())
      return err(runtimeError('STORE_OPEN_FAILED', store.error.message, { storeCode: store.error.code }));
    closers.push(() => {
      store.value.close();
    });
    const keyring = createFileKeyring(paths.keys);
    if (keyring.isErr()) return fail(runtimeError('KEYRING_FAILED', keyring.error.message));
    // One registry for sessions and for the trigger check (webhooks, hot reload).
    const workflows = cacheWorkflowLookups(
      createWorkflowRegistry({ sources: daemonWorkflowSources(config, paths) }),
      clock,
    );
    const engine = createEngine({
      store: store.value,
      keyring: keyring.value,
      workflows,
      clock,
      logger: logger.child({ component: 'engine' }),
    });
    const conversations = createSqliteConversationStore({ database: store.value.database });
    if (conversations.isErr()) return fail(runtimeError('STORE_OPEN_FAILED', conversations.error.message));
    const taskSessions = openTaskSessions(store.value.database);
    const gates = openParkedGates(store.value.database);

    const triggerStore = openTriggerStore({ path: paths.database }, { clock });
    if (triggerStore.isErr()) return fail(runtimeError('TRIGGERS_FAILED', triggerStore.error.message));
    closers.push(() => triggerStore.value.close());
    const queue = openSqliteQueue({
      db: triggerStore.value.db,
      clock,
      defaultMaxAttempts: config.queue.maxAttempts,
    });
    if (queue.isErr())
      return fail(runtimeError('QUEUE_OPEN_FAILED', queue.error.message, { queueCode: queue.error.code }));
    closers.push(() => queue.value.close());

    const triggerConfig = await loadTriggers(paths, options.env ?? process.env);
    if (triggerConfig.isErr()) return fail(triggerConfig.error);
    for (const file of triggerConfig.value.config.missing ?? [])
      logger.warn({ path: file }, missingTriggersFileMessage(file));
    // A task the router admits wakes this daemon's workers at once (polling stays as the fallback), and
    // the fetch of its repository's base branch starts now, while the task is claimed and its session
    // starts, instead of after.
    const workQueue = queue.value;
    // The daemon's check that a trigger can run (its workflow loads, its workspace is a repository whose
    // origin has a default branch): a webhook for one that cannot is answered 422, with no task.
    const triggerCheck: TriggerCheckDeps = {
      workflows,
      defaultBranch: (repoPath) => workspaces.defaultBranch(repoPath),
    };
    const runnableGate = createRunnableGate(triggerCheck, { clock });
    const router = new NotifyingTriggerRouter(
      {
        config: triggerConfig.value.config,
        store: triggerStore.value,
        clock,
        logger: logger.child({ component: 'triggers' }),
        runnable: (trigger) => runnableGate(trigger),
      },
      (name, outcome) => {
        workQueue.notifyEnqueued(name);
        if (outcome.candidate !== null)
          void workspaces.prefetchBase({ repoPath: outcome.candidate.workspace });
      },
    );

    const providerFn = options.provider ?? modelProvider(config, paths);

    // git runs from a small helper process: forking this daemon for each git command blocked its event loop
    // (the fork costs time in proportion to the daemon's memory, ~20 ms per command at 200 MB).
    enableGitSpawnHelper();
    const workspaces = createWorkspaceManager({ worktreesDir: paths.worktrees, clock, logger });
    // Triggers that cannot run are named in the log at start (their webhooks answer 422 until fixed).
    void checkTriggersRunnable(triggerConfig.value.config.triggers, triggerCheck).then((problems) => {
      for (const p of problems)
        logger.warn(
          { triggerId: p.triggerId, path: p.path, code: 'TRIGGER_NOT_RUNNABLE' },
          `trigger ${p.triggerId} cannot run: ${p.message}`,
        );
    });
    active = createActiveSessions();
    events = createDaemonEventBus(() => clock.now());
    // Fail closed (DESIGN §7): without a working sandbox in mode enforce, no agent session runs; the API,
    // webhooks and queue keep working and tasks wait until the daemon restarts with a sandbox.
    const sessionSandbox = await createSessionSandbox(
      config.sandbox,
      paths,
      logger.child({ component: 'sandbox' }),
    );
    // GitHub, GitLab and the Jira return path, each as configured; tokens stay in the delivery stage.
    const forges = createForges(config);
    const deliverFn = forges.any
      ? createForgeDelivery({
          store: store.value,
          forges,
          logger: logger.child({ component: 'delivery' }),
          checks: config.delivery.checks,
          checksSandboxFor: (request) => ({
            // Fail closed: without a sandbox every check fails with the reason instead of running unconfined.
            sandbox: sessionSandbox.sandbox ?? unavailableSandbox(sessionSandbox),
            policy: sessionSandbox.policyFor(request.sessionId, request.worktreePath, request.worktreeGit),
          }),
        })
      : null;

    // Blast-radius approvals (DESIGN §8): an invalid policy.yaml stops the start (never a silent default).
    const policy = await loadPolicy(paths.policy);
    if (policy.isErr())
      return fail(
        runtimeError('CONFIG_INVALID', policy.error.message, {
          policyCode: policy.error.code,
          ...(policy.error.details ?? {}),
        }),
      );
    const approvals = openDeliveryApprovals({
      db: store.value.database,
      path: paths.database,
      sessionStore: store.value,
      policy: policy.value,
      queue: queue.value,
      queueName: config.queue.name,
      now: () => clock.now(),
      logger,
    });
    if (approvals.isErr()) return fail(approvals.error);
    closers.push(() => approvals.value.close());
    approvals.value.start(config.approvals.checkIntervalMs);
    const notifications = createSessionNotifications({
      config: config.notifications,
      store: store.value,
      logger,
      callbackUrlOf: (triggerId) => {
        const trigger = router.trigger(triggerId);
        return trigger.isOk() ? (trigger.value.callbackUrl ?? null) : null;
      },
    });

    const handler = createTaskHandler({
      engine,
      store: store.value,
      conversations: conversations.value,
      workspaces,
      taskSessions,
      gates,
      provider: providerFn,
      budget: config.budgets,
      deliver:
        deliverFn === null
          ? null
          : gateDelivery(deliverFn, {
              store: store.value,
              approvals: approvals.value,
              logger,
              ticketStatus: config.jira?.transitions.onOpened ?? null,
              labelsFor: (request) =>
                request.forge === 'gitlab'
                  ? [
                      ...(config.forge.gitlab?.labels ?? []),
                      ...(request.issueNumber !== null ? (config.forge.gitlab?.issueLabels ?? []) : []),
                    ]
                  : [],
            }),
      approvals: approvals.value,
      notifications,
      jiraRoutes: forges.jiraRoutes,
      onMerged: createMergeFollowUp({
        store: store.value,
        forges,
        approvals: { policy: policy.value, store: approvals.value.store },
        mergedStatus: config.jira?.transitions.onMerged ?? 'Done',
      }),
      active,
      sandbox: sessionSandbox,
      networkAllowFor: (triggerId) => {
        const trigger = router.trigger(triggerId);
        return trigger.isOk() ? (trigger.value.sandboxNetworkAllow ?? []) : [];
      },
      events,
      workerId,
      clock,
      logger,
    });

    const bus = events;
    scheduler = new TriggerScheduler({
      router,
      store: triggerStore.value,
      queue: queue.value,
      clock,
      logger: logger.child({ component: 'scheduler' }),
    });
    const parts: RuntimeParts = {
      config,
      paths,
      engine,
      store: store.value,
      queue: queue.value,
      router,
      workspaces,
      active,
      events: bus,
      taskSessions,
      gates,
      approvals: approvals.value,
      sandbox: sessionSandbox,
      token: token.value,
      clock,
      logger,
      startedAt: clock.now(),
    };
    const ops = createOperations(parts, scheduler);
    // Bind first: a second daemon on a taken port must fail before it claims any task.
    let url = '';
    let port = 0;
    if (options.http !== false) {
      const server = await listen(createApp(parts, ops), config.host, config.port);
      if (server.isErr()) return fail(await explainListenFailure(server.error, paths.home));
      closers.push(() => server.value.close());
      url = server.value.url;
      port = server.value.port;
      // The daemon of this home, found by the CLI through this file and `/health` (never by port alone).
      const state = {
        pid: process.pid,
        url,
        port,
        home: paths.home,
        startedAt: new Date(parts.startedAt).toISOString(),
      };
      const written = writeDaemonState(state);
      if (written.isErr()) return fail(written.error);
      closers.push(() => removeDaemonState(state));
    }

    // Crash recovery, at once: leases held by this home's earlier runtimes whose process is gone (a
    // SIGKILLed daemon) are released now; any other expired lease returns through the sweeper.
    const incarnation = await takeOverFromDeadPredecessors({
      db: triggerStore.value.db,
      queue: queue.value,
      workerId,
      clock,
      logger,
    });
    closers.push(() => incarnation.end());
    const sweep = async (): Promise<void> => {
      const swept = await queue.value.sweepExpiredLeases();
      if (swept.isOk() && swept.value.requeued + swept.value.deadLettered > 0)
        logger.info({ ...swept.value }, 'expired leases swept');
    };
    await sweep();
    sweeper = setInterval(() => void sweep(), config.queue.sweepIntervalMs);
    if (sessionSandbox.sandbox !== null)
      worker = runWorker({
        queue: queue.value,
        name: config.queue.name,
        workerId,
        concurrency: config.maxConcurrentSessions,
        leaseMs: config.queue.leaseMs,
        pollIntervalMs: 250,
        handler,
        onError: (error, task) => logger.warn({ code: error.code, taskId: task?.id }, error.message),
        onCompleted: (task) => logger.info({ taskId: task.id }, 'task completed'),
      });
    if (options.triggers !== false) {
      scheduler.start();
      // Hot reload (DESIGN §6), by the triggers package's watcher: a valid edit of triggers.yaml, of a
      // workspace's .worktrain/triggers.yaml or of .env (a rotated secret) replaces the trigger set; an
      // invalid one, or one with a trigger that cannot run, keeps the old set and logs why.
      const watcher = watchTriggerConfig({
        ...triggerFileOptions(paths, options.env ?? process.env),
        router,
        scheduler,
        logger,
        initialPaths: triggerConfig.value.paths,
        accept: async (candidate) => {
          const problems = await checkTriggersRunnable(candidate.triggers, triggerCheck);
          if (problems.length === 0) return null;
          return triggerError(
            'TRIGGER_NOT_RUNNABLE',
            problems.map((p) => `${p.triggerId}: ${p.message}`).join('; '),
            { issues: problems },
          );
        },
      });
      closers.push(() => watcher.close());
    }
    for (const w of configWarnings(config, paths.config))
      logger.warn({ code: w.code, path: w.path }, `config.yaml: ${w.message}; ${w.fix}`);
    bus.emit({ type: 'daemon_started', data: { workerId } });
    if (url !== '') logger.info({ url, workerId }, 'daemon listening');
    return ok({ ...parts, ops, url, port });
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
    if (sweeper !== null) clearInterval(sweeper);
    await scheduler?.stop();
    if (worker !== null) {
      const done = worker.stop();
      const limit = stopOptions.drain === true ? config.drainTimeoutMs : 0;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, limit)))]);
      clearTimeout(timer);
      active?.abortAll();
      await done;
    }
    await closeAll();
  }

  return { start, stop };
}

/** Where the daemon's triggers come from: the global file, its workspaces' files, `$NAME`s over `.env`. */
function triggerFileOptions(paths: WorktrainPaths, env: Readonly<Record<string, string | undefined>>) {
  return { globalPath: paths.triggers, envFile: paths.envFile, env, registry: createBuiltinRegistry() };
}

/**
 * Loads the triggers through `@worktrain/triggers`' loader: `$WORKTRAIN_HOME/triggers.yaml` (missing = no
 * triggers, logged with what to do) and the `.worktrain/triggers.yaml` of each workspace it names. The
 * error is the loader's, unchanged in message (what `worktrain trigger validate` and doctor print), as
 * TRIGGERS_FAILED with `details.triggerCode`.
 */
async function loadTriggers(
  paths: WorktrainPaths,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Result<{ config: TriggerConfig; paths: readonly string[] }, RuntimeError>> {
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

/**
 * The model provider factory of `config.model`. The scripted provider re-reads its script for each run
 * (so it can be edited between runs); an unreadable or invalid script fails that run with MODEL_FAILED.
 * Without a model (`provider: none`) every run fails with MODEL_FAILED, `details.modelCode`
 * MODEL_NOT_CONFIGURED (its task is dead-lettered as `validation`, not retried).
 */
export function modelProvider(
  config: RuntimeConfig,
  paths: WorktrainPaths,
): () => Result<ModelProvider, RuntimeError> {
  const model = config.model;
  if (model.provider === 'none')
    return () =>
      err(
        runtimeError(
          'MODEL_FAILED',
          'no model is configured (config.yaml model.provider: none); set model: (docs/configuration.md#the-model) and restart the daemon',
          { modelCode: 'MODEL_NOT_CONFIGURED' },
        ),
      );
  if (model.provider === 'anthropic') {
    const provider = createAnthropicProvider({
      apiKey: model.apiKey,
      model: model.model,
      maxTokens: model.maxTokens,
      ...(model.baseURL !== undefined ? { baseURL: model.baseURL } : {}),
    });
    return () => ok(provider);
  }
  const file = isAbsolute(model.script) ? model.script : resolve(paths.home, model.script);
  return () =>
    createScriptedProvider({ file }).mapErr((e) =>
      runtimeError('MODEL_FAILED', e.message, { modelCode: e.code, file }),
    );
}
