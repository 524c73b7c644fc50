import type { JsonObject, JsonValue } from '@worktrain/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideLoopControl } from '../artifact-contracts/index.js';
import type {
  CompiledLoop,
  CompiledNode,
  CompiledParallel,
  CompiledStep,
  CompiledWorkflow,
} from '../compiled.js';
import { evaluateCondition } from '../conditions/index.js';
import type { Condition } from '../definition/condition-schema.js';
import { completePending, nextPending } from './next.js';
import { type ExecutionState, type InterpreterDeps, initialState, parseExecutionState } from './state.js';

// A small reference evaluator for the subset of conditions these tests generate (var + equals/gt/lt, and/or/not).
function evaluate(condition: Condition, context: JsonObject): boolean {
  if (condition.and) return condition.and.every((c) => evaluate(c, context));
  if (condition.or) return condition.or.some((c) => evaluate(c, context));
  if (condition.not) return !evaluate(condition.not, context);
  if (condition.var === undefined) return true;
  const value = context[condition.var];
  if ('equals' in condition) return value === condition.equals;
  if (condition.gt !== undefined) return typeof value === 'number' && value > condition.gt;
  if (condition.lt !== undefined) return typeof value === 'number' && value < condition.lt;
  return Boolean(value);
}

// The interpreter runs with the real primitives; `evaluate` above is an independent oracle.
const deps: InterpreterDeps = {
  evaluateCondition: (c, ctx) => evaluateCondition(c, ctx),
  decideLoopControl: (artifacts, loopId) => decideLoopControl(artifacts, loopId),
};

function step(id: string, runCondition?: Condition): CompiledStep {
  return {
    kind: 'step',
    id,
    title: id,
    prompt: `do ${id}`,
    promptFragments: [],
    guidance: [],
    confirmation: { kind: 'none' },
    assessmentRefs: [],
    assessmentConsequences: [],
    notesRequired: true,
    ...(runCondition ? { runCondition } : {}),
  };
}

function workflow(steps: CompiledNode[]): CompiledWorkflow {
  return {
    compiledSchemaVersion: 1,
    workflowId: 'wf',
    name: 'wf',
    description: '',
    version: '1',
    hash: 'sha256:x',
    metaGuidance: [],
    references: [],
    assessments: {},
    steps,
    graph: { nodes: [], edges: [] },
  };
}

const varName = fc.constantFrom('a', 'b', 'c', 'currentIteration');
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ var: varName, equals: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ var: varName, gt: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ var: varName, lt: fc.integer({ min: 0, max: 4 }) }),
);
const condition: fc.Arbitrary<Condition> = fc.oneof(
  leaf,
  fc.record({ not: leaf }),
  fc.record({ and: fc.array(leaf, { minLength: 1, maxLength: 2 }) }),
);

let counter = 0;
const uid = (p: string) => `${p}${counter++}`;

const stepArb: fc.Arbitrary<CompiledStep | CompiledParallel> = fc
  .tuple(fc.option(condition, { nil: undefined }), fc.boolean())
  .map(([rc, parallel]) => {
    const s = step(uid('s'), rc);
    if (!parallel) return s;
    const p: CompiledParallel = {
      kind: 'parallel',
      id: s.id,
      title: s.title,
      prompt: s.prompt,
      delegations: [],
      confirmation: { kind: 'none' },
      notesRequired: true,
      ...(rc ? { runCondition: rc } : {}),
    };
    return p;
  });

const loopArb: fc.Arbitrary<CompiledLoop> = fc
  .record({
    loopType: fc.constantFrom('while', 'until', 'for', 'forEach'),
    source: fc.constantFrom('condition', 'context_variable', 'artifact_contract'),
    cond: condition,
    count: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant('n')),
    max: fc.integer({ min: 1, max: 5 }),
    body: fc.array(stepArb, { minLength: 1, maxLength: 3 }),
    rc: fc.option(condition, { nil: undefined }),
  })
  .map(({ loopType, source, cond, count, max, body, rc }) => {
    const base = {
      kind: 'loop' as const,
      id: uid('loop'),
      title: 'loop',
      loopType,
      maxIterations: max,
      iterationVar: 'currentIteration',
      itemVar: 'currentItem',
      indexVar: 'currentIndex',
      body,
      confirmation: { kind: 'none' as const },
      ...(rc ? { runCondition: rc } : {}),
    };
    if (loopType === 'for') return { ...base, count };
    if (loopType === 'forEach') return { ...base, items: 'list' };
    if (source === 'artifact_contract')
      return {
        ...base,
        conditionSource: { kind: 'artifact_contract' as const, contractRef: 'wr.contracts.loop_control' },
      };
    if (source === 'context_variable')
      return { ...base, conditionSource: { kind: 'context_variable' as const, condition: cond } };
    return { ...base, condition: cond };
  });

const workflowArb = fc.array(fc.oneof(stepArb, loopArb), { minLength: 0, maxLength: 6 }).map(workflow);
const contextArb: fc.Arbitrary<JsonObject> = fc.record({
  a: fc.integer({ min: 0, max: 3 }),
  b: fc.integer({ min: 0, max: 3 }),
  c: fc.integer({ min: 0, max: 3 }),
  n: fc.integer({ min: 0, max: 9 }),
  list: fc.array(fc.integer(), { maxLength: 8 }),
});

function stepBound(compiled: CompiledWorkflow): number {
  return compiled.steps.reduce(
    (sum, node) => sum + (node.kind === 'loop' ? node.maxIterations * node.body.length : 1),
    0,
  );
}

interface Trace {
  readonly states: ExecutionState[];
  readonly yielded: { id: string; context: JsonObject; iteration: number | null; loopId: string | null }[];
  readonly complete: boolean;
}

/** Drives a workflow to completion; the i-th completion carries signals[i] as a loop-control artifact. */
function drive(
  compiled: CompiledWorkflow,
  context: JsonObject,
  signals: readonly ('continue' | 'stop' | null)[],
): Trace {
  const states: ExecutionState[] = [];
  const yielded: Trace['yielded'] = [];
  let state = initialState();
  const cap = stepBound(compiled) + 5;
  for (let i = 0; i <= cap; i++) {
    const result = nextPending(compiled, state, { context }, deps);
    states.push(result.state);
    if (result.kind === 'complete') return { states, yielded, complete: true };
    yielded.push({
      id: result.node.id,
      context: result.context,
      iteration: result.state.pending?.iteration ?? null,
      loopId: result.state.pending?.loopId ?? null,
    });
    const signal = signals[i % Math.max(1, signals.length)] ?? null;
    const artifacts: JsonValue[] = signal === null ? [] : [{ kind: 'wr.loop_control', decision: signal }];
    state = completePending(result.state, { artifacts });
  }
  return { states, yielded, complete: false };
}

const signalsArb = fc.array(fc.constantFrom<'continue' | 'stop' | null>('continue', 'stop', null), {
  minLength: 1,
  maxLength: 10,
});

describe('interpreter properties', () => {
  it('always completes within the bound of top-level steps plus maxIterations × body length', () => {
    fc.assert(
      fc.property(workflowArb, contextArb, signalsArb, (compiled, context, signals) => {
        const trace = drive(compiled, context, signals);
        expect(trace.complete).toBe(true);
        expect(trace.yielded.length).toBeLessThanOrEqual(stepBound(compiled));
      }),
      { numRuns: 300 },
    );
  });

  it('never yields a step whose runCondition is false in the context it is rendered with', () => {
    fc.assert(
      fc.property(workflowArb, contextArb, signalsArb, (compiled, context, signals) => {
        const byId = new Map<string, CompiledStep | CompiledParallel>();
        for (const node of compiled.steps)
          for (const s of node.kind === 'loop' ? node.body : [node]) byId.set(s.id, s);
        for (const y of drive(compiled, context, signals).yielded) {
          const rc = byId.get(y.id)?.runCondition;
          if (rc) {
            expect(evaluateCondition(rc, y.context)).toBe(true);
            expect(evaluate(rc, y.context)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never runs a loop iteration beyond maxIterations', () => {
    fc.assert(
      fc.property(workflowArb, contextArb, signalsArb, (compiled, context, signals) => {
        const max = new Map(
          compiled.steps.flatMap((n) => (n.kind === 'loop' ? [[n.id, n.maxIterations] as const] : [])),
        );
        for (const y of drive(compiled, context, signals).yielded) {
          if (y.loopId !== null) expect(y.iteration ?? 0).toBeLessThanOrEqual(max.get(y.loopId) ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('replaying the same inputs gives the same states, and every state survives a JSON round trip', () => {
    fc.assert(
      fc.property(workflowArb, contextArb, signalsArb, (compiled, context, signals) => {
        const first = drive(compiled, context, signals);
        const second = drive(compiled, context, signals);
        expect(second.states).toEqual(first.states);
        for (const s of first.states) expect(parseExecutionState(JSON.parse(JSON.stringify(s)))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });
});

describe('interpreter examples', () => {
  it('skips a step whose runCondition is false and records the decision', () => {
    const compiled = workflow([step('a'), step('b', { var: 'mode', equals: 'deep' }), step('c')]);
    let state = initialState();
    const first = nextPending(compiled, state, { context: { mode: 'quick' } }, deps);
    expect(first.kind === 'pending' && first.node.id).toBe('a');
    state = completePending(first.state, { artifacts: [] });
    const second = nextPending(compiled, state, { context: { mode: 'quick' } }, deps);
    expect(second.kind === 'pending' && second.node.id).toBe('c');
    expect(second.decisions.map((d) => [d.decision, d.data.stepId])).toEqual([['step_skipped', 'b']]);
  });

  it('re-asking with a pending step returns it again with no decisions', () => {
    const compiled = workflow([step('a', { var: 'x', equals: 1 }), step('b')]);
    const first = nextPending(compiled, initialState(), { context: {} }, deps);
    const again = nextPending(compiled, first.state, { context: {} }, deps);
    expect(again).toEqual({ ...first, decisions: [] });
  });

  it('drives an artifact-controlled while loop until a stop signal and exposes loop variables', () => {
    const loop: CompiledLoop = {
      kind: 'loop',
      id: 'L',
      title: 'L',
      loopType: 'while',
      conditionSource: {
        kind: 'artifact_contract',
        contractRef: 'wr.contracts.loop_control',
        loopId: 'iter',
      },
      maxIterations: 3,
      iterationVar: 'currentIteration',
      itemVar: 'currentItem',
      indexVar: 'currentIndex',
      body: [step('work'), step('decide')],
      confirmation: { kind: 'none' },
    };
    const compiled = workflow([step('init'), loop, step('end')]);
    const seen: string[] = [];
    let state = initialState();
    const outputs: Record<string, JsonValue[]> = {
      init: [{ kind: 'wr.loop_control', decision: 'continue' }],
    };
    let decideCount = 0;
    for (;;) {
      const r = nextPending(compiled, state, { context: {} }, deps);
      if (r.kind === 'complete') break;
      seen.push(
        `${r.node.id}${r.context.currentIteration === undefined ? '' : `#${String(r.context.currentIteration)}`}`,
      );
      let artifacts = outputs[r.node.id] ?? [];
      if (r.node.id === 'decide')
        artifacts = [
          { kind: 'wr.loop_control', loopId: 'iter', decision: ++decideCount < 2 ? 'continue' : 'stop' },
        ];
      state = completePending(r.state, { artifacts });
    }
    expect(seen).toEqual(['init', 'work#1', 'decide#1', 'work#2', 'decide#2', 'end']);
  });

  it('caps a loop that never stops at maxIterations and records the cap', () => {
    const loop: CompiledLoop = {
      kind: 'loop',
      id: 'L',
      title: 'L',
      loopType: 'while',
      condition: { var: 'go', equals: true },
      maxIterations: 2,
      iterationVar: 'i',
      itemVar: 'it',
      indexVar: 'ix',
      body: [step('w')],
      confirmation: { kind: 'none' },
    };
    const compiled = workflow([loop]);
    let state = initialState();
    const all: string[] = [];
    let yielded = 0;
    for (;;) {
      const r = nextPending(compiled, state, { context: { go: true } }, deps);
      all.push(...r.decisions.map((d) => d.decision));
      if (r.kind === 'complete') break;
      yielded++;
      state = completePending(r.state, { artifacts: [] });
    }
    expect(yielded).toBe(2);
    expect(all).toContain('loop_max_iterations');
  });

  it('iterates forEach over items snapshotted at entry with item and index variables', () => {
    const loop: CompiledLoop = {
      kind: 'loop',
      id: 'L',
      title: 'L',
      loopType: 'forEach',
      items: 'files',
      maxIterations: 10,
      iterationVar: 'currentIteration',
      itemVar: 'file',
      indexVar: 'fileIndex',
      body: [step('w')],
      confirmation: { kind: 'none' },
    };
    const compiled = workflow([loop]);
    let state = initialState();
    const items: JsonValue[] = [];
    for (;;) {
      const r = nextPending(compiled, state, { context: { files: ['x.ts', 'y.ts'] } }, deps);
      if (r.kind === 'complete') break;
      items.push([r.context.file ?? null, r.context.fileIndex ?? null]);
      state = completePending(r.state, { artifacts: [] });
    }
    expect(items).toEqual([
      ['x.ts', 0],
      ['y.ts', 1],
    ]);
  });
});
