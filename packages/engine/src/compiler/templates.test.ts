import { describe, expect, it } from 'vitest';
import type { CompiledStep } from '../compiled.js';
import { compileWorkflow } from './compile.js';
import type { SourceWorkflow } from './source-types.js';
import { templateRoutineCandidates } from './templates.js';
import { workflow } from './test-helpers.js';

const routine: SourceWorkflow = {
  id: 'wr.routine-sample',
  name: 'Sample routine',
  description: 'A routine for template tests.',
  version: '1.0.0',
  metaGuidance: ['Routine rule.'],
  steps: [
    {
      id: 'step-a',
      title: 'A for {topic}',
      prompt: 'Study {topic} and keep {{contextVar}}.',
      guidance: ['Own guidance'],
    },
    {
      id: 'step-b',
      title: 'B',
      prompt: 'Write {deliverableName} ({count} items, final={final}).',
      runCondition: { var: 'x', equals: 1 },
    },
  ],
};
const resolveRoutine = (id: string): SourceWorkflow | undefined => (id === routine.id ? routine : undefined);

const caller = (args: Record<string, unknown>, extra: Record<string, unknown> = {}): SourceWorkflow =>
  workflow([
    { id: 'before', title: 'Before', prompt: 'x' },
    {
      id: 'call',
      title: 'Call',
      templateCall: { templateId: 'wr.templates.routine.sample', args },
      ...extra,
    },
    { id: 'after', title: 'After', prompt: 'y' },
  ]);

const fullArgs = { topic: 'caching', deliverableName: 'out.md', count: 3, final: true };

function steps(def: SourceWorkflow): CompiledStep[] {
  const result = compileWorkflow(def, { resolveRoutine });
  if (result.isErr()) throw new Error(result.error.message);
  return result.value.steps.filter((s): s is CompiledStep => s.kind === 'step');
}

describe('templateCall expansion', () => {
  it('replaces the calling step by the routine steps, ids prefixed', () => {
    expect(steps(caller(fullArgs)).map((s) => s.id)).toEqual([
      'before',
      'call.step-a',
      'call.step-b',
      'after',
    ]);
  });

  it('substitutes {arg} placeholders in titles and prompts and keeps {{context}} placeholders', () => {
    const [, a, b] = steps(caller(fullArgs));
    expect(a?.title).toBe('A for caching');
    expect(a?.prompt.startsWith('Study caching and keep {{contextVar}}.')).toBe(true);
    expect(b?.prompt.startsWith('Write out.md (3 items, final=true).')).toBe(true);
  });

  it('appends the routine metaGuidance to each step guidance and records the origin', () => {
    const [, a, b] = steps(caller(fullArgs));
    expect(a?.guidance).toEqual(['Own guidance', 'Routine rule.']);
    expect(b?.guidance).toEqual(['Routine rule.']);
    expect(a?.origin).toEqual({ templateId: 'wr.templates.routine.sample', callStepId: 'call' });
  });

  it('ands the calling step runCondition with each routine step runCondition', () => {
    const [, a, b] = steps(caller(fullArgs, { runCondition: { var: 'rigor', equals: 'high' } }));
    expect(a?.runCondition).toEqual({ var: 'rigor', equals: 'high' });
    expect(b?.runCondition).toEqual({
      and: [
        { var: 'rigor', equals: 'high' },
        { var: 'x', equals: 1 },
      ],
    });
  });

  it('fails on a missing arg, naming it', () => {
    const result = compileWorkflow(caller({ topic: 'caching' }), { resolveRoutine });
    expect(result.isErr() && result.error.message).toContain("missing arg 'deliverableName'");
    expect(result.isErr() && result.error.details?.pointer).toBe('/steps/1/templateCall/args');
  });

  it('fails on a non-primitive arg', () => {
    const result = compileWorkflow(caller({ ...fullArgs, topic: { nested: true } }), { resolveRoutine });
    expect(result.isErr() && result.error.message).toContain(
      "arg 'topic' must be a string, number or boolean",
    );
  });

  it('fails on an unknown template with its pointer and the known template ids', () => {
    const def = workflow([
      { id: 'call', title: 'Call', templateCall: { templateId: 'wr.templates.routine.nope' } },
    ]);
    const result = compileWorkflow(def, { resolveRoutine });
    if (result.isOk()) throw new Error('expected failure');
    expect(result.error.details?.pointer).toBe('/steps/0/templateCall/templateId');
    expect(result.error.details?.knownTemplateIds).toContain('wr.templates.routine.design-review');
  });

  it('rejects a routine step that calls a template itself', () => {
    const recursive: SourceWorkflow = {
      ...routine,
      steps: [{ id: 'inner', title: 'I', templateCall: { templateId: 'wr.templates.routine.sample' } }],
    };
    const result = compileWorkflow(caller(fullArgs), {
      resolveRoutine: (id) => (id === routine.id ? recursive : undefined),
    });
    expect(result.isErr() && result.error.message).toContain('recursive injection');
  });

  it('expands template calls inside loop bodies', () => {
    const def = workflow([
      {
        id: 'lp',
        type: 'loop',
        title: 'Loop',
        loop: { type: 'for', count: 2, maxIterations: 2 },
        body: [
          {
            id: 'call',
            title: 'Call',
            templateCall: { templateId: 'wr.templates.routine.sample', args: fullArgs },
          },
        ],
      },
    ]);
    const loop = compileWorkflow(def, { resolveRoutine })._unsafeUnwrap().steps[0];
    expect(loop?.kind === 'loop' && loop.body.map((s) => s.id)).toEqual(['call.step-a', 'call.step-b']);
  });

  it('falls back to the built-in routine when the registry has none', () => {
    const def = workflow([
      {
        id: 'design',
        title: 'D',
        templateCall: {
          templateId: 'wr.templates.routine.design-review',
          args: { deliverableName: 'review.md' },
        },
      },
    ]);
    const compiled = compileWorkflow(def)._unsafeUnwrap();
    const prompts = compiled.steps.map((s) => (s.kind === 'step' ? s.prompt : '')).join('\n');
    expect(compiled.steps.length).toBeGreaterThan(1);
    expect(prompts).toContain('review.md');
  });

  it('prefers the registry routine over the built-in one', () => {
    const custom: SourceWorkflow = {
      ...routine,
      id: 'wr.routine-design-review',
      steps: [{ id: 'only', title: 'Only', prompt: 'Custom review.' }],
    };
    const def = workflow([
      { id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.design-review' } },
    ]);
    const compiled = compileWorkflow(def, {
      resolveRoutine: (id) => (id === custom.id ? custom : undefined),
    })._unsafeUnwrap();
    expect(compiled.steps.map((s) => s.id)).toEqual(['design.only']);
  });

  it('lists the routine ids a definition may need, in lookup order', () => {
    expect(templateRoutineCandidates(caller(fullArgs))).toEqual([
      'wr.routine-sample',
      'routine-sample',
      'sample',
    ]);
  });
});
