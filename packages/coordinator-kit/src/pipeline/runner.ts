/**
 * Runs a pipeline to its end from its event log: folds the log into the current stage, state, children and
 * spend, runs stages one after the other and records every step (stage started, child spawned and ended,
 * stage completed, pipeline ended) before acting on it. Killed at any point and run again, it re-runs the
 * unfinished stage from its start; the stage's effects are idempotent (see `define.ts`), so no child is
 * started twice and no outcome is counted twice.
 */
import { err, type JsonObject, ok, type Result } from '@worktrain/contracts';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import type { ProofStore } from '../proof/sqlite-store.js';
import { type BudgetLedger, createBudgetLedger, DEFAULT_PIPELINE_BUDGET } from './budget.js';
import type { PipelineDefinition, StageContext, StageTransition } from './define.js';
import type { PipelineEventData, PipelineInput, PipelineStatus } from './events.js';
import { foldPipeline, type PipelineView } from './fold.js';
import type { PipelineStore } from './sqlite-store.js';
import type { ChildHandle, PipelineBudget, SessionLauncher } from './types.js';

/** Default ms an `await` in a stage waits for its children: 2 h. */
export const DEFAULT_AWAIT_TIMEOUT_MS = 2 * 3_600_000;

/** Options of {@link startPipeline}. */
export interface StartPipelineOptions {
  readonly store: PipelineStore;
  readonly pipelineId: string;
  readonly input: PipelineInput;
  /** Overrides of the kind's and the default budget. */
  readonly budget?: Partial<PipelineBudget>;
}

/** Records a new pipeline of `definition` (idempotent on the id). Errors: PIPELINE_STORE_IO. */
export function startPipeline<S extends JsonObject>(
  definition: PipelineDefinition<S>,
  options: StartPipelineOptions,
): Result<PipelineBudget, CoordinatorError> {
  const budget: PipelineBudget = { ...DEFAULT_PIPELINE_BUDGET, ...definition.budget, ...options.budget };
  return options.store
    .create(options.pipelineId, {
      kind: 'pipeline_started',
      pipelineKind: definition.kind,
      input: options.input,
      budget,
    })
    .map(() => budget);
}

/** Options of {@link runPipeline}. */
export interface RunPipelineOptions<S extends JsonObject> {
  readonly definition: PipelineDefinition<S>;
  readonly store: PipelineStore;
  readonly launcher: SessionLauncher;
  readonly pipelineId: string;
  /** The change's proof store and record id, when the pipeline keeps one. */
  readonly proof?: { readonly store: ProofStore; readonly proofId: string };
  /** ms since epoch. */
  readonly now: () => number;
  /** Aborting stops the run between steps (the pipeline stays running; run again to resume). */
  readonly signal?: AbortSignal;
  /** Per `await`, ms (default {@link DEFAULT_AWAIT_TIMEOUT_MS}). */
  readonly awaitTimeoutMs?: number;
}

/** How a run ended. */
export interface PipelineRunResult {
  readonly pipelineId: string;
  readonly status: PipelineStatus;
  readonly reason: string | null;
  readonly state: JsonObject | null;
}

/**
 * Runs (or resumes) the pipeline until it ends, a cancel is requested, or `signal` aborts. Errors:
 * PIPELINE_NOT_FOUND, PIPELINE_INVALID (the log is not this definition's), PIPELINE_STORE_IO.
 */
export async function runPipeline<S extends JsonObject>(
  options: RunPipelineOptions<S>,
): Promise<Result<PipelineRunResult, CoordinatorError>> {
  const { definition, store, launcher, pipelineId } = options;
  const load = (): Result<PipelineView, CoordinatorError> => {
    const read = store.read(pipelineId);
    if (read.isErr()) return err(read.error);
    const view = foldPipeline(definition.start, read.value.events);
    if (view === null || view.kind !== definition.kind)
      return err(
        coordinatorError('PIPELINE_INVALID', `Pipeline ${pipelineId} is not a ${definition.kind} pipeline.`, {
          pipelineId,
          issues: [`kind ${view?.kind ?? 'unknown'}`],
        }),
      );
    return ok(view);
  };
  const append = (...events: PipelineEventData[]): Result<void, CoordinatorError> =>
    store.append(pipelineId, events);
  const end = (status: Exclude<PipelineStatus, 'running'>, reason: string, state: JsonObject | null) => {
    const done = append({ kind: 'pipeline_ended', status, reason });
    return done.map(() => ({ pipelineId, status, reason, state }));
  };

  let loaded = load();
  if (loaded.isErr()) return err(loaded.error);
  const ledger = createBudgetLedger(loaded.value.budget, Date.parse(loaded.value.startedAt), options.now, {
    children: Object.fromEntries(Object.entries(loaded.value.children).map(([k, c]) => [k, c.usage])),
  });

  /** The stage whose `stage_started` the last completion wrote together with itself. */
  let startedHere: string | null = null;
  for (;;) {
    const view = loaded.value;
    const running = Object.entries(view.children)
      .filter(([, c]) => c.ended === null)
      .map(([key, c]) => ({ key, sessionId: c.sessionId }));
    if (view.status !== 'running') {
      // Ended (perhaps just before a crash): nothing of it may keep running.
      if (running.length > 0) await launcher.stop(running, `pipeline ended (${view.status})`);
      return ok({ pipelineId, status: view.status, reason: view.endReason, state: view.state });
    }
    if (view.cancelRequested !== null) {
      await launcher.stop(running, `pipeline cancelled by ${view.cancelRequested.actor}`);
      return end(
        'cancelled',
        `cancelled by ${view.cancelRequested.actor}: ${view.cancelRequested.reason}`,
        view.state,
      );
    }
    if (options.signal?.aborted === true)
      return ok({
        pipelineId,
        status: 'running',
        reason: 'the run was stopped; it resumes on the next run',
        state: view.state,
      });
    const hit = ledger.exhausted();
    if (hit !== null) {
      await launcher.stop(running, `pipeline budget spent (${hit.limit})`);
      return end(
        'escalated',
        `the pipeline's budget is spent: ${hit.limit} ${hit.observed} of ${hit.max}`,
        view.state,
      );
    }
    const stageName = view.stage;
    const stage = stageName === null ? undefined : definition.stages[stageName];
    if (stageName === null || stage === undefined)
      return end('failed', `unknown stage ${String(stageName)} in ${definition.kind}`, view.state);
    const state =
      view.state === null ? definition.initialState(view.input) : definition.stateSchema.parse(view.state);
    // The previous stage's completion already recorded this start (one transaction, one fsync fewer).
    const attempt =
      startedHere === stageName
        ? (view.stageAttempts[stageName] ?? 1)
        : (view.stageAttempts[stageName] ?? 0) + 1;
    if (startedHere !== stageName) {
      const started = append({ kind: 'stage_started', stage: stageName, attempt });
      if (started.isErr()) return err(started.error);
    }
    startedHere = null;

    const context = stageContext(options, ledger, { view, state, attempt });
    let transition: StageTransition<S>;
    try {
      transition = await stage.run(context);
    } catch (thrown) {
      transition = { end: 'failed', state, reason: `stage ${stageName} threw: ${(thrown as Error).message}` };
    }
    // Cancelled while the stage ran (its await was cut short): the pipeline ends cancelled, not escalated.
    const after = load();
    if (after.isOk() && after.value.cancelRequested !== null) {
      loaded = after;
      continue;
    }
    // Stopped while the stage ran (shutdown cut its await short): nothing of it is recorded; it re-runs.
    if (stopped(options.signal))
      return ok({
        pipelineId,
        status: 'running',
        reason: 'the run was stopped; it resumes on the next run',
        state: view.state,
      });
    const completed: Extract<PipelineEventData, { kind: 'stage_completed' }> = completeStage(
      definition,
      stageName,
      stage.next,
      transition,
    );
    // A stage that ends the pipeline and the end itself are one append: a crash cannot split them.
    const nextStage: string | undefined = completed.next;
    const recorded =
      completed.end === undefined
        ? append(completed, {
            kind: 'stage_started',
            stage: nextStage ?? stageName,
            attempt: ((nextStage === undefined ? undefined : view.stageAttempts[nextStage]) ?? 0) + 1,
          })
        : append(completed, {
            kind: 'pipeline_ended',
            status: completed.end,
            reason: completed.reason ?? completed.end,
          });
    if (recorded.isErr()) return err(recorded.error);
    startedHere = completed.end === undefined ? (nextStage ?? null) : null;
    loaded = load();
    if (loaded.isErr()) return err(loaded.error);
  }
}

/** Read through a call, so the check after an await is not narrowed away by the one before it. */
const stopped = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** The `stage_completed` event for a transition; a transition the stage did not declare fails the pipeline. */
function completeStage<S extends JsonObject>(
  definition: PipelineDefinition<S>,
  stageName: string,
  declared: readonly string[],
  transition: StageTransition<S>,
): Extract<PipelineEventData, { kind: 'stage_completed' }> {
  const parsed = definition.stateSchema.safeParse(transition.state);
  if (!parsed.success)
    return {
      kind: 'stage_completed',
      stage: stageName,
      end: 'failed',
      reason: `stage ${stageName} produced an invalid state: ${parsed.error.issues[0]?.message ?? ''}`,
      state: {},
    };
  const state = parsed.data as JsonObject;
  if ('next' in transition) {
    if (!declared.includes(transition.next))
      return {
        kind: 'stage_completed',
        stage: stageName,
        end: 'failed',
        reason: `stage ${stageName} moved to ${transition.next}, which it does not declare`,
        state,
      };
    return {
      kind: 'stage_completed',
      stage: stageName,
      next: transition.next,
      state,
      ...(transition.note === undefined ? {} : { reason: transition.note }),
    };
  }
  return { kind: 'stage_completed', stage: stageName, end: transition.end, reason: transition.reason, state };
}

function stageContext<S extends JsonObject>(
  options: RunPipelineOptions<S>,
  ledger: BudgetLedger,
  current: { view: PipelineView; state: S; attempt: number },
): StageContext<S> {
  const { store, launcher, pipelineId } = options;
  const children = new Map(Object.entries(current.view.children));
  return {
    pipelineId,
    input: current.view.input,
    state: current.state,
    attempt: current.attempt,
    budget: ledger,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    guidance() {
      const read = store.read(pipelineId);
      if (read.isErr()) return current.view.guidance;
      return read.value.events.flatMap((e) =>
        e.data.kind === 'guidance_added' ? [{ actor: e.data.actor, text: e.data.text }] : [],
      );
    },
    cancelRequested() {
      const read = store.read(pipelineId);
      return read.isOk() && read.value.events.some((e) => e.data.kind === 'cancel_requested');
    },
    async spawn(request) {
      const known = children.get(request.key);
      if (known !== undefined) return ok({ key: request.key, sessionId: known.sessionId });
      const hit = ledger.admit(request.key);
      if (hit !== null)
        return err(
          coordinatorError(
            'BUDGET_EXHAUSTED',
            `The pipeline's budget is spent (${hit.limit}); ${request.key} did not start.`,
            {
              ...hit,
            },
          ),
        );
      const spawned = await launcher.spawn(pipelineId, request, ledger);
      if (spawned.isErr()) return err(spawned.error);
      const recorded = store.append(pipelineId, [
        {
          kind: 'child_spawned',
          key: request.key,
          sessionId: spawned.value.sessionId,
          workflowId: request.workflowId,
        },
      ]);
      if (recorded.isErr()) return err(recorded.error);
      children.set(request.key, {
        sessionId: spawned.value.sessionId,
        workflowId: request.workflowId,
        ended: null,
        usage: { turns: 0, tokens: 0, costUsd: 0 },
      });
      return ok(spawned.value);
    },
    async await(handles: readonly ChildHandle[], timeoutMs?: number) {
      const outcomes = await launcher.await(handles, {
        timeoutMs: timeoutMs ?? options.awaitTimeoutMs ?? DEFAULT_AWAIT_TIMEOUT_MS,
        budget: ledger,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (outcomes.isErr()) return outcomes;
      const fresh: PipelineEventData[] = [];
      for (const outcome of outcomes.value) {
        ledger.settle(outcome.key, outcome.usage);
        const child = children.get(outcome.key);
        if (child?.ended !== null && child?.ended !== undefined) continue; // recorded before a crash
        fresh.push({
          kind: 'child_ended',
          key: outcome.key,
          sessionId: outcome.sessionId,
          status: outcome.status,
          ...(outcome.status === 'completed' ? {} : { reason: outcome.reason }),
          usage: { ...outcome.usage },
        });
        if (child !== undefined)
          children.set(outcome.key, { ...child, ended: outcome.status, usage: outcome.usage });
      }
      if (fresh.length > 0) {
        const recorded = store.append(pipelineId, fresh);
        if (recorded.isErr()) return err(recorded.error);
      }
      return outcomes;
    },
    proofRecord() {
      if (options.proof === undefined) return null;
      const read = options.proof.store.read(options.proof.proofId);
      return read.isOk() ? { proofId: options.proof.proofId, entries: read.value.entries } : null;
    },
    proof(input, key) {
      if (options.proof === undefined)
        return err(
          coordinatorError('PROOF_NOT_FOUND', `Pipeline ${pipelineId} keeps no proof record.`, {
            pipelineId,
          }),
        );
      return options.proof.store.append(options.proof.proofId, input, { idempotencyKey: key });
    },
  };
}
