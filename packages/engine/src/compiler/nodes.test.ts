import { describe, expect, it } from 'vitest';
import type { CompiledLoop, CompiledStep, CompiledWorkflow } from '../compiled.js';
import { compileWorkflow } from './compile.js';
import type { SourceStep, SourceWorkflow } from './source-types.js';
import { workflow } from './test-helpers.js';

function compiled(def: SourceWorkflow): CompiledWorkflow {
  const result = compileWorkflow(def);
  if (result.isErr()) throw new Error(result.error.message);
  return result.value;
}

function step(c: CompiledWorkflow, id: string): CompiledStep {
  const all = c.steps.flatMap((n) => (n.kind === 'loop' ? [n, ...n.body] : [n]));
  const found = all.find((n) => n.id === id);
  if (found?.kind !== 'step') throw new Error(`no step ${id}`);
  return found;
}

function failure(def: SourceWorkflow, options: Parameters<typeof compileWorkflow>[1] = {}) {
  const result = compileWorkflow(def, options);
  if (result.isOk()) throw new Error('expected a compile failure');
  return result.error;
}

describe('virtual steps', () => {
  it('adds verification then audit after a step, and synthesis after a parallel step', () => {
    const c = compiled(
      workflow([
        {
          id: 'work',
          title: 'Work',
          prompt: 'x',
          runCondition: { var: 'go', equals: true },
          verification: { command: 'npm test' },
          audit: { rubric: ['complete'] },
        },
        {
          id: 'fan',
          type: 'parallel',
          title: 'Fan',
          parallelDelegations: [{ workflowId: 'wr.routine-ideation' }],
          synthesis: { outputContract: { contractRef: 'wr.contracts.review_verdict' } },
        },
      ]),
    );
    expect(c.steps.map((s) => s.id)).toEqual([
      'work',
      'work__verification',
      'work__audit',
      'fan',
      'fan__synthesis',
    ]);
    expect(step(c, 'work__verification').prompt).toContain('npm test');
    expect(step(c, 'work__verification').runCondition).toEqual({ var: 'go', equals: true });
    expect(step(c, 'work__audit').prompt).toContain('- complete');
    expect(step(c, 'fan__synthesis').outputContract?.contractRef).toBe('wr.contracts.review_verdict');
    expect(step(c, 'fan__synthesis').derivedFrom).toEqual({ stepId: 'fan', kind: 'synthesis' });
  });
});

describe('loops', () => {
  const loopDef = (loop: Record<string, unknown>, body: SourceStep[]): SourceWorkflow =>
    workflow([
      {
        id: 'lp',
        type: 'loop',
        title: 'Loop',
        loop: { maxIterations: 3, ...loop } as never,
        body: body as never,
      },
    ]);

  it('applies default variable names', () => {
    const c = compiled(
      loopDef({ type: 'forEach', items: 'things' }, [
        { id: 'b', title: 'B', prompt: 'Handle {{currentItem}}' },
      ]),
    );
    const loop = c.steps[0] as CompiledLoop;
    expect([loop.iterationVar, loop.itemVar, loop.indexVar, loop.items]).toEqual([
      'currentIteration',
      'currentItem',
      'currentIndex',
      'things',
    ]);
  });

  it('derives an artifact condition source from a loop-control body step', () => {
    const c = compiled(
      loopDef({ type: 'while', condition: { var: 'again', equals: true } }, [
        { id: 'b', title: 'B', prompt: 'x' },
        {
          id: 'decide',
          title: 'Decide',
          prompt: 'Continue?',
          outputContract: { contractRef: 'wr.contracts.loop_control' },
        },
      ]),
    );
    expect((c.steps[0] as CompiledLoop).conditionSource).toEqual({
      kind: 'artifact_contract',
      contractRef: 'wr.contracts.loop_control',
      loopId: 'lp',
    });
  });

  it('falls back to the context condition', () => {
    const c = compiled(
      loopDef({ type: 'until', condition: { var: 'done', equals: true } }, [
        { id: 'b', title: 'B', prompt: 'x' },
      ]),
    );
    expect((c.steps[0] as CompiledLoop).conditionSource).toEqual({
      kind: 'context_variable',
      condition: { var: 'done', equals: true },
    });
  });

  it('fails when a body reference names a missing step', () => {
    const def = workflow([
      {
        id: 'lp',
        type: 'loop',
        title: 'Loop',
        loop: { type: 'for', count: 2, maxIterations: 3 },
        body: 'ghost',
      },
    ]);
    expect(failure(def).details?.pointer).toBe('/steps/0/body');
  });

  it('builds loop_body and loop_back edges', () => {
    const c = compiled(
      loopDef({ type: 'for', count: 2 }, [
        { id: 'b-1', title: 'B', prompt: 'x' },
        { id: 'b-2', title: 'B', prompt: 'y' },
      ]),
    );
    expect(c.graph.edges).toEqual([
      { from: 'lp', to: 'b-1', kind: 'loop_body' },
      { from: 'b-1', to: 'b-2', kind: 'next' },
      { from: 'b-2', to: 'lp', kind: 'loop_back' },
    ]);
  });
});

describe('metricsProfile', () => {
  it('coding: SHA footer on every step, final footer on the last', () => {
    const c = compiled(
      workflow(
        [
          { id: 's-1', title: 'S', prompt: 'x' },
          { id: 's-2', title: 'S', prompt: 'y' },
        ],
        { metricsProfile: 'coding' },
      ),
    );
    expect(step(c, 's-1').prompt).toContain('metrics_commit_shas');
    expect(step(c, 's-1').prompt).not.toContain('metrics_outcome');
    expect(step(c, 's-2').prompt).toContain('metrics_outcome');
    expect(step(c, 's-2').promptFooter).toBeDefined();
    expect(step(c, 's-2').prompt.endsWith(step(c, 's-2').promptFooter ?? '')).toBe(true);
  });

  it('review: only the last work step of a final loop gets the footer, not its loop-control step', () => {
    const c = compiled(
      workflow(
        [
          { id: 'first', title: 'F', prompt: 'x' },
          {
            id: 'lp',
            type: 'loop',
            title: 'L',
            loop: { type: 'while', maxIterations: 3, condition: { var: 'a', equals: 1 } },
            body: [
              { id: 'work', title: 'W', prompt: 'w' },
              {
                id: 'exit',
                title: 'E',
                prompt: 'e',
                outputContract: { contractRef: 'wr.contracts.loop_control' },
              },
            ],
          },
        ],
        { metricsProfile: 'review' },
      ),
    );
    expect(step(c, 'first').promptFooter).toBeUndefined();
    expect(step(c, 'work').prompt).toContain('metrics_pr_numbers');
    expect(step(c, 'exit').prompt).not.toContain('metrics_pr_numbers');
  });

  it('none adds nothing', () => {
    const c = compiled(workflow([{ id: 's-1', title: 'S', prompt: 'x' }], { metricsProfile: 'none' }));
    expect(step(c, 's-1').prompt).not.toContain('metrics_');
  });
});
