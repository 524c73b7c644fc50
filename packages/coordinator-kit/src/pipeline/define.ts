/**
 * Pipelines as code: `definePipeline({ kind, start, stages, … })`. A stage is an async function over a
 * {@link StageContext} that spawns children, awaits their typed outcomes and returns a transition: the next
 * stage (one of those it declares) with the new state, or the end of the pipeline.
 *
 * Determinism rules (the Temporal-style contract that makes a killed coordinator resumable): a stage may
 * be run again from its start after a crash, so everything it does with effects goes through the context —
 * `spawn` is idempotent by key, `await` of a finished child returns its recorded outcome, proof appends are
 * idempotent by key — and it decides only from the context's data (state, input, outcomes), never from
 * the clock, randomness or text matching on notes. State between stages is JSON, validated by the
 * pipeline's zod schema on every transition.
 */
import type { JsonObject, Result } from '@worktrain/contracts';
import type * as z from 'zod';
import type { CoordinatorError } from '../errors.js';
import type { ProofEntry, ProofEntryInput } from '../proof/schema.js';
import type { BudgetLedger } from './budget.js';
import type { PipelineInput } from './events.js';
import type { ChildHandle, ChildOutcome, PipelineBudget, SpawnRequest } from './types.js';

/** What a stage can do. */
export interface StageContext<S> {
  readonly pipelineId: string;
  readonly input: PipelineInput;
  readonly state: S;
  /** How many times this stage has started in this pipeline, 1-based (a re-run after a crash counts). */
  readonly attempt: number;
  readonly budget: BudgetLedger;
  /** Starts a child (idempotent by `request.key`). Errors: SPAWN_FAILED, BUDGET_EXHAUSTED. */
  spawn(request: SpawnRequest): Promise<Result<ChildHandle, CoordinatorError>>;
  /** Awaits children; each outcome is recorded once. Errors: AWAIT_TIMEOUT, AWAIT_CANCELLED. */
  await(
    handles: readonly ChildHandle[],
    timeoutMs?: number,
  ): Promise<Result<readonly ChildOutcome[], CoordinatorError>>;
  /** Aborts when the run is stopped (daemon shutdown); a stage that waits returns early. */
  readonly signal?: AbortSignal;
  /** True once someone asked to cancel the pipeline (read from its log); long waits check it. */
  cancelRequested(): boolean;
  /** Operator guidance added so far (`worktrain tell`), read from the log, oldest first. */
  guidance(): readonly { readonly actor: string; readonly text: string }[];
  /** The change's proof record so far, with its id (null when the pipeline keeps none). */
  proofRecord(): { readonly proofId: string; readonly entries: readonly ProofEntry[] } | null;
  /** Appends to the change's proof record (idempotent by `key`); an error when the pipeline has none. */
  proof(input: ProofEntryInput, key: string): Result<ProofEntry, CoordinatorError>;
}

/** Where a stage leads. */
export type StageTransition<S> =
  | { readonly next: string; readonly state: S; readonly note?: string }
  | { readonly end: 'completed' | 'escalated' | 'failed'; readonly state: S; readonly reason: string };

/** One named stage. */
export interface StageDefinition<S> {
  readonly description: string;
  /** The stages this one may lead to; a transition elsewhere is a programmer error (the pipeline fails). */
  readonly next: readonly string[];
  /** Children it starts at most, for the plan (`--dry-run`). Default 1. */
  readonly sessions?: number;
  run(ctx: StageContext<S>): Promise<StageTransition<S>>;
}

/** A whole pipeline. */
export interface PipelineDefinition<S extends JsonObject> {
  readonly kind: string;
  readonly description: string;
  readonly start: string;
  readonly stateSchema: z.ZodType<S>;
  initialState(input: PipelineInput): S;
  readonly stages: Readonly<Record<string, StageDefinition<S>>>;
  /** Defaults for this kind's budget (the caller's limits override them). */
  readonly budget?: Partial<PipelineBudget>;
}

/**
 * Checks and returns a definition. Throws (a programmer error) when `start` or a declared `next` names no
 * stage, or a stage is unreachable from `start`.
 */
export function definePipeline<S extends JsonObject>(
  definition: PipelineDefinition<S>,
): PipelineDefinition<S> {
  const names = new Set(Object.keys(definition.stages));
  if (!names.has(definition.start))
    throw new Error(`definePipeline(${definition.kind}): start stage "${definition.start}" is not defined`);
  for (const [name, stage] of Object.entries(definition.stages))
    for (const next of stage.next)
      if (!names.has(next))
        throw new Error(
          `definePipeline(${definition.kind}): stage "${name}" leads to unknown stage "${next}"`,
        );
  const reached = new Set<string>([definition.start]);
  const queue = [definition.start];
  for (let name = queue.shift(); name !== undefined; name = queue.shift())
    for (const next of definition.stages[name]?.next ?? [])
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
  const unreachable = [...names].filter((n) => !reached.has(n));
  if (unreachable.length > 0)
    throw new Error(`definePipeline(${definition.kind}): unreachable stages ${unreachable.join(', ')}`);
  return definition;
}

/** The plan `pipeline run --dry-run` prints: stages in breadth-first order from the start, and the budget. */
export interface PipelinePlan {
  readonly kind: string;
  readonly description: string;
  readonly stages: readonly {
    readonly name: string;
    readonly description: string;
    readonly next: readonly string[];
    readonly sessions: number;
  }[];
  readonly budget: PipelineBudget;
}

/** The plan of `definition` under `budget`. */
export function planPipeline<S extends JsonObject>(
  definition: PipelineDefinition<S>,
  budget: PipelineBudget,
): PipelinePlan {
  const order: string[] = [];
  const queue = [definition.start];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (order.includes(name)) continue;
    order.push(name);
    queue.push(...(definition.stages[name]?.next ?? []));
  }
  return {
    kind: definition.kind,
    description: definition.description,
    stages: order.map((name) => {
      const stage = definition.stages[name] as StageDefinition<S>;
      return { name, description: stage.description, next: [...stage.next], sessions: stage.sessions ?? 1 };
    }),
    budget,
  };
}
