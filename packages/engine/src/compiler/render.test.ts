import { describe, expect, it } from 'vitest';
import type { CompiledParallel, CompiledStep } from '../compiled.js';
import { compileWorkflow } from './compile.js';
import { interpolate, renderStepPrompt } from './render.js';
import { workflow } from './test-helpers.js';

function stepWith(fields: Partial<CompiledStep>): CompiledStep {
  return {
    kind: 'step',
    id: 'st',
    title: 'St',
    prompt: 'Base',
    promptFragments: [],
    guidance: [],
    confirmation: { kind: 'none' },
    assessmentRefs: [],
    assessmentConsequences: [],
    notesRequired: false,
    ...fields,
  };
}

describe('interpolate', () => {
  const context = {
    name: 'Ada',
    slice: { name: 'auth', size: 3 },
    items: ['a', 'b'],
    flag: false,
    obj: { k: [1] },
  };

  it('fills names and dot paths, including array members and length', () => {
    expect(
      interpolate('{{name}} / {{slice.name}} / {{items.length}} / {{items.1}} / {{flag}}', context),
    ).toBe('Ada / auth / 2 / b / false');
  });

  it('renders objects and arrays as JSON', () => {
    expect(interpolate('{{obj}} {{items}}', context)).toBe('{"k":[1]} ["a","b"]');
  });

  it('leaves unknown placeholders, expressions and the wr namespace untouched', () => {
    expect(interpolate('{{missing}} {{slice.nope}} {{itemIndex + 1}} {{wr.bindings.x}}', context)).toBe(
      '{{missing}} {{slice.nope}} {{itemIndex + 1}} {{wr.bindings.x}}',
    );
  });

  it("renders WorkRail's [unset: …] marker on request", () => {
    expect(interpolate('{{missing}}', context, { unset: 'marker' })).toBe('[unset: missing]');
  });

  it('does not read inherited properties', () => {
    expect(interpolate('{{name.constructor}} {{toString}}', context)).toBe(
      '{{name.constructor}} {{toString}}',
    );
  });

  it('survives a context whose getter throws', () => {
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(interpolate('x {{boom}}', hostile)).toBe('x {{boom}}');
  });
});

describe('renderStepPrompt', () => {
  it('appends the fragments whose condition holds, in declaration order, interpolated', () => {
    const step = stepWith({
      prompt: 'Work on {{slice}}.',
      promptFragments: [
        { id: 'always', text: 'Always {{slice}}.' },
        { id: 'deep', when: { var: 'rigor', equals: 'deep' }, text: 'Go deep.' },
        { id: 'quick', when: { var: 'rigor', equals: 'quick' }, text: 'Be quick.' },
      ],
    });
    expect(renderStepPrompt(step, { slice: 'S1', rigor: 'deep' })).toBe(
      'Work on S1.\n\nAlways S1.\n\nGo deep.',
    );
    expect(renderStepPrompt(step, { slice: 'S1' })).toBe('Work on S1.\n\nAlways S1.');
  });

  it('keeps the metrics footer after the fragments', () => {
    const compiled = compileWorkflow(
      workflow(
        [
          {
            id: 'last',
            title: 'Last',
            prompt: 'Do it.',
            notesOptional: true,
            promptFragments: [{ id: 'extra', text: 'Extra.' }],
          },
        ],
        {
          metricsProfile: 'research',
        },
      ),
    )._unsafeUnwrap();
    const step = compiled.steps[0];
    if (step?.kind !== 'step') throw new Error('expected a step');
    const text = renderStepPrompt(step, {});
    expect(text.startsWith('Do it.\n\nExtra.')).toBe(true);
    expect(text.endsWith(step.promptFooter ?? 'missing')).toBe(true);
  });

  it('lists only the delegations of a parallel step whose condition holds, with context inputs', () => {
    const parallel: CompiledParallel = {
      kind: 'parallel',
      id: 'fan',
      title: 'Fan',
      prompt: 'static',
      delegations: [
        { workflowId: 'wr.a', contextMapping: { ticket: 'input' } },
        { workflowId: 'wr.b', runCondition: { var: 'deep', equals: true } },
      ],
      confirmation: { kind: 'none' },
      notesRequired: true,
    };
    const shallow = renderStepPrompt(parallel, { ticket: 'T-1' });
    expect(shallow).toContain('`wr.a`');
    expect(shallow).toContain('`input`: T-1');
    expect(shallow).not.toContain('wr.b');
    expect(renderStepPrompt(parallel, { deep: true })).toContain('`wr.b`');
    const none = {
      ...parallel,
      delegations: [{ workflowId: 'wr.c', runCondition: { var: 'never', equals: 1 } }],
    };
    expect(renderStepPrompt(none, {})).toContain('none apply');
  });
});

describe('renderStepPrompt guidance', () => {
  it('puts the step guidance first, interpolated', () => {
    const step = stepWith({ prompt: 'Do {{what}}.', guidance: ['Mind {{what}}', 'Be brief'] });
    expect(renderStepPrompt(step, { what: 'tests' })).toBe(
      '## Step guidance\n- Mind tests\n- Be brief\n\nDo tests.',
    );
  });
});
