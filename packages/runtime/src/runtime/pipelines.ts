/**
 * Wires pipelines into the daemon: the pipeline and proof stores in `worktrain.db` (proof heads signed with
 * `keys/signing/`), the session launcher, the merge gate's ports and the bundled pipeline kinds. The
 * launcher's kill switch is bound late (`bindKill`): the operations that own it are built after the task
 * handler, which already needs the launcher's shared budgets.
 */
import { join } from 'node:path';
import {
  type Clock,
  err,
  type Logger,
  ok,
  type Result,
  type ResultAsync,
  type WorkTrainError,
  type WorktrainPaths,
} from '@worktrain/contracts';
import {
  createFeaturePipeline,
  openSigningKeyring,
  openSqlitePipelineStore,
  openSqliteProofStore,
} from '@worktrain/coordinator-kit';
import type { ApprovalStore, Policy } from '@worktrain/delivery';
import type { RuntimeConfig } from '../config.js';
import type { DaemonEventBus } from '../daemon-events.js';
import { createDeliveryTemplates } from '../delivery-template.js';
import { type RuntimeError, runtimeError } from '../errors.js';
import type { Forges } from '../forges.js';
import type { MergedChangeRequest } from '../payload.js';
import { createSessionLauncher, type RuntimeSessionLauncher } from '../pipelines/launcher.js';
import { createMergeGatePorts, type MergeLog, openMergeLog } from '../pipelines/merge-gate.js';
import {
  createPipelineService,
  type PipelineKind,
  type PipelineService,
  pipelineKind,
} from '../pipelines/service.js';
import type { RuntimeStores } from './stores.js';

/**
 * The pipeline kinds the daemon runs: what a trigger's `pipeline:` may name (`checkTriggersRunnable`) and
 * exactly the keys of the definitions {@link wirePipelines} builds.
 */
export const PIPELINE_KINDS = ['feature'] as const;
type BundledPipelineKind = (typeof PIPELINE_KINDS)[number];

/** The wired pipelines. */
export interface WiredPipelines {
  readonly service: PipelineService;
  readonly launcher: RuntimeSessionLauncher;
  readonly mergeLog: MergeLog;
  /** Sets the kill switch the launcher stops children with (`ops.kill`). */
  bindKill(kill: (sessionId: string, actor: string, reason: string) => Promise<unknown>): void;
}

/** Errors: STORE_OPEN_FAILED (pipeline or proof store), KEYRING_FAILED (signing key). */
export function wirePipelines(input: {
  readonly config: RuntimeConfig;
  readonly paths: WorktrainPaths;
  readonly stores: RuntimeStores;
  readonly forges: Forges;
  readonly policy: Policy;
  readonly approvals: ApprovalStore;
  readonly onMerged: (merged: MergedChangeRequest) => ResultAsync<unknown, WorkTrainError<string>>;
  readonly events: DaemonEventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onClose: (close: () => Promise<void> | void) => void;
}): Result<WiredPipelines, RuntimeError> {
  const { config, paths, stores, clock, logger } = input;
  const now = () => new Date(clock.now());
  const store = openSqlitePipelineStore({ path: paths.database, now });
  if (store.isErr())
    return err(runtimeError('STORE_OPEN_FAILED', store.error.message, { code: store.error.code }));
  input.onClose(() => store.value.close());
  const keyring = openSigningKeyring(join(paths.keys, 'signing'));
  if (keyring.isErr()) return err(runtimeError('KEYRING_FAILED', keyring.error.message));
  const ring = keyring.value;
  const proofs = openSqliteProofStore({ path: paths.database, sign: (m) => ring.sign(m), now });
  if (proofs.isErr())
    return err(runtimeError('STORE_OPEN_FAILED', proofs.error.message, { code: proofs.error.code }));
  input.onClose(() => proofs.value.close());
  const mergeLog = openMergeLog(stores.store.database, clock);

  let kill: (sessionId: string, actor: string, reason: string) => Promise<unknown> = async () => undefined;
  let service: PipelineService | null = null;
  const targetOf = (pipelineId: string) => service?.targetOf(pipelineId) ?? null;
  const launcher = createSessionLauncher({
    engine: stores.engine,
    store: stores.store,
    queue: stores.queue,
    queueName: config.queue.name,
    taskSessions: stores.taskSessions,
    templates: createDeliveryTemplates(),
    events: input.events,
    targetOf,
    kill: (sessionId, actor, reason) => kill(sessionId, actor, reason),
    clock,
    logger,
  });
  const mergeGate = createMergeGatePorts({
    forges: input.forges,
    policy: input.policy,
    approvals: input.approvals,
    mergeLog,
    targetOf,
    pollIntervalMs: config.pipelines.mergePollIntervalMs,
    // The Jira follow-up of the merged change: the code child's session carries the ticket.
    afterMerge: async ({ pipelineId, pullRequestUrl }) => {
      const detail = await service?.get(pipelineId);
      const code = detail?.isOk() === true ? detail.value.view.children.code : undefined;
      const target = targetOf(pipelineId);
      const number = Number(pullRequestUrl.split('/').pop());
      if (code === undefined || target?.repo == null) return;
      const followed = await input.onMerged({
        kind: 'merged',
        sessionId: code.sessionId,
        forge: target.forge,
        project: target.repo,
        number,
        url: pullRequestUrl,
        title: '',
      });
      if (followed.isErr())
        logger.warn({ pipelineId, code: followed.error.code }, `merge follow-up: ${followed.error.message}`);
    },
    clock,
    logger,
  });
  service = createPipelineService({
    definitions: (gate) =>
      ({
        feature: pipelineKind(
          createFeaturePipeline({ mergeGate: gate, maxFixRounds: config.pipelines.maxFixRounds }),
        ),
      }) satisfies Record<BundledPipelineKind, PipelineKind>,
    mergeGate,
    store: store.value,
    proofs: proofs.value,
    mergeLog,
    sessions: stores.store,
    queue: stores.queue,
    launcher: () => launcher,
    clock,
    logger,
  });
  return ok({
    service,
    launcher,
    mergeLog,
    bindKill: (k) => {
      kill = k;
    },
  });
}
