/**
 * What the task lifecycle's stages need, injected by `createRuntime` into `createTaskHandler`; each stage
 * takes the `Pick` of these it uses.
 */
import type { Budget, ConversationStore, Delegator, ModelProvider, SharedBudget } from '@worktrain/agent';
import type { Clock, Logger, Result, ResultAsync, WorkTrainError } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import type { SessionStore } from '@worktrain/session-store';
import type { WorkspaceManager } from '@worktrain/workspace';
import type { ActiveSessions } from '../active.js';
import type { DeliveryApprovals } from '../approvals.js';
import type { DaemonEventBus } from '../daemon-events.js';
import type { DeliverFn } from '../delivery.js';
import type { DeliveryTemplates } from '../delivery-template.js';
import type { RuntimeError } from '../errors.js';
import type { SessionNotifications } from '../notifications.js';
import type { DeliveryTarget, JiraDeliveryRoutes, MergedChangeRequest } from '../payload.js';
import type { SessionSandbox } from '../session-sandbox.js';
import type { ParkedGates, TaskSessions } from '../task-sessions.js';

/** A pipeline a trigger's task starts (`PipelineService.dispatch`'s input, with the id it is idempotent on). */
export interface PipelineStartRequest {
  /** Derived from the task's id: a retried task dispatches the same pipeline, which starts it once. */
  readonly pipelineId: string;
  /** The pipeline kind (`feature`). */
  readonly kind: string;
  readonly goal: string;
  /** The repository checkout (absolute path) the pipeline's children work in. */
  readonly workspace: string;
  readonly title?: string;
  readonly target: DeliveryTarget;
  /** Who started it (`trigger:<id>`). */
  readonly actor: string;
}

/** What the task handler needs, injected by `createRuntime`. */
export interface LifecycleDeps {
  readonly engine: Engine;
  readonly store: SessionStore;
  readonly conversations: ConversationStore;
  readonly workspaces: WorkspaceManager;
  readonly taskSessions: TaskSessions;
  readonly gates: ParkedGates;
  /** A fresh model provider per run (scripted providers are stateless over the conversation). */
  readonly provider: () => Result<ModelProvider, RuntimeError>;
  readonly budget: Partial<Budget>;
  /**
   * The budget a pipeline child shares with its pipeline (its siblings included), checked before each of
   * its model requests; undefined for a session outside a pipeline (`createSessionLauncher`).
   */
  readonly sharedBudgetFor?: (sessionId: string) => Promise<SharedBudget | undefined>;
  /** Runs a parallel step's delegations as child sessions (`createDelegator`); absent: the model delegates. */
  readonly delegate?: Delegator;
  readonly deliver: DeliverFn | null;
  /** Blast-radius approvals: a delivery that waits is parked here (null: no approvals wiring). */
  readonly approvals?: DeliveryApprovals | null;
  /** Session completed / failed / approval needed notifications. */
  readonly notifications?: SessionNotifications | null;
  /** Where Jira tickets' code is delivered (config `jira.projects`). */
  readonly jiraRoutes?: JiraDeliveryRoutes;
  /** A change request WorkTrain opened was merged: its session's Jira ticket moves on (`createMergeFollowUp`). */
  readonly onMerged?: (merged: MergedChangeRequest) => ResultAsync<unknown, WorkTrainError<string>>;
  /**
   * Starts a pipeline for a trigger whose candidate names one (`PipelineService.dispatch`), idempotent on
   * `pipelineId`. Errors: PAYLOAD_INVALID (unknown kind), INTERNAL. Absent: such tasks dead-letter.
   */
  readonly startPipeline?: (
    request: PipelineStartRequest,
  ) => Promise<Result<{ readonly pipelineId: string; readonly taskId: string }, RuntimeError>>;
  readonly active: ActiveSessions;
  /** The OS sandbox every agent command runs in (fail closed: no sandbox, no agent run). */
  readonly sandbox: SessionSandbox;
  /** Hosts a trigger's sessions may reach besides config.yaml's (triggers.yaml `sandbox.network.allow`). */
  readonly networkAllowFor?: (triggerId: string) => readonly string[];
  /** PR/MR template contexts, one read per base commit (default: a new cache of this handler). */
  readonly templates?: DeliveryTemplates;
  readonly events: DaemonEventBus;
  /**
   * Called after every task of a session, whatever its outcome: signs the session's chain head when the
   * session has ended (`createSessionSealer`). Never rejects; absent: sessions are not sealed.
   */
  readonly sealSession?: (sessionId: string) => Promise<void>;
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The logger every stage writes through (`component: lifecycle`, as `worktrain logs` filters it). */
export function lifecycleLogger(logger: Logger): Logger {
  return logger.child({ component: 'lifecycle' });
}
