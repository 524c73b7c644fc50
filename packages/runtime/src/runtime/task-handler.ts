/**
 * Wires the task handler (`createTaskHandler`) to the daemon's delivery side: the configured forges and
 * their delivery stage (its checks in the session's sandbox), the blast-radius policy and approvals that
 * gate it, notifications, and the merge follow-up.
 */
import type { ModelProvider } from '@worktrain/agent';
import type { Clock, Logger, Result, WorktrainPaths } from '@worktrain/contracts';
import { err, ok } from '@worktrain/contracts';
import { loadPolicy } from '@worktrain/delivery';
import type { LeasedTask } from '@worktrain/queue';
import type { WorkspaceManager } from '@worktrain/workspace';
import type { ActiveSessions } from '../active.js';
import { type DeliveryApprovals, openDeliveryApprovals } from '../approvals.js';
import type { RuntimeConfig } from '../config.js';
import type { DaemonEventBus } from '../daemon-events.js';
import { gateDelivery } from '../delivery-gate.js';
import { type RuntimeError, runtimeError } from '../errors.js';
import { createForgeDelivery, createForges } from '../forges.js';
import { createTaskHandler } from '../lifecycle.js';
import { createMergeFollowUp } from '../merge-follow-up.js';
import { createSessionNotifications } from '../notifications.js';
import type { NotifyingTriggerRouter } from '../notifying-router.js';
import { createDelegator } from '../pipelines/delegation.js';
import { type SessionSandbox, unavailableSandbox } from '../session-sandbox.js';
import { createSessionSealer } from '../session-seal.js';
import { type WiredPipelines, wirePipelines } from './pipelines.js';
import type { RuntimeStores } from './stores.js';

/** The wired task handler and the approvals it parks deliveries with. */
export interface WiredTaskHandler {
  readonly handler: (task: LeasedTask, signal: AbortSignal) => Promise<void>;
  readonly approvals: DeliveryApprovals;
  readonly pipelines: WiredPipelines;
}

/**
 * Builds the task handler. An invalid policy.yaml stops the start (CONFIG_INVALID, details.policyCode;
 * never a silent default); the approvals store's errors are returned as they are. The approvals' close is
 * registered with `onClose`, and their periodic check starts (`config.approvals.checkIntervalMs`).
 */
export async function wireTaskHandler(input: {
  readonly config: RuntimeConfig;
  readonly paths: WorktrainPaths;
  readonly stores: RuntimeStores;
  readonly workspaces: WorkspaceManager;
  readonly router: NotifyingTriggerRouter;
  readonly sandbox: SessionSandbox;
  readonly provider: () => Result<ModelProvider, RuntimeError>;
  readonly active: ActiveSessions;
  readonly events: DaemonEventBus;
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onClose: (close: () => Promise<void> | void) => void;
}): Promise<Result<WiredTaskHandler, RuntimeError>> {
  const { config, paths, stores, router, clock, logger } = input;
  const store = stores.store;
  const sessionSandbox = input.sandbox;
  // GitHub, GitLab and the Jira return path, each as configured; tokens stay in the delivery stage.
  const forges = createForges(config);
  const deliverFn = forges.any
    ? createForgeDelivery({
        store,
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
    return err(
      runtimeError('CONFIG_INVALID', policy.error.message, {
        policyCode: policy.error.code,
        ...(policy.error.details ?? {}),
      }),
    );
  const approvals = openDeliveryApprovals({
    db: store.database,
    path: paths.database,
    sessionStore: store,
    policy: policy.value,
    queue: stores.queue,
    queueName: config.queue.name,
    now: () => clock.now(),
    logger,
  });
  if (approvals.isErr()) return err(approvals.error);
  input.onClose(() => approvals.value.close());
  approvals.value.start(config.approvals.checkIntervalMs);
  const notifications = createSessionNotifications({
    config: config.notifications,
    store,
    logger,
    callbackUrlOf: (triggerId) => {
      const trigger = router.trigger(triggerId);
      return trigger.isOk() ? (trigger.value.callbackUrl ?? null) : null;
    },
  });

  // Ended sessions' chain heads are signed (keys/signing/) so a re-hashed rewrite fails verify.
  const sealer = createSessionSealer({ paths, store, clock, logger });
  input.onClose(() => sealer.close());

  const onMerged = createMergeFollowUp({
    store,
    forges,
    approvals: { policy: policy.value, store: approvals.value.store },
    mergedStatus: config.jira?.transitions.onMerged ?? 'Done',
  });
  // Pipelines (issue #15): children are sessions of this handler, gated by their pipeline's budget.
  const pipelines = wirePipelines({
    config,
    paths,
    stores,
    forges,
    policy: policy.value,
    approvals: approvals.value.store,
    onMerged,
    events: input.events,
    clock,
    logger,
    onClose: input.onClose,
  });
  if (pipelines.isErr()) return err(pipelines.error);

  const handler = createTaskHandler({
    engine: stores.engine,
    store,
    conversations: stores.conversations,
    workspaces: input.workspaces,
    taskSessions: stores.taskSessions,
    gates: stores.gates,
    provider: input.provider,
    budget: config.budgets,
    sharedBudgetFor: (sessionId) => pipelines.value.launcher.sharedBudgetFor(sessionId),
    delegate: createDelegator({ launcher: pipelines.value.launcher, store, logger }),
    deliver:
      deliverFn === null
        ? null
        : gateDelivery(deliverFn, {
            store,
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
    onMerged,
    // A trigger naming a pipeline (`pipeline: feature`) starts it instead of a session.
    startPipeline: (request) => pipelines.value.service.dispatch(request),
    active: input.active,
    sandbox: sessionSandbox,
    networkAllowFor: (triggerId) => {
      const trigger = router.trigger(triggerId);
      return trigger.isOk() ? (trigger.value.sandboxNetworkAllow ?? []) : [];
    },
    events: input.events,
    sealSession: (sessionId) => sealer.sealIfEnded(sessionId),
    workerId: input.workerId,
    clock,
    logger,
  });
  return ok({ handler, approvals: approvals.value, pipelines: pipelines.value });
}
