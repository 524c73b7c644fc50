import { describe, expect, it } from 'vitest';
import { compileWorkflow } from './compile.js';
import { previewWorkflow, toInspectJson } from './preview.js';
import { workflow } from './test-helpers.js';

const compiled = compileWorkflow(
  workflow([
    { id: 'triage', title: 'Triage', prompt: 'x', requireConfirmation: { kind: 'human_approval' } },
    {
      id: 'fix-loop',
      type: 'loop',
      title: 'Fix loop',
      loop: { type: 'while', maxIterations: 4, condition: { var: 'failing', equals: true } },
      body: [
        { id: 'fix', title: 'Fix', prompt: 'y', runCondition: { var: 'mode', equals: 'auto' } },
        {
          id: 'check',
          title: 'Check',
          prompt: 'z',
          outputContract: { contractRef: 'wr.contracts.loop_control' },
        },
      ],
    },
  ]),
)._unsafeUnwrap();

describe('previewWorkflow', () => {
  it('numbers steps and shows loops, conditions, gates and contracts', () => {
    const text = previewWorkflow(compiled);
    expect(text).toContain('1. Triage [triage]');
    expect(text).toContain('gate: human approval');
    expect(text).toContain(
      '2. Loop: Fix loop [fix-loop] — while: until a wr.contracts.loop_control artifact says stop (max 4)',
    );
    expect(text).toContain('2.1. Fix [fix]');
    expect(text).toContain('runs when: mode');
    expect(text).toContain('output contract: wr.contracts.loop_control');
    expect(text).toContain(compiled.hash);
  });
});

describe('toInspectJson', () => {
  it('metadata mode gives identity and an outline without prompts', () => {
    const json = toInspectJson(compiled, 'metadata');
    expect(json).toMatchObject({ workflowId: 'test.flow', workflowHash: compiled.hash, stepCount: 4 });
    expect(JSON.stringify(json)).not.toContain('"prompt"');
  });

  it('preview mode adds the compiled steps, the graph and the preview text', () => {
    const json = toInspectJson(compiled, 'preview');
    expect(json).toMatchObject({ preview: previewWorkflow(compiled) });
    expect(JSON.stringify(json)).toContain('"prompt"');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
