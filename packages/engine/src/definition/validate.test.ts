import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWorkflowJson } from './json-text.js';
import { parseWorkflowDefinition, validateWorkflowDefinition } from './validate.js';

function minimal(steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'test.minimal',
    name: 'Minimal',
    description: 'A minimal workflow',
    version: '0.1.0',
    steps,
    ...extra,
  };
}

function issuesOf(json: unknown): { path: string; message: string }[] {
  const result = validateWorkflowDefinition(json);
  if (result.isOk()) return [];
  expect(result.error.code).toBe('WORKFLOW_INVALID');
  return result.error.details?.issues as { path: string; message: string }[];
}

describe('validateWorkflowDefinition', () => {
  it('accepts a minimal workflow and returns it unchanged', () => {
    const json = minimal([{ id: 'only', title: 'Only', prompt: 'Do it.' }]);
    const result = validateWorkflowDefinition(json);
    expect(result.isOk() && result.value).toEqual(json);
  });

  it('reports a missing required property at its pointer', () => {
    const { id: _id, ...json } = minimal([{ id: 'only', title: 'Only', prompt: 'Do it.' }]);
    expect(issuesOf(json)).toEqual([{ path: '/id', message: "required property 'id' is missing" }]);
  });

  it('reports a wrong type with what was expected and what was found', () => {
    expect(issuesOf(minimal([{ id: 'only', title: 7, prompt: 'Do it.' }]))).toEqual([
      { path: '/steps/0/title', message: 'must be a string, got number' },
    ]);
  });

  it('reports each unknown property at its own pointer', () => {
    const paths = issuesOf(minimal([{ id: 'only', title: 'Only', prompt: 'x', colour: 'red', size: 2 }])).map(
      (i) => i.path,
    );
    expect(paths).toEqual(['/steps/0/colour', '/steps/0/size']);
  });

  it('reports a loop without maxIterations', () => {
    const loop = {
      id: 'again',
      type: 'loop',
      title: 'Again',
      loop: { type: 'for', count: 2 },
      body: [{ id: 'inner', title: 'I', prompt: 'p' }],
    };
    expect(issuesOf(minimal([loop]))).toEqual([
      { path: '/steps/0/loop/maxIterations', message: "required property 'maxIterations' is missing" },
    ]);
  });

  it('reports a for loop without count', () => {
    const loop = {
      id: 'again',
      type: 'loop',
      title: 'Again',
      loop: { type: 'for', maxIterations: 3 },
      body: [{ id: 'inner', title: 'I', prompt: 'p' }],
    };
    expect(issuesOf(minimal([loop]))).toEqual([
      { path: '/steps/0/loop/count', message: "a 'for' loop needs 'count'" },
    ]);
  });

  it('summarises the first issues in the message and counts the rest', () => {
    const result = validateWorkflowDefinition({ steps: 'nope', a: 1, b: 2 });
    expect(result.isErr() && result.error.message).toMatch(
      /^workflow definition is invalid: \/id: required property 'id' is missing; .* \(\+\d+ more\)$/,
    );
  });

  it('rejects a step id reused inside a loop body', () => {
    const json = minimal([
      { id: 'work', title: 'Work', prompt: 'p' },
      {
        id: 'again',
        type: 'loop',
        title: 'Again',
        loop: { type: 'for', count: 2, maxIterations: 2 },
        body: [{ id: 'work', title: 'W', prompt: 'p' }],
      },
    ]);
    expect(issuesOf(json)).toEqual([
      { path: '/steps/1/body/0/id', message: "duplicate step id 'work' (first used at /steps/0/id)" },
    ]);
  });

  it('rejects a step with no prompt source and one with two', () => {
    const json = minimal([
      { id: 'empty', title: 'Empty' },
      { id: 'both', title: 'Both', prompt: 'p', promptBlocks: { goal: 'g' } },
    ]);
    expect(issuesOf(json).map((i) => i.path)).toEqual(['/steps/0', '/steps/1']);
  });

  it('rejects an assessment ref that is not declared and a forAssessment outside the refs', () => {
    const assessments = [
      { id: 'gate', purpose: 'p', dimensions: [{ id: 'd', purpose: 'p', levels: ['low', 'high'] }] },
    ];
    const json = minimal(
      [
        {
          id: 'check',
          title: 'Check',
          prompt: 'p',
          assessmentRefs: ['gate', 'missing'],
          assessmentConsequences: [
            {
              when: { anyEqualsLevel: 'low', forAssessment: 'other' },
              effect: { kind: 'require_followup', guidance: 'g' },
            },
          ],
        },
      ],
      { assessments },
    );
    expect(issuesOf(json).map((i) => i.path)).toEqual([
      '/steps/0/assessmentRefs/1',
      '/steps/0/assessmentConsequences/0/when/forAssessment',
    ]);
  });

  it('rejects consequences on a step without assessmentRefs', () => {
    const json = minimal([
      {
        id: 'check',
        title: 'Check',
        prompt: 'p',
        assessmentConsequences: [
          { when: { anyEqualsLevel: 'low' }, effect: { kind: 'require_followup', guidance: 'g' } },
        ],
      },
    ]);
    expect(issuesOf(json).map((i) => i.path)).toEqual(['/steps/0/assessmentConsequences']);
  });

  it('rejects a loop body that names no step, and one that names a loop', () => {
    const loop = (id: string, body: string) => ({
      id,
      type: 'loop',
      title: 'L',
      loop: { type: 'for', count: 1, maxIterations: 1 },
      body,
    });
    expect(issuesOf(minimal([loop('outer', 'nowhere')]))).toEqual([
      { path: '/steps/0/body', message: "loop body 'nowhere' is not the id of a top-level step" },
    ]);
    expect(issuesOf(minimal([loop('outer', 'inner'), loop('inner', 'outer')])).map((i) => i.path)).toEqual([
      '/steps/0/body',
      '/steps/1/body',
    ]);
  });

  it('rejects a binding token naming an undeclared slot, wherever it is in the prompt', () => {
    const extensionPoints = [{ slotId: 'reviewer', purpose: 'p', default: 'wr.routine-design-review' }];
    const json = minimal(
      [
        { id: 'ok-step', title: 'Ok', prompt: 'Use {{wr.bindings.reviewer}}.' },
        { id: 'bad-step', title: 'Bad', promptBlocks: { procedure: ['a', 'Use {{wr.bindings.critic}}'] } },
      ],
      { extensionPoints },
    );
    expect(issuesOf(json)).toEqual([
      {
        path: '/steps/1/promptBlocks/procedure/1',
        message: "unknown binding slot 'critic' in {{wr.bindings.critic}} (declared: reviewer)",
      },
    ]);
  });

  it('rejects {{wr.*}} tokens in prompt fragments', () => {
    const json = minimal([
      { id: 'frag', title: 'F', prompt: 'p', promptFragments: [{ id: 'a', text: 'see {{wr.refs.x}}' }] },
    ]);
    expect(issuesOf(json).map((i) => i.path)).toEqual(['/steps/0/promptFragments/0/text']);
  });

  it('rejects duplicate ids of assessments, extension points and references', () => {
    const dim = [{ id: 'd', purpose: 'p', levels: ['a', 'b'] }];
    const json = minimal([{ id: 'only', title: 'O', prompt: 'p' }], {
      assessments: [
        { id: 'a', purpose: 'p', dimensions: dim },
        { id: 'a', purpose: 'q', dimensions: dim },
      ],
      extensionPoints: [
        { slotId: 'sl', purpose: 'p', default: 'x' },
        { slotId: 'sl', purpose: 'q', default: 'x' },
      ],
    });
    expect(issuesOf(json).map((i) => i.path)).toEqual(['/assessments/1/id', '/extensionPoints/1/slotId']);
  });

  it('rejects hostile nesting without overflowing the stack', () => {
    let condition: Record<string, unknown> = { var: 'x' };
    for (let i = 0; i < 10_000; i++) condition = { not: condition };
    expect(issuesOf(minimal([{ id: 'deep', title: 'D', prompt: 'p', runCondition: condition }]))).toEqual([
      { path: '', message: 'nested deeper than 128 levels' },
    ]);
  });
});

describe('validateWorkflowDefinition (properties)', () => {
  it('never throws and always reports issues for arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = validateWorkflowDefinition(value);
        expect(result.isErr() && result.error.code).toBe('WORKFLOW_INVALID');
      }),
    );
  });

  it('never throws on arbitrary JSON with workflow-like keys', () => {
    const step = fc.record(
      {
        id: fc.string(),
        title: fc.string(),
        prompt: fc.string(),
        type: fc.constantFrom('loop', 'parallel', 'x'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            id: fc.string(),
            name: fc.string(),
            description: fc.string(),
            version: fc.string(),
            steps: fc.array(step),
          },
          { requiredKeys: [] },
        ),
        (value) => {
          const result = validateWorkflowDefinition(value);
          if (result.isErr()) expect(Array.isArray(result.error.details?.issues)).toBe(true);
        },
      ),
    );
  });
});

describe('parseWorkflowJson', () => {
  it('reports the line and column of a syntax error', () => {
    const result = parseWorkflowJson('{\n  "id": "x"\n  "name": "y"\n}', 'flows/x.json');
    expect(result.isErr()).toBe(true);
    if (result.isErr()) {
      expect(result.error.code).toBe('WORKFLOW_INVALID');
      expect(result.error.message).toMatch(/^flows\/x\.json:3:3: invalid JSON: /);
      expect(result.error.details).toMatchObject({ path: 'flows/x.json', line: 3, column: 3 });
    }
  });

  it('locates errors whose engine message has no position', () => {
    const result = parseWorkflowJson('{"a": [1, 2],\n "b": nul}');
    expect(result.isErr() && result.error.details).toMatchObject({ line: 2, column: 10 });
  });

  it('reports empty text as unexpected end', () => {
    const result = parseWorkflowJson('');
    expect(result.isErr() && result.error.message).toMatch(/Unexpected end of JSON input/);
  });

  it('ignores a UTF-8 byte order mark', () => {
    expect(parseWorkflowJson('\uFEFF{"a":1}').isOk()).toBe(true);
  });

  it('parseWorkflowDefinition chains parsing and validation', () => {
    const text = JSON.stringify(minimal([{ id: 'only', title: 'Only', prompt: 'p' }]));
    expect(parseWorkflowDefinition(text, 'x.json').isOk()).toBe(true);
    const bad = parseWorkflowDefinition('{"id": "x"}', 'x.json');
    expect(bad.isErr() && bad.error.message).toMatch(/^x\.json: workflow 'x' is invalid: /);
  });
});

describe('validateWorkflowDefinition on registry-loaded (deep-frozen) definitions', () => {
  it('returns the same frozen definition on repeated calls', async () => {
    const { deepFreeze } = await import('./frozen.js');
    const json = deepFreeze(minimal([{ id: 'only', title: 'Only', prompt: 'p' }]));
    const first = validateWorkflowDefinition(json)._unsafeUnwrap();
    expect(validateWorkflowDefinition(json)._unsafeUnwrap()).toBe(first);
    expect(Object.isFrozen(first.steps[0])).toBe(true);
  });

  it('does not memoise values it did not freeze', () => {
    const json = minimal([{ id: 'only', title: 'Only', prompt: 'p' }]);
    expect(validateWorkflowDefinition(json)._unsafeUnwrap()).not.toBe(
      validateWorkflowDefinition(json)._unsafeUnwrap(),
    );
  });
});
