import { describe, expect, it } from 'vitest';
import type { CompiledStep, CompiledWorkflow } from '../compiled.js';
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

const small: SourceWorkflow = workflow([
  { id: 'one', title: 'One', prompt: 'Do the first thing.' },
  {
    id: 'two',
    title: 'Two',
    promptBlocks: { goal: 'Finish.', verify: ['It is finished.'] },
    requireConfirmation: true,
  },
]);

describe('hash', () => {
  it('matches the golden hash of a small workflow', () => {
    // Golden value: changes only when compiled output changes on purpose (bump it with the reason in the commit).
    expect(compiled(small).hash).toBe(
      'sha256:675633454386302000bcd811536fd12643acc82f8ada732b6c9627fa34c7f61e',
    );
  });

  it('is stable across compiles and equal for structurally equal input', () => {
    const copy: SourceWorkflow = JSON.parse(JSON.stringify(small));
    expect(compiled(small).hash).toBe(compiled(small).hash);
    expect(compiled(copy).hash).toBe(compiled(small).hash);
  });

  it('changes when a prompt changes', () => {
    const edited = workflow([
      { id: 'one', title: 'One', prompt: 'Do the first thing!' },
      small.steps[1] as SourceStep,
    ]);
    expect(compiled(edited).hash).not.toBe(compiled(small).hash);
  });

  it('changes when the bindings change the rendered text', () => {
    const def = workflow([{ id: 'one', title: 'One', prompt: 'Run {{wr.bindings.review}}.' }], {
      extensionPoints: [{ slotId: 'review', purpose: 'Review routine', default: 'wr.routine-design-review' }],
    });
    const a = compileWorkflow(def)._unsafeUnwrap();
    const b = compileWorkflow(def, { bindings: { review: 'team-review' } })._unsafeUnwrap();
    expect(a.hash).not.toBe(b.hash);
  });
});

describe('promptBlocks', () => {
  it('renders goal, constraints, procedure, outputRequired and verify in that order whatever the key order', () => {
    const c = compiled(
      workflow([
        {
          id: 'blocks',
          title: 'Blocks',
          promptBlocks: {
            verify: ['V1'],
            outputRequired: { summary: 'S1', details: 'D1' },
            procedure: ['P1', 'P2'],
            constraints: ['C1'],
            goal: 'G1',
          },
        },
      ]),
    );
    const prompt = step(c, 'blocks').prompt;
    expect(
      prompt.startsWith(
        '## Goal\nG1\n\n## Constraints\n- C1\n\n## Procedure\n1. P1\n2. P2\n\n## Output Required\n- **summary**: S1\n- **details**: D1\n\n## Verify\n- V1',
      ),
    ).toBe(true);
  });

  it('rejects a step with both prompt and promptBlocks', () => {
    const error = failure(
      workflow([{ id: 'both', title: 'Both', prompt: 'x', promptBlocks: { goal: 'y' } }]),
    );
    expect(error.code).toBe('COMPILE_FAILED');
    expect(error.details?.pointer).toBe('/steps/0');
  });

  it('rejects empty promptBlocks', () => {
    expect(failure(workflow([{ id: 'empty', title: 'Empty', promptBlocks: {} }])).details?.pointer).toBe(
      '/steps/0/promptBlocks',
    );
  });
});

describe('refs', () => {
  it('inlines a built-in ref where it is referenced', () => {
    const c = compiled(
      workflow([
        {
          id: 'r',
          title: 'R',
          promptBlocks: {
            goal: 'G',
            constraints: [
              [
                { kind: 'text', text: 'Rule: ' },
                { kind: 'ref', refId: 'wr.refs.notes_first_durability' },
              ],
            ],
          },
        },
      ]),
    );
    expect(step(c, 'r').prompt).toContain('- Rule: Durable record (notes first):');
  });

  it('fails on an unknown ref with its pointer and the known refs', () => {
    const error = failure(
      workflow([
        {
          id: 'r',
          title: 'R',
          promptBlocks: { goal: 'G', verify: ['ok', [{ kind: 'ref', refId: 'wr.refs.nope' }]] },
        },
      ]),
    );
    expect(error.details?.pointer).toBe('/steps/0/promptBlocks/verify/1/0/refId');
    expect(error.details?.knownRefIds).toContain('wr.refs.adversarial_challenge_rules');
    expect(error.message).toContain('wr.refs.nope');
  });
});

describe('features', () => {
  it('appends feature items to promptBlocks steps, resolving refs they contain', () => {
    const c = compiled(
      workflow([{ id: 'b', title: 'B', promptBlocks: { goal: 'G', constraints: ['Mine first'] } }], {
        features: ['wr.features.subagent_guidance'],
      }),
    );
    const prompt = step(c, 'b').prompt;
    expect(prompt.indexOf('- Mine first')).toBeLessThan(
      prompt.indexOf('Parallel thinking, single synthesis:'),
    );
    expect(prompt).toContain('## Procedure\n1. ');
    expect(prompt).toContain('## Verify\n- ');
  });

  it('leaves raw-prompt steps as written', () => {
    const c = compiled(
      workflow([{ id: 'raw', title: 'Raw', prompt: 'Just this.' }], {
        features: ['wr.features.capabilities'],
      }),
    );
    expect(step(c, 'raw').prompt.startsWith('Just this.')).toBe(true);
    expect(step(c, 'raw').prompt).not.toContain('capabilit');
  });

  it('fails on an unknown feature with its pointer', () => {
    const error = failure(
      workflow([{ id: 'raw', title: 'Raw', prompt: 'x' }], {
        features: ['wr.features.capabilities', 'wr.features.nope'],
      }),
    );
    expect(error.details?.pointer).toBe('/features/1');
    expect(error.details?.knownFeatureIds).toEqual([
      'wr.features.capabilities',
      'wr.features.memory_context',
      'wr.features.subagent_guidance',
    ]);
  });
});

describe('bindings', () => {
  const def = workflow(
    [
      { id: 'raw', title: 'Raw', prompt: 'Delegate to {{wr.bindings.design_review}}.' },
      {
        id: 'blk',
        title: 'Blk',
        promptBlocks: {
          goal: 'Use {{wr.bindings.design_review}}',
          outputRequired: { who: '{{wr.bindings.design_review}}' },
        },
      },
    ],
    {
      extensionPoints: [
        { slotId: 'design_review', purpose: 'Review routine', default: 'wr.routine-design-review' },
      ],
    },
  );

  it('uses the extension point default without an override', () => {
    const c = compiled(def);
    expect(step(c, 'raw').prompt).toContain('Delegate to wr.routine-design-review.');
    expect(step(c, 'blk').prompt).toContain('## Goal\nUse wr.routine-design-review');
    expect(step(c, 'blk').prompt).toContain('- **who**: wr.routine-design-review');
  });

  it('uses the project override when given', () => {
    const c = compileWorkflow(def, { bindings: { design_review: 'team-review' } })._unsafeUnwrap();
    expect(step(c, 'raw').prompt).toContain('Delegate to team-review.');
    expect(step(c, 'blk').prompt).not.toContain('wr.routine-design-review');
  });

  it('fails on an undeclared, unbound slot', () => {
    const error = failure(workflow([{ id: 'raw', title: 'Raw', prompt: 'Use {{wr.bindings.ghost}}.' }]));
    expect(error.details?.pointer).toBe('/steps/0/prompt');
    expect(error.details?.slotId).toBe('ghost');
  });

  it('rejects any other {{wr.*}} token left in a prompt', () => {
    const error = failure(workflow([{ id: 'raw', title: 'Raw', prompt: 'Use {{wr.something.else}}.' }]));
    expect(error.message).toContain('{{wr.something.else}}');
  });
});

describe('step normalisation', () => {
  it('normalises requireConfirmation forms', () => {
    const c = compiled(
      workflow([
        { id: 'a-1', title: 'A', prompt: 'x' },
        { id: 'a-2', title: 'A', prompt: 'x', requireConfirmation: true },
        { id: 'a-3', title: 'A', prompt: 'x', requireConfirmation: { var: 'big', equals: true } },
        { id: 'a-4', title: 'A', prompt: 'x', requireConfirmation: { kind: 'human_approval' } },
        {
          id: 'a-5',
          title: 'A',
          prompt: 'x',
          requireConfirmation: { kind: 'coordinator_eval', condition: { var: 'risk', equals: 'high' } },
        },
      ]),
    );
    expect(['a-1', 'a-2', 'a-3', 'a-4', 'a-5'].map((id) => step(c, id).confirmation)).toEqual([
      { kind: 'none' },
      { kind: 'confirmation' },
      { kind: 'confirmation', condition: { var: 'big', equals: true } },
      { kind: 'human_approval' },
      { kind: 'coordinator_eval', condition: { var: 'risk', equals: 'high' } },
    ]);
  });

  it('turns array validationCriteria into {and} and lists them as output requirements', () => {
    const c = compiled(
      workflow([
        { id: 'v', title: 'V', prompt: 'x', validationCriteria: [{ type: 'contains', value: 'DONE' }] },
      ]),
    );
    expect(step(c, 'v').validationCriteria).toEqual({ and: [{ type: 'contains', value: 'DONE' }] });
    expect(step(c, 'v').prompt).toContain('Your notes must contain "DONE"');
  });

  it('requires notes unless notesOptional or an output contract', () => {
    const c = compiled(
      workflow([
        { id: 'n-1', title: 'N', prompt: 'x' },
        { id: 'n-2', title: 'N', prompt: 'x', notesOptional: true },
        {
          id: 'n-3',
          title: 'N',
          prompt: 'x',
          outputContract: { contractRef: 'wr.contracts.review_verdict' },
        },
      ]),
    );
    expect(['n-1', 'n-2', 'n-3'].map((id) => step(c, id).notesRequired)).toEqual([true, false, false]);
    expect(step(c, 'n-3').outputContract).toEqual({
      contractRef: 'wr.contracts.review_verdict',
      required: true,
    });
  });

  it('fails on an unknown output contract with its pointer', () => {
    const error = failure(
      workflow([{ id: 'c', title: 'C', prompt: 'x', outputContract: { contractRef: 'wr.contracts.nope' } }]),
    );
    expect(error.details?.pointer).toBe('/steps/0/outputContract/contractRef');
    expect(error.details?.knownContractRefs).toContain('wr.contracts.loop_control');
  });

  it('fails on an undeclared assessment', () => {
    const error = failure(workflow([{ id: 'a', title: 'A', prompt: 'x', assessmentRefs: ['ghost'] }]));
    expect(error.details?.pointer).toBe('/steps/0/assessmentRefs/0');
  });

  it('rejects a {{wr.*}} token in a prompt fragment', () => {
    const error = failure(
      workflow([
        { id: 'f', title: 'F', prompt: 'x', promptFragments: [{ id: 'bad', text: 'Use {{wr.bindings.x}}' }] },
      ]),
    );
    expect(error.details?.pointer).toBe('/steps/0/promptFragments/0/text');
  });

  it('fails on duplicate ids created by virtual steps', () => {
    const error = failure(
      workflow([
        { id: 'work', title: 'W', prompt: 'x', verification: { command: 'npm test' } },
        { id: 'work__verification', title: 'V', prompt: 'x' },
      ]),
    );
    expect(error.details?.stepId).toBe('work__verification');
  });
});
