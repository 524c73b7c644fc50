/**
 * An automated agent that drives a workflow through the engine to completion, generating each step's
 * output from the step's contract: notes that satisfy `contains`/`length` validation rules, the contract's
 * `example` artifact, loop-control `stop` after two iterations, assessments at a level that triggers no
 * follow-up, and context values that make context-driven loops exit after two iterations.
 */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import type { ContinueResponse, Engine } from '../../src/api.js';
import { findArtifactContract } from '../../src/artifact-contracts/index.js';
import type { CompiledLoop, CompiledParallel, CompiledStep, CompiledWorkflow } from '../../src/compiled.js';
import { conditionVariables, evaluateCondition } from '../../src/conditions/index.js';
import type { Condition } from '../../src/definition/condition-schema.js';
import { findStep } from '../../src/interpreter/index.js';

export interface WalkResult {
  readonly completed: boolean;
  readonly steps: string[];
  readonly blocked: string[];
  readonly sessionId: string;
}

function loopOf(compiled: CompiledWorkflow, stepId: string): CompiledLoop | undefined {
  for (const node of compiled.steps)
    if (node.kind === 'loop' && node.body.some((b) => b.id === stepId)) return node;
  return undefined;
}

function notesFor(step: CompiledStep | CompiledParallel): string {
  let text = `Completed ${step.id}: ${step.title}.`;
  const criteria: JsonValue | undefined = step.kind === 'step' ? step.validationCriteria : undefined;
  let min = 0;
  let max = Number.POSITIVE_INFINITY;
  const visit = (c: JsonValue | undefined): void => {
    if (Array.isArray(c)) c.forEach(visit);
    else if (c !== null && typeof c === 'object') {
      if (Array.isArray(c.and)) c.and.forEach(visit);
      if (c.type === 'contains' && typeof c.value === 'string') text += `\n${c.value}`;
      if (c.type === 'length') {
        if (typeof c.min === 'number') min = Math.max(min, c.min);
        if (typeof c.max === 'number') max = Math.min(max, c.max);
      }
    }
  };
  visit(criteria);
  while (text.length < min) text += ' More detail on the findings of this step.';
  return text.length > max ? text.slice(0, max) : text;
}

function literals(condition: unknown, out: JsonValue[] = []): JsonValue[] {
  if (Array.isArray(condition)) for (const c of condition) literals(c, out);
  else if (condition !== null && typeof condition === 'object') {
    for (const [k, v] of Object.entries(condition)) {
      if (k === 'var') continue;
      if (v !== null && typeof v === 'object') literals(v, out);
      else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push(v);
    }
  }
  return out;
}

/** Context values for which `condition` evaluates to `want` (small exhaustive search), or undefined. */
export function solveCondition(
  condition: Condition,
  base: JsonObject,
  want: boolean,
): JsonObject | undefined {
  const vars = conditionVariables(condition).slice(0, 3);
  const pool: JsonValue[] = [
    ...new Set([...literals(condition), true, false, 0, 1, 10, 1000, 'done', 'none']),
  ];
  const combos = (i: number, acc: JsonObject): JsonObject | undefined => {
    if (i === vars.length)
      return evaluateCondition(condition, { ...base, ...acc }) === want ? acc : undefined;
    for (const value of pool) {
      const found = combos(i + 1, { ...acc, [vars[i] ?? '']: value });
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return vars.length === 0 ? undefined : combos(0, {});
}

function artifactsFor(
  compiled: CompiledWorkflow,
  step: CompiledStep | CompiledParallel,
  visits: number,
): JsonValue[] {
  const artifacts: JsonValue[] = [];
  if (step.outputContract !== undefined) {
    const contract = findArtifactContract(step.outputContract.contractRef);
    if (contract !== undefined) {
      if (contract.artifactKind === 'wr.loop_control') {
        artifacts.push({
          kind: 'wr.loop_control',
          decision: visits >= 2 ? 'stop' : 'continue',
          metadata: { reason: `visit ${visits}` },
        });
      } else {
        artifacts.push(contract.example);
      }
    }
  }
  if (step.kind === 'step') {
    const avoid = new Set(step.assessmentConsequences.map((c) => c.when.anyEqualsLevel));
    for (const ref of step.assessmentRefs) {
      const def = compiled.assessments[ref];
      if (def === undefined) continue;
      const dimensions: JsonObject = {};
      for (const d of def.dimensions)
        dimensions[d.id] = d.levels.find((l) => !avoid.has(l)) ?? d.levels[0] ?? '';
      artifacts.push({ kind: 'wr.assessment', assessmentId: ref, dimensions });
    }
  }
  return artifacts;
}

/** Context update that ends a context-driven loop once its last body step has run twice. */
function loopExitContext(
  loop: CompiledLoop | undefined,
  stepId: string,
  visits: number,
  context: JsonObject,
): JsonObject | undefined {
  if (loop === undefined || loop.body[loop.body.length - 1]?.id !== stepId || visits < 2) return undefined;
  if (loop.loopType !== 'while' && loop.loopType !== 'until') return undefined;
  const condition =
    loop.conditionSource?.kind === 'context_variable' ? loop.conditionSource.condition : loop.condition;
  if (condition === undefined || loop.conditionSource?.kind === 'artifact_contract') return undefined;
  return solveCondition(condition, context, loop.loopType === 'until');
}

/**
 * Context for start: arrays for forEach loops, counts for `for` loops named by variable, values that make
 * context-driven loops enter, and (greedily, first come first served) values that make runConditions hold
 * so more steps run than an empty context would allow.
 */
export function startContext(compiled: CompiledWorkflow): JsonObject {
  const context: JsonObject = {};
  const satisfy = (condition: Condition | undefined, want: boolean): void => {
    if (condition === undefined) return;
    if (conditionVariables(condition).some((v) => v in context)) return;
    const solved = solveCondition(condition, context, want);
    if (solved !== undefined) Object.assign(context, solved);
  };
  for (const node of compiled.steps) {
    satisfy(node.runCondition, true);
    if (node.kind !== 'loop') continue;
    if (node.loopType === 'forEach' && node.items !== undefined) context[node.items] = ['item-1', 'item-2'];
    if (node.loopType === 'for' && typeof node.count === 'string') context[node.count] = 2;
    if (
      (node.loopType === 'while' || node.loopType === 'until') &&
      node.conditionSource?.kind !== 'artifact_contract'
    ) {
      const condition =
        node.conditionSource?.kind === 'context_variable' ? node.conditionSource.condition : node.condition;
      satisfy(condition, node.loopType === 'while');
    }
    for (const inner of node.body) satisfy(inner.runCondition, true);
  }
  return context;
}

/** Drives one session from start to completion (or `maxAdvances`). */
export async function walkWorkflow(
  engine: Engine,
  compiled: CompiledWorkflow,
  maxAdvances = 400,
): Promise<WalkResult> {
  const context = startContext(compiled);
  const start = await engine.startWorkflow({
    workflowId: compiled.workflowId,
    goal: `walk ${compiled.workflowId}`,
    context,
    source: 'test',
  });
  if (start.isErr()) throw new Error(`start failed: ${start.error.code} ${start.error.message}`);
  const steps: string[] = [];
  const blocked: string[] = [];
  const visits = new Map<string, number>();
  let current: { continueToken?: string; pending: { stepId: string } | null; isComplete: boolean } =
    start.value;
  for (let i = 0; i < maxAdvances && !current.isComplete; i++) {
    const stepId = current.pending?.stepId;
    if (stepId === undefined) break;
    const step = findStep(compiled, stepId);
    if (step === undefined) throw new Error(`pending step ${stepId} not in compiled workflow`);
    const count = (visits.get(stepId) ?? 0) + 1;
    visits.set(stepId, count);
    steps.push(stepId);
    const update = loopExitContext(loopOf(compiled, stepId), stepId, count, context);
    if (update !== undefined) Object.assign(context, update);
    const r: Awaited<ReturnType<Engine['continueWorkflow']>> = await engine.continueWorkflow({
      continueToken: current.continueToken ?? '',
      output: { notesMarkdown: notesFor(step), artifacts: artifactsFor(compiled, step, count) },
      ...(update === undefined ? {} : { context: update }),
    });
    if (r.isErr()) throw new Error(`continue failed at ${stepId}: ${r.error.code} ${r.error.message}`);
    const value: ContinueResponse = r.value;
    if (value.kind === 'blocked') {
      blocked.push(
        `${stepId}: ${value.blockers.map((b) => `${b.code} ${b.pointer} ${b.message}`).join(' | ')}`,
      );
      break;
    }
    if (value.kind === 'gate_checkpoint') throw new Error('walker runs interactive sessions only');
    current = value;
  }
  return { completed: current.isComplete, steps, blocked, sessionId: start.value.sessionId };
}
