import type { Blocker, JsonObject } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import type { EngineLimits } from '../api.js';
import type { CompiledStep, CompiledWorkflow } from '../compiled.js';
import type { Condition } from '../definition/condition-schema.js';
import { sortBlockers, type ValidateOutputDeps, validateOutput } from './validate-output.js';
import { checkJsonSchema, evaluateValidationCriteria } from './validation-criteria.js';

const limits: EngineLimits = {
  maxNotesBytes: 100,
  maxArtifactsBytes: 200,
  maxJsonDepth: 4,
  maxContextBytes: 300,
  maxConsecutiveBlocked: 5,
};
const evalCond = (c: Condition, ctx: JsonObject) => (c.var === undefined ? true : ctx[c.var] === c.equals);
const deps: ValidateOutputDeps = {
  evaluateCondition: evalCond,
  checkOutputContract: (contract, artifacts) =>
    artifacts.some((a) => typeof a === 'object' && a !== null && !Array.isArray(a) && a.kind === 'ok')
      ? { ok: true, artifact: null }
      : {
          ok: false,
          blockers: [
            {
              code: 'MISSING_REQUIRED_OUTPUT',
              pointer: '/output/artifacts',
              message: `needs ${contract.contractRef}`,
            },
          ],
        },
};

function step(extra: Partial<CompiledStep> = {}): CompiledStep {
  return {
    kind: 'step',
    id: 's',
    title: 's',
    prompt: 'p',
    promptFragments: [],
    guidance: [],
    confirmation: { kind: 'none' },
    assessmentRefs: [],
    assessmentConsequences: [],
    notesRequired: true,
    ...extra,
  };
}
const compiled: CompiledWorkflow = {
  compiledSchemaVersion: 1,
  workflowId: 'w',
  name: 'w',
  description: '',
  version: '1',
  hash: 'sha256:x',
  metaGuidance: [],
  references: [],
  assessments: {
    q: {
      id: 'q',
      purpose: 'q',
      dimensions: [
        { id: 'confidence', purpose: 'c', levels: ['low', 'high'], required: true },
        { id: 'risk', purpose: 'r', levels: ['Low', 'HIGH'], required: false },
      ],
    },
  },
  steps: [],
  graph: { nodes: [], edges: [] },
};
const run = (
  s: CompiledStep,
  output: { notesMarkdown?: string; artifacts?: JsonObject[] } | undefined,
  contextUpdate?: JsonObject,
  followupDone = false,
) =>
  validateOutput(
    {
      compiled,
      step: s,
      output,
      contextUpdate,
      mergedContext: { ...(contextUpdate ?? {}) },
      limits,
      followupDone,
    },
    deps,
  );

describe('validateOutput', () => {
  it('requires notes unless the step makes them optional', () => {
    const r = run(step(), { notesMarkdown: '   ' });
    expect(r.kind === 'blocked' && r.blockers.map((b) => b.code)).toEqual(['MISSING_REQUIRED_NOTES']);
    expect(run(step({ notesRequired: false }), undefined).kind).toBe('accepted');
  });

  it('blocks notes over the byte limit before running any other check', () => {
    const r = run(step({ validationCriteria: { type: 'contains', value: 'zzz', message: 'm' } }), {
      notesMarkdown: 'é'.repeat(60),
    });
    expect(r.kind === 'blocked' && r.blockers.map((b) => [b.code, b.pointer])).toEqual([
      ['OUTPUT_TOO_LARGE', '/output/notesMarkdown'],
    ]);
  });

  it('returns CONTEXT_TOO_DEEP for a context deeper than the limit and blocks oversized context and artifacts', () => {
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    const r = run(step(), { notesMarkdown: 'ok' }, deep);
    expect(r.kind === 'error' && r.error.code).toBe('CONTEXT_TOO_DEEP');
    const big = run(step(), { notesMarkdown: 'ok' }, { x: 'y'.repeat(400) });
    expect(big.kind === 'blocked' && big.blockers.map((b) => b.code)).toEqual(['CONTEXT_BUDGET_EXCEEDED']);
    const heavy = run(step(), { notesMarkdown: 'ok', artifacts: [{ kind: 'x', text: 'y'.repeat(300) }] });
    expect(heavy.kind === 'blocked' && heavy.blockers.map((b) => [b.code, b.pointer])).toEqual([
      ['OUTPUT_TOO_LARGE', '/output/artifacts'],
    ]);
  });

  it('checks the output contract through the injected checker', () => {
    const s = step({ notesRequired: false, outputContract: { contractRef: 'c', required: true } });
    expect(run(s, { artifacts: [{ kind: 'nope' }] }).kind).toBe('blocked');
    const ok = run(s, { artifacts: [{ kind: 'ok' }] });
    expect(ok.kind === 'accepted' && ok.validated).toBe(true);
  });

  it('normalises assessment levels case-insensitively and records notes', () => {
    const s = step({ assessmentRefs: ['q'] });
    const r = run(s, {
      notesMarkdown: 'n',
      artifacts: [
        {
          kind: 'wr.assessment',
          dimensions: { confidence: 'HIGH', risk: { level: 'high', rationale: ' fine ' } },
        },
      ],
    });
    if (r.kind !== 'accepted') throw new Error(JSON.stringify(r));
    expect(r.assessments[0]?.dimensions).toEqual([
      { dimensionId: 'confidence', level: 'high' },
      { dimensionId: 'risk', level: 'HIGH', rationale: 'fine' },
    ]);
    expect(r.assessments[0]?.normalizationNotes).toHaveLength(2);
  });

  it('blocks missing required dimensions, unknown dimensions and invalid levels', () => {
    const s = step({ assessmentRefs: ['q'] });
    const r = run(s, {
      notesMarkdown: 'n',
      artifacts: [{ kind: 'wr.assessment', dimensions: { risk: 'medium', extra: 'x' } }],
    });
    expect(r.kind === 'blocked' && r.blockers.map((b) => b.pointer)).toEqual([
      '/output/artifacts/0/dimensions/confidence',
      '/output/artifacts/0/dimensions/extra',
      '/output/artifacts/0/dimensions/risk',
    ]);
  });

  it('fires a follow-up consequence, and lets the follow-up attempt through', () => {
    const s = step({
      assessmentRefs: ['q'],
      assessmentConsequences: [
        { when: { anyEqualsLevel: 'low' }, effect: { kind: 'require_followup', guidance: 'Look again.' } },
      ],
    });
    const out = {
      notesMarkdown: 'n',
      artifacts: [{ kind: 'wr.assessment', dimensions: { confidence: 'low' } }],
    };
    const r = run(s, out);
    expect(r.kind === 'blocked' && r.assessmentFollowup?.guidance).toBe('Look again.');
    expect(run(s, out, undefined, true).kind).toBe('accepted');
  });

  it('sorts blockers by code then pointer', () => {
    const b = (code: Blocker['code'], pointer: string): Blocker => ({ code, pointer, message: 'm' });
    expect(
      sortBlockers([
        b('VALIDATION_FAILED', '/a'),
        b('MISSING_REQUIRED_NOTES', '/z'),
        b('MISSING_REQUIRED_NOTES', '/b'),
      ]).map((x) => x.pointer),
    ).toEqual(['/b', '/z', '/a']);
  });
});

describe('validationCriteria (WorkRail rule types)', () => {
  const check = (criteria: JsonObject | JsonObject[], text: string, ctx: JsonObject = {}) =>
    evaluateValidationCriteria(criteria, text, ctx, evalCond).map((i) => i.message);
  it('contains, regex, length', () => {
    expect(check({ type: 'contains', value: 'PASS', message: 'needs PASS' }, 'it did PASS')).toEqual([]);
    expect(check({ type: 'contains', value: 'PASS', message: 'needs PASS' }, 'fail')).toEqual(['needs PASS']);
    expect(
      check({ type: 'regex', pattern: '^done', flags: 'i', message: 'starts with done' }, 'Done!'),
    ).toEqual([]);
    expect(check({ type: 'regex', pattern: '(', message: 'bad' }, 'x')[0]).toContain('invalid pattern');
    expect(check({ type: 'length', min: 3, max: 5, message: 'len' }, 'ab')[0]).toContain('len');
  });
  it('schema rules parse the output (or its fenced json block) and check it', () => {
    const rule = {
      type: 'schema',
      message: 'bad json',
      schema: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
    };
    expect(check(rule, '{"ok": true}')).toEqual([]);
    expect(check(rule, 'Result:\n```json\n{"ok": true}\n```')).toEqual([]);
    expect(check(rule, '{"ok": "yes"}')[0]).toContain('/ok should be boolean');
    expect(check(rule, 'no json')[0]).toContain('not JSON');
    expect(checkJsonSchema({ type: 'array', items: { enum: [1, 2] }, maxItems: 2 }, [1, 3, 2])).toHaveLength(
      2,
    );
  });
  it('applies conditional rules only when their condition holds, and composes and/or/not', () => {
    const conditional = {
      type: 'contains',
      value: 'tests',
      message: 'mention tests',
      condition: { var: 'mode', equals: 'code' },
    };
    expect(check(conditional, 'nothing', { mode: 'docs' })).toEqual([]);
    expect(check(conditional, 'nothing', { mode: 'code' })).toEqual(['mention tests']);
    expect(
      check(
        {
          or: [
            { type: 'contains', value: 'a', message: 'a' },
            { type: 'contains', value: 'b', message: 'b' },
          ],
        },
        'xb',
      ),
    ).toEqual([]);
    expect(check({ not: { type: 'contains', value: 'TODO', message: 't' } }, 'has TODO')).toHaveLength(1);
    expect(
      check(
        [
          { type: 'contains', value: 'x', message: 'x' },
          { type: 'contains', value: 'y', message: 'y' },
        ],
        '',
      ),
    ).toEqual(['x', 'y']);
  });
});
