import { describe, expect, it } from 'vitest';
import { ContinueWorkflowInput, normalizeContinueInput } from './tool-schemas.js';

function normalize(raw: Record<string, unknown>) {
  return normalizeContinueInput(ContinueWorkflowInput.parse(raw));
}

describe('continue_workflow input normalisation (WorkRail aliases)', () => {
  it('infers advance when output is present and rehydrate when it is not', () => {
    expect(normalize({ continueToken: 'ct_x', output: { notesMarkdown: 'n' } })).toEqual({
      ok: true,
      value: { continueToken: 'ct_x', intent: 'advance', output: { notesMarkdown: 'n' } },
    });
    expect(normalize({ continueToken: 'st_x' })).toEqual({
      ok: true,
      value: { continueToken: 'st_x', intent: 'rehydrate' },
    });
  });

  it('maps contextVariables to context and top-level notes/artifacts into output', () => {
    const result = normalize({
      continueToken: 'ct_x',
      contextVariables: { a: 1 },
      notes: 'n',
      artifacts: [{ kind: 'k' }],
    });
    expect(result).toEqual({
      ok: true,
      value: {
        continueToken: 'ct_x',
        intent: 'advance',
        context: { a: 1 },
        output: { notesMarkdown: 'n', artifacts: [{ kind: 'k' }] },
      },
    });
  });

  it('sends an empty output for an explicit advance without output (e.g. a confirmation)', () => {
    expect(normalize({ continueToken: 'ct_x', intent: 'advance' })).toEqual({
      ok: true,
      value: { continueToken: 'ct_x', intent: 'advance', output: {} },
    });
  });

  it('rejects conflicting aliases and output with intent rehydrate, naming the field', () => {
    const conflict = normalize({ continueToken: 'ct_x', context: {}, contextVariables: {} });
    expect(conflict.ok).toBe(false);
    expect(!conflict.ok && conflict.issues.map((i) => i.path)).toEqual(['contextVariables']);
    const both = normalize({ continueToken: 'ct_x', notes: 'a', output: { notesMarkdown: 'b' } });
    expect(!both.ok && both.issues.map((i) => i.path)).toEqual(['notes']);
    const rehydrate = normalize({ continueToken: 'ct_x', intent: 'rehydrate', artifacts: [] });
    expect(!rehydrate.ok && rehydrate.issues.map((i) => i.path)).toEqual(['output']);
  });

  it('rejects unknown fields and non-absolute workspace paths at the schema', () => {
    expect(ContinueWorkflowInput.safeParse({ continueToken: 'ct_x', extra: 1 }).success).toBe(false);
    expect(ContinueWorkflowInput.safeParse({ continueToken: 'ct_x', workspacePath: 'rel/dir' }).success).toBe(
      false,
    );
    expect(ContinueWorkflowInput.safeParse({ continueToken: '' }).success).toBe(false);
  });
});
