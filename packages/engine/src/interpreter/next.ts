/**
 * The interpreter: a pure, deterministic state machine over a CompiledWorkflow. Given a state and the
 * session's context it finds the next step to hand out, skipping steps whose runCondition is false and
 * driving loops; every choice is returned as a {@link Decision} so the engine can record it.
 *
 * Loop semantics (WorkRail schema v0.3.0 `loopConfig`):
 * - `while`: an iteration starts while the condition holds; `until`: while it does not hold. The check runs
 *   before every iteration, with the loop variables of the iteration about to start.
 * - `conditionSource: artifact_contract`: the decision is the last accepted `wr.loop_control` artifact for
 *   the loop (`continue` → iterate, `stop` → exit). Before the first iteration a missing signal enters the
 *   loop (the body is expected to produce one); afterwards a missing signal exits it.
 * - `for`: `count` iterations (a number, or a context variable holding one); `forEach`: one iteration per
 *   element of the context array `items`, snapshotted at loop entry.
 * - `maxIterations` caps every loop; reaching the cap is recorded as a `loop_max_iterations` decision.
 * - Loop variables (`iterationVar` 1-based, `indexVar` 0-based, `itemVar`) are visible to conditions and
 *   prompt rendering inside the body.
 */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import type {
  CompiledLoop,
  CompiledNode,
  CompiledParallel,
  CompiledStep,
  CompiledWorkflow,
} from '../compiled.js';
import {
  type Decision,
  type ExecutionState,
  type InterpreterDeps,
  type InterpreterInput,
  type LoopFrame,
  MAX_LOOP_SIGNALS,
} from './state.js';

export type NextResult =
  | {
      readonly kind: 'pending';
      readonly node: CompiledStep | CompiledParallel;
      readonly state: ExecutionState;
      readonly decisions: readonly Decision[];
      /** Context as seen by the step: session context plus the loop variables of the active frames. */
      readonly context: JsonObject;
    }
  | { readonly kind: 'complete'; readonly state: ExecutionState; readonly decisions: readonly Decision[] };

/** Upper bound of interpreter moves for one `nextPending` call (guards the invariant that it terminates). */
export function moveBound(compiled: CompiledWorkflow): number {
  let bound = 2;
  for (const node of compiled.steps) {
    bound += node.kind === 'loop' ? (node.maxIterations + 2) * (node.body.length + 2) : 2;
  }
  return bound;
}

/** The loop nodes of the active frames, outermost first. */
function frameLoops(compiled: CompiledWorkflow, state: ExecutionState): CompiledLoop[] {
  const loops: CompiledLoop[] = [];
  let sequence: readonly CompiledNode[] = compiled.steps;
  let position = state.pc;
  for (const frame of state.loops) {
    const node = sequence[position];
    if (node === undefined || node.kind !== 'loop' || node.id !== frame.loopId) {
      throw new Error(`interpreter: state does not match the workflow (expected loop ${frame.loopId})`);
    }
    loops.push(node);
    sequence = node.body;
    position = frame.index;
  }
  return loops;
}

function frameVariables(loop: CompiledLoop, frame: LoopFrame): JsonObject {
  const vars: JsonObject = { [loop.iterationVar]: frame.iteration };
  if (loop.loopType === 'forEach' && frame.items !== null) {
    const index = frame.iteration - 1;
    vars[loop.indexVar] = index;
    const item = frame.items[index];
    if (item !== undefined) vars[loop.itemVar] = item;
  } else {
    vars[loop.indexVar] = frame.iteration - 1;
  }
  return vars;
}

/** Session context plus the loop variables of every active frame (inner frames shadow outer ones). */
export function contextWithLoopVariables(
  compiled: CompiledWorkflow,
  state: ExecutionState,
  context: JsonObject,
): JsonObject {
  const loops = frameLoops(compiled, state);
  let merged: JsonObject = { ...context };
  state.loops.forEach((frame, i) => {
    const loop = loops[i];
    if (loop !== undefined) merged = { ...merged, ...frameVariables(loop, frame) };
  });
  return merged;
}

function resolveCount(loop: CompiledLoop, context: JsonObject): number | null {
  if (typeof loop.count === 'number') return Math.max(0, Math.floor(loop.count));
  if (typeof loop.count === 'string') {
    const value = context[loop.count];
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.floor(value));
    if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number.parseInt(value.trim(), 10);
  }
  return null;
}

type Continuation = { readonly go: true } | { readonly go: false; readonly decision: Decision };

/** Whether iteration `frame.iteration` of `loop` may start. `context` includes that iteration's variables. */
function shouldIterate(
  loop: CompiledLoop,
  frame: LoopFrame,
  context: JsonObject,
  state: ExecutionState,
  deps: InterpreterDeps,
): Continuation {
  const n = frame.iteration;
  const exit = (reason: string, data: JsonObject = {}): Continuation => ({
    go: false,
    decision: { decision: 'loop_exited', reason, data: { loopId: loop.id, iteration: n, ...data } },
  });
  let wantsMore: boolean;
  let why: string;
  if (loop.loopType === 'for') {
    wantsMore = frame.count !== null && n <= frame.count;
    why =
      frame.count === null
        ? `count "${String(loop.count)}" is not a number in context`
        : `count ${frame.count} reached`;
  } else if (loop.loopType === 'forEach') {
    wantsMore = frame.items !== null && n <= frame.items.length;
    why =
      frame.items === null
        ? `items "${loop.items ?? ''}" is not an array in context`
        : `all ${frame.items.length} items done`;
  } else if (loop.conditionSource?.kind === 'artifact_contract') {
    const loopKey = loop.conditionSource.loopId ?? loop.id;
    const signal = deps.decideLoopControl(state.loopSignals, loopKey);
    if (signal === undefined) {
      wantsMore = n === 1;
      why = 'no loop-control artifact after the last iteration';
    } else {
      wantsMore = signal === 'continue';
      why = 'loop-control artifact decided stop';
    }
  } else {
    const condition =
      loop.conditionSource?.kind === 'context_variable' ? loop.conditionSource.condition : loop.condition;
    const holds = condition === undefined ? false : deps.evaluateCondition(condition, context);
    wantsMore = loop.loopType === 'while' ? holds : !holds;
    why = loop.loopType === 'while' ? 'while-condition is false' : 'until-condition is true';
  }
  if (!wantsMore) return exit(why);
  if (n > loop.maxIterations) {
    return {
      go: false,
      decision: {
        decision: 'loop_max_iterations',
        reason: `maxIterations ${loop.maxIterations} reached; loop stopped`,
        data: { loopId: loop.id, maxIterations: loop.maxIterations },
      },
    };
  }
  return { go: true };
}

function withPosition(state: ExecutionState, position: number): ExecutionState {
  if (state.loops.length === 0) return { ...state, pc: position };
  const loops = state.loops.slice();
  const top = loops[loops.length - 1];
  if (top === undefined) return state;
  loops[loops.length - 1] = { ...top, index: position };
  return { ...state, loops };
}

/**
 * Finds the step to hand out from `state`. Returns the pending step (and the state that records it) or
 * `complete`. Idempotent: when `state.pending` is set, returns that step again with no decisions.
 * Deterministic: the same workflow, state and context always give the same result.
 * @throws {Error} only when `state` does not belong to `compiled` (a programmer error).
 */
export function nextPending(
  compiled: CompiledWorkflow,
  initial: ExecutionState,
  input: InterpreterInput,
  deps: InterpreterDeps,
): NextResult {
  const decisions: Decision[] = [];
  let state = initial;
  if (state.done) return { kind: 'complete', state, decisions };
  const bound = moveBound(compiled);
  for (let moves = 0; moves <= bound; moves++) {
    const loops = frameLoops(compiled, state);
    const top = state.loops[state.loops.length - 1];
    const topLoop = loops[loops.length - 1];
    const sequence: readonly CompiledNode[] = topLoop === undefined ? compiled.steps : topLoop.body;
    const position = top === undefined ? state.pc : top.index;
    const context = contextWithLoopVariables(compiled, state, input.context);

    if (state.pending !== null) {
      const node = sequence[position];
      if (node === undefined || node.kind === 'loop' || node.id !== state.pending.stepId) {
        throw new Error(`interpreter: pending step ${state.pending.stepId} is not at the state's position`);
      }
      return { kind: 'pending', node, state, decisions, context };
    }

    if (position >= sequence.length) {
      if (top === undefined || topLoop === undefined) {
        state = { ...state, done: true };
        decisions.push({
          decision: 'workflow_complete',
          reason: 'all steps done',
          data: { advances: state.advances },
        });
        return { kind: 'complete', state, decisions };
      }
      // End of an iteration: try the next one.
      const nextFrame: LoopFrame = { ...top, iteration: top.iteration + 1, index: 0 };
      const candidate: ExecutionState = { ...state, loops: [...state.loops.slice(0, -1), nextFrame] };
      const verdict = shouldIterate(
        topLoop,
        nextFrame,
        contextWithLoopVariables(compiled, candidate, input.context),
        state,
        deps,
      );
      if (verdict.go) {
        decisions.push({
          decision: 'loop_iteration',
          reason: `iteration ${nextFrame.iteration}`,
          data: { loopId: topLoop.id, iteration: nextFrame.iteration },
        });
        state = candidate;
      } else {
        decisions.push(verdict.decision);
        const popped: ExecutionState = { ...state, loops: state.loops.slice(0, -1), loopSignals: [] };
        const parentPosition =
          popped.loops.length === 0 ? popped.pc : (popped.loops[popped.loops.length - 1]?.index ?? 0);
        state = withPosition(popped, parentPosition + 1);
      }
      continue;
    }

    const node = sequence[position];
    if (node === undefined) throw new Error('interpreter: position out of range');
    if (node.runCondition !== undefined && !deps.evaluateCondition(node.runCondition, context)) {
      decisions.push({
        decision: node.kind === 'loop' ? 'loop_skipped' : 'step_skipped',
        reason: 'runCondition is false',
        data: { stepId: node.id, runCondition: conditionJson(node.runCondition) },
      });
      state = withPosition(state, position + 1);
      continue;
    }
    if (node.kind === 'loop') {
      const frame: LoopFrame = {
        loopId: node.id,
        iteration: 1,
        index: 0,
        items: node.loopType === 'forEach' ? itemsOf(node, context) : null,
        count: node.loopType === 'for' ? resolveCount(node, context) : null,
      };
      const candidate: ExecutionState = { ...state, loops: [...state.loops, frame] };
      const verdict = shouldIterate(
        node,
        frame,
        contextWithLoopVariables(compiled, candidate, input.context),
        state,
        deps,
      );
      if (verdict.go) {
        decisions.push({
          decision: 'loop_entered',
          reason: `${node.loopType} loop entered`,
          data: { loopId: node.id, iteration: 1 },
        });
        state = candidate;
      } else {
        decisions.push(
          verdict.decision.decision === 'loop_exited'
            ? { decision: 'loop_skipped', reason: verdict.decision.reason, data: verdict.decision.data }
            : verdict.decision,
        );
        state = withPosition({ ...state, loopSignals: [] }, position + 1);
      }
      continue;
    }
    const loopFrame = state.loops[state.loops.length - 1];
    state = {
      ...state,
      pending: {
        stepId: node.id,
        kind: node.kind,
        loopId: loopFrame?.loopId ?? null,
        iteration: loopFrame?.iteration ?? null,
      },
    };
    return { kind: 'pending', node, state, decisions, context };
  }
  throw new Error(`interpreter: no step found within ${bound} moves (workflow ${compiled.workflowId})`);
}

function itemsOf(loop: CompiledLoop, context: JsonObject): JsonValue[] | null {
  if (loop.items === undefined) return null;
  const value = context[loop.items];
  return Array.isArray(value) ? value : null;
}

function conditionJson(condition: unknown): JsonValue {
  return JSON.parse(JSON.stringify(condition ?? null)) as JsonValue;
}

/** `kind` of loop-control artifacts (WorkRail `wr.contracts.loop_control`). */
export const LOOP_CONTROL_KIND = 'wr.loop_control';

/**
 * Marks the pending step completed and moves past it. `artifacts` are the accepted artifacts of the
 * advance; loop-control ones are kept for the next loop decision.
 * @throws {Error} when nothing is pending (a programmer error).
 */
export function completePending(
  state: ExecutionState,
  accepted: { readonly artifacts: readonly JsonValue[] },
): ExecutionState {
  const pending = state.pending;
  if (pending === null) throw new Error('interpreter: completePending without a pending step');
  const signals = accepted.artifacts.filter(
    (a) => typeof a === 'object' && a !== null && !Array.isArray(a) && a.kind === LOOP_CONTROL_KIND,
  );
  const loopSignals = [...state.loopSignals, ...signals].slice(-MAX_LOOP_SIGNALS);
  const completed = state.completed.includes(pending.stepId)
    ? state.completed
    : [...state.completed, pending.stepId];
  const position = state.loops.length === 0 ? state.pc : (state.loops[state.loops.length - 1]?.index ?? 0);
  return withPosition(
    { ...state, pending: null, completed, loopSignals, advances: state.advances + 1 },
    position + 1,
  );
}

/** Finds a step or parallel node by id anywhere in the workflow (top level or loop bodies). */
export function findStep(
  compiled: CompiledWorkflow,
  stepId: string,
): CompiledStep | CompiledParallel | undefined {
  for (const node of compiled.steps) {
    if (node.kind === 'loop') {
      const inner = node.body.find((b) => b.id === stepId);
      if (inner !== undefined) return inner;
    } else if (node.id === stepId) {
      return node;
    }
  }
  return undefined;
}
