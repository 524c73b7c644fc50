/**
 * Execution state of one workflow run: where the interpreter is in a CompiledWorkflow. Plain JSON so the
 * engine can snapshot it into `node_created.state` and rebuild a run from any node of the run DAG.
 *
 * The state is a cursor, not a history: `pc` is the position in the top-level sequence, `loops` the stack of
 * active loop frames (innermost last; the compiled format has no nested loops today, the stack keeps the
 * shape general), `pending` the step handed to the agent. History lives in the session's event log.
 */

import { type JsonObject, type JsonValue, JsonValueSchema } from '@worktrain/contracts';
import * as z from 'zod';
import type { Condition } from '../definition/condition-schema.js';

export const EXECUTION_STATE_VERSION = 1 as const;

/** Number of loop-control artifacts kept in the state (the last ones decide; older ones cannot matter). */
export const MAX_LOOP_SIGNALS = 16;

export const LoopFrameSchema = z.object({
  /** Id of the loop node. */
  loopId: z.string(),
  /** 1-based number of the iteration being executed. */
  iteration: z.number().int().positive(),
  /** Position in the loop body. */
  index: z.number().int().nonnegative(),
  /** forEach: the items snapshotted at loop entry (so a context edit cannot shift the iteration). */
  items: z.array(JsonValueSchema).nullable(),
  /** for: the iteration count resolved at loop entry. */
  count: z.number().int().nonnegative().nullable(),
});
export type LoopFrame = z.infer<typeof LoopFrameSchema>;

export const PendingPositionSchema = z.object({
  stepId: z.string(),
  kind: z.enum(['step', 'parallel']),
  /** Loop id and 1-based iteration when the step is inside a loop body. */
  loopId: z.string().nullable(),
  iteration: z.number().int().positive().nullable(),
});
export type PendingPosition = z.infer<typeof PendingPositionSchema>;

export const ExecutionStateSchema = z.object({
  v: z.literal(EXECUTION_STATE_VERSION),
  /** Position in the top-level sequence (`compiled.steps`). */
  pc: z.number().int().nonnegative(),
  /** Active loop frames, innermost last. */
  loops: z.array(LoopFrameSchema),
  /** The step handed to the agent, or null while the interpreter is between steps or done. */
  pending: PendingPositionSchema.nullable(),
  /** Ids of steps completed at least once, in first-completion order. */
  completed: z.array(z.string()),
  /** Number of accepted advances (steps completed, counting loop repetitions). */
  advances: z.number().int().nonnegative(),
  /**
   * `wr.loop_control` artifacts accepted since the last loop exit (bounded to {@link MAX_LOOP_SIGNALS}).
   * The loop's continue/stop decision comes from the last one addressed to it.
   */
  loopSignals: z.array(JsonValueSchema),
  /** True once the top-level sequence is exhausted. */
  done: z.boolean(),
});
export type ExecutionState = z.infer<typeof ExecutionStateSchema>;

/** The state before the first step. */
export function initialState(): ExecutionState {
  return {
    v: EXECUTION_STATE_VERSION,
    pc: 0,
    loops: [],
    pending: null,
    completed: [],
    advances: 0,
    loopSignals: [],
    done: false,
  };
}

/** Parses a stored state snapshot (`node_created.state`); undefined when it is not one of ours. */
export function parseExecutionState(value: unknown): ExecutionState | undefined {
  const parsed = ExecutionStateSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** One decision the interpreter took while looking for the next step (becomes a `decision_trace` event). */
export interface Decision {
  readonly decision:
    | 'step_skipped'
    | 'loop_skipped'
    | 'loop_entered'
    | 'loop_iteration'
    | 'loop_exited'
    | 'loop_max_iterations'
    | 'workflow_complete';
  readonly reason: string;
  readonly data: JsonObject;
}

/**
 * Pure functions the interpreter needs from the condition and artifact-contract primitives, injected so
 * the state machine stays free of IO and is testable with any implementation.
 */
export interface InterpreterDeps {
  /** WorkRail condition semantics; must be total (false on a malformed condition, never throws). */
  readonly evaluateCondition: (condition: Condition, context: JsonObject) => boolean;
  /** Decision of the last `wr.loop_control` artifact addressed to `loopId`, or undefined when none is. */
  readonly decideLoopControl: (
    artifacts: readonly JsonValue[],
    loopId: string,
  ) => 'continue' | 'stop' | undefined;
}

/** Run-time input of {@link nextPending}: the session's context (after all `context_set` events). */
export interface InterpreterInput {
  readonly context: JsonObject;
}
