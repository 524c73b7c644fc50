/**
 * Pipelines in the daemon (issue #15): dispatch records the pipeline (its event log, its proof record opened
 * on the change's branch) and enqueues one coordinator task on the `pipelines` queue; a coordinator worker
 * runs it with {@link runPipeline} over the daemon's {@link createSessionLauncher}. The task holds its
 * lease while the pipeline runs, so a SIGKILLed daemon's pipelines are swept back and resumed from their
 * log by the next one; cancel records `cancel_requested` and cuts the running await short.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, err, type JsonObject, type Logger, ok, type Result } from '@worktrain/contracts';
import {
  type CoordinatorError,
  DEFAULT_PIPELINE_BUDGET,
  foldPipeline,
  type MergeGatePorts,
  type PipelineBudget,
  type PipelineDefinition,
  type PipelinePlan,
  type PipelineRunResult,
  type PipelineStatus,
  type PipelineStore,
  type PipelineSummary,
  type PipelineView,
  type ProofStore,
  pipelineBranch,
  planPipeline,
  type RunPipelineOptions,
  runPipeline,
  type StartPipelineOptions,
  type StoredProof,
  startPipeline,
} from '@worktrain/coordinator-kit';
import { type LeasedTask, TaskFailure, type TaskQueue } from '@worktrain/queue';
import type { SessionStore } from '@worktrain/session-store';
import * as z from 'zod';
import { type RuntimeError, runtimeError } from '../errors.js';
import { type DeliveryTarget, targetFromJson, targetToJson } from '../payload.js';
import { readAll } from '../session-log.js';
import { usageOf } from './child-outcome.js';
import type { RuntimeSessionLauncher } from './launcher.js';
import type { MergeLog, MergeLogRow } from './merge-gate.js';

/** The queue coordinator tasks wait on (its own worker pool: a coordinator mostly waits). */
export const PIPELINE_QUEUE = 'pipelines';

/** The payload of a coordinator task. */
export const PipelineTaskPayloadSchema = z.strictObject({
  kind: z.literal('pipeline'),
  pipelineId: z.string().min(1).max(200),
});

/** What `dispatch` starts. */
export interface PipelineDispatch {
  readonly kind: string;
  readonly goal: string;
  /** The repository checkout (absolute path) the children work in. */
  readonly workspace: string;
  readonly title?: string;
  readonly target: DeliveryTarget;
  /** Overrides of the kind's budget. */
  readonly budget?: Partial<PipelineBudget>;
  readonly actor: string;
  /**
   * The pipeline's id (`pl_…`); dispatch is idempotent on it: a second dispatch with the same id records
   * nothing new and enqueues no second coordinator while the first is unfinished (a trigger's task derives
   * it from its task id, so its retries start one pipeline). Default: a new random id.
   */
  readonly pipelineId?: string;
}

/** A pipeline with its children (and their sessions' status), spend and proof record. */
export interface PipelineDetail {
  readonly summary: PipelineSummary;
  readonly view: PipelineView;
  readonly children: readonly {
    readonly key: string;
    readonly sessionId: string;
    readonly workflowId: string;
    readonly ended: string | null;
    readonly sessionStatus: string | null;
    readonly usage: { turns: number; tokens: number; costUsd: number };
  }[];
  readonly spend: { sessions: number; turns: number; tokens: number; costUsd: number };
  readonly proof: StoredProof | null;
  /** The merge log's lines of this pipeline (merged, refused, failed), oldest first. */
  readonly merges: readonly MergeLogRow[];
}

export interface PipelineService {
  /** The pipeline kinds this daemon runs, with their plans under the default budget. */
  kinds(): readonly PipelinePlan[];
  /** The stage plan and budget of `kind` (what `--dry-run` prints). Errors: PAYLOAD_INVALID (unknown kind). */
  plan(kind: string, budget?: Partial<PipelineBudget>): Result<PipelinePlan, RuntimeError>;
  /** Records and enqueues a pipeline (idempotent on `input.pipelineId`). Errors: PAYLOAD_INVALID, INTERNAL. */
  dispatch(
    input: PipelineDispatch,
  ): Promise<Result<{ pipelineId: string; taskId: string; plan: PipelinePlan }, RuntimeError>>;
  list(query?: { status?: PipelineStatus; limit?: number }): Result<readonly PipelineSummary[], RuntimeError>;
  /** Errors: PIPELINE_NOT_FOUND (as SESSION_NOT_FOUND's sibling, 404), INTERNAL. */
  get(pipelineId: string): Promise<Result<PipelineDetail, RuntimeError>>;
  /**
   * Operator guidance (`worktrain tell`): recorded in the pipeline's log; every child started after it
   * gets it as `operatorGuidance`. Errors: PIPELINE_NOT_FOUND, INVALID_STATE (already ended).
   */
  tell(pipelineId: string, actor: string, text: string): Result<{ pipelineId: string }, RuntimeError>;
  /** Errors: PIPELINE_NOT_FOUND, INVALID_STATE (already ended). */
  cancel(pipelineId: string, actor: string, reason: string): Result<{ pipelineId: string }, RuntimeError>;
  /** Stops every coordinator this daemon runs (shutdown): their pipelines resume on the next start. */
  stopAll(): void;
  /** The coordinator tasks' handler. */
  handle(task: LeasedTask, signal: AbortSignal): Promise<void>;
  /** The delivery target of a pipeline (from its input), for the launcher and the merge gate. */
  targetOf(pipelineId: string): DeliveryTarget | null;
}

/** A pipeline definition with its state type erased: what the service runs, plans and reads. */
export interface PipelineKind {
  readonly kind: string;
  readonly start: string;
  readonly budget: Partial<PipelineBudget>;
  plan(budget: PipelineBudget): PipelinePlan;
  begin(options: StartPipelineOptions): Result<PipelineBudget, CoordinatorError>;
  run(
    options: Omit<RunPipelineOptions<JsonObject>, 'definition'>,
  ): Promise<Result<PipelineRunResult, CoordinatorError>>;
}

/** Erases a definition's state type behind closures over the kit's generic functions. */
export function pipelineKind<S extends JsonObject>(definition: PipelineDefinition<S>): PipelineKind {
  return {
    kind: definition.kind,
    start: definition.start,
    budget: definition.budget ?? {},
    plan: (budget) => planPipeline(definition, budget),
    begin: (options) => startPipeline(definition, options),
    run: (options) => runPipeline({ ...options, definition }),
  };
}

/** What the service is built from. */
export interface PipelineServiceDeps {
  /** The kinds it runs, keyed by kind, built over the merge gate's ports. */
  readonly definitions: (mergeGate: MergeGatePorts) => Readonly<Record<string, PipelineKind>>;
  readonly mergeGate: MergeGatePorts;
  readonly store: PipelineStore;
  readonly proofs: ProofStore;
  readonly mergeLog: MergeLog;
  readonly sessions: SessionStore;
  readonly queue: TaskQueue;
  readonly launcher: () => RuntimeSessionLauncher;
  readonly clock: Clock;
  readonly logger: Logger;
}

const fromKit = (e: CoordinatorError): RuntimeError =>
  e.code === 'PIPELINE_NOT_FOUND'
    ? runtimeError('PIPELINE_NOT_FOUND', e.message, e.details)
    : e.code === 'PIPELINE_ENDED'
      ? runtimeError('INVALID_STATE', e.message, e.details)
      : runtimeError('INTERNAL', e.message, { code: e.code, ...e.details });

/** A pipeline id: `pl_` and 20 random base32 characters. */
function newPipelineId(): string {
  return `pl_${randomBytes(13).toString('base64url').replace(/[-_]/g, '').slice(0, 20).toLowerCase()}`;
}

export function createPipelineService(deps: PipelineServiceDeps): PipelineService {
  const definitions = deps.definitions(deps.mergeGate);
  const log = deps.logger.child({ component: 'pipelines' });
  /** Aborts the run of a pipeline this daemon is running (cancel). */
  const running = new Map<string, AbortController>();
  const budgetOf = (def: PipelineKind, overrides?: Partial<PipelineBudget>): PipelineBudget => ({
    ...DEFAULT_PIPELINE_BUDGET,
    ...def.budget,
    ...overrides,
  });
  const definition = (kind: string): Result<PipelineKind, RuntimeError> => {
    const def = definitions[kind];
    return def === undefined
      ? err(
          runtimeError(
            'PAYLOAD_INVALID',
            `Unknown pipeline kind '${kind}'; known: ${Object.keys(definitions).join(', ')}`,
            {
              kind,
            },
          ),
        )
      : ok(def);
  };
  const readView = (
    pipelineId: string,
  ): Result<{ summary: PipelineSummary; view: PipelineView }, RuntimeError> => {
    const read = deps.store.read(pipelineId);
    if (read.isErr()) return err(fromKit(read.error));
    const def = definitions[read.value.summary.kind];
    const view = foldPipeline(def?.start ?? '', read.value.events);
    if (view === null) return err(runtimeError('INTERNAL', `Pipeline ${pipelineId} has no start event.`));
    return ok({ summary: read.value.summary, view });
  };

  const service: PipelineService = {
    kinds: () => Object.values(definitions).map((d) => d.plan(budgetOf(d))),
    plan: (kind, budget) => definition(kind).map((d) => d.plan(budgetOf(d, budget))),

    async dispatch(input) {
      const def = definition(input.kind);
      if (def.isErr()) return err(def.error);
      const pipelineId = input.pipelineId ?? newPipelineId();
      const started = def.value.begin({
        store: deps.store,
        pipelineId,
        input: {
          goal: input.goal,
          workspace: input.workspace,
          ...(input.title === undefined ? {} : { title: input.title }),
          context: { target: targetToJson(input.target), actor: input.actor },
        },
        ...(input.budget === undefined ? {} : { budget: input.budget }),
      });
      if (started.isErr()) return err(fromKit(started.error));
      const opened = deps.proofs.open(
        pipelineId,
        { repo: input.target.repo ?? input.workspace, branch: pipelineBranch(pipelineId), pipelineId },
        { kind: 'runtime', id: 'pipelines' },
      );
      if (opened.isErr()) return err(fromKit(opened.error));
      const enqueued = await deps.queue.enqueue({
        queue: PIPELINE_QUEUE,
        payload: { kind: 'pipeline', pipelineId },
        dedupeKey: `pipeline:${pipelineId}`,
        actor: input.actor,
        // A coordinator is re-run after a crash until its pipeline ends; its own failures escalate.
        maxAttempts: 100,
      });
      if (enqueued.isErr())
        return err(runtimeError('INTERNAL', enqueued.error.message, { code: enqueued.error.code }));
      log.info({ pipelineId, kind: input.kind, taskId: enqueued.value.task.id }, 'pipeline dispatched');
      return ok({ pipelineId, taskId: enqueued.value.task.id, plan: def.value.plan(started.value) });
    },

    list(query = {}) {
      const listed = deps.store.list(query);
      return listed.isErr() ? err(fromKit(listed.error)) : ok(listed.value);
    },

    async get(pipelineId) {
      const read = readView(pipelineId);
      if (read.isErr()) return err(read.error);
      const { view, summary } = read.value;
      const children = await Promise.all(
        Object.entries(view.children).map(async ([key, c]) => {
          const s = await deps.sessions.getSummary(c.sessionId);
          // A running child's spend rolls up live from its log; an ended one's is recorded in the pipeline's.
          const live = c.ended === null ? await readAll(deps.sessions, c.sessionId) : null;
          const usage = live?.isOk() === true ? usageOf(live.value) : c.usage;
          return { key, ...c, usage, sessionStatus: s.isOk() ? s.value.status : null };
        }),
      );
      const spend = {
        sessions: children.length,
        turns: children.reduce((n, c) => n + c.usage.turns, 0),
        tokens: children.reduce((n, c) => n + c.usage.tokens, 0),
        costUsd: children.reduce((n, c) => n + c.usage.costUsd, 0),
      };
      const proof = deps.proofs.read(pipelineId);
      return ok({
        summary,
        view,
        children,
        spend,
        proof: proof.isOk() ? proof.value : null,
        merges: deps.mergeLog.listFor(pipelineId),
      });
    },

    tell(pipelineId, actor, text) {
      const appended = deps.store.append(pipelineId, [{ kind: 'guidance_added', actor, text }]);
      if (appended.isErr()) return err(fromKit(appended.error));
      log.info({ pipelineId, actor }, 'pipeline guidance added');
      return ok({ pipelineId });
    },

    cancel(pipelineId, actor, reason) {
      const appended = deps.store.append(pipelineId, [{ kind: 'cancel_requested', actor, reason }]);
      if (appended.isErr()) return err(fromKit(appended.error));
      running.get(pipelineId)?.abort();
      log.info({ pipelineId, actor }, 'pipeline cancel requested');
      return ok({ pipelineId });
    },

    stopAll() {
      for (const controller of running.values()) controller.abort();
    },

    async handle(task, signal) {
      const payload = PipelineTaskPayloadSchema.safeParse(task.payload);
      if (!payload.success) throw new TaskFailure('validation', 'not a pipeline task payload', false);
      const { pipelineId } = payload.data;
      const read = deps.store.read(pipelineId);
      if (read.isErr()) throw new TaskFailure('validation', read.error.message, false);
      const def = definitions[read.value.summary.kind];
      if (def === undefined)
        throw new TaskFailure('validation', `unknown pipeline kind ${read.value.summary.kind}`, false);
      const cancel = new AbortController();
      running.set(pipelineId, cancel);
      try {
        const result = await def.run({
          store: deps.store,
          launcher: deps.launcher(),
          pipelineId,
          proof: { store: deps.proofs, proofId: pipelineId },
          now: () => deps.clock.now(),
          signal: AbortSignal.any([signal, cancel.signal]),
        });
        if (result.isErr()) throw new TaskFailure('execution', result.error.message);
        if (result.value.status === 'running')
          // The daemon is stopping: the coordinator resumes from its log on the next run.
          throw new TaskFailure('execution', result.value.reason ?? 'interrupted', true);
        log.info({ pipelineId, status: result.value.status, reason: result.value.reason }, 'pipeline ended');
      } finally {
        running.delete(pipelineId);
      }
    },

    targetOf(pipelineId) {
      const read = deps.store.read(pipelineId);
      if (read.isErr()) return null;
      const first = read.value.events[0]?.data;
      if (first?.kind !== 'pipeline_started') return null;
      const t = first.input.context.target;
      return typeof t === 'object' && t !== null && !Array.isArray(t) ? targetFromJson({ ...t }) : null;
    },
  };
  return service;
}
