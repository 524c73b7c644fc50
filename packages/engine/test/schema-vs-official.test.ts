/**
 * Cross-checks our zod schema against the official JSON Schema v0.3.0 (Ajv): hand-made mutations of a
 * workflow that uses every construct must be accepted or rejected by both, and rejected ones must point at
 * the mutated property; random mutations (fast-check) must get the same verdict from both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkflowDefinitionSchema } from '../src/definition/schema.js';
import { collectDefinitionIssues } from '../src/definition/validate.js';
import { deleteAt, getAt, setAt } from './helpers/json-pointer.js';
import { richWorkflow } from './helpers/rich-workflow.js';
import {
  corpusFiles,
  OFFICIALLY_INVALID,
  officialValidator,
  readCorpusWorkflow,
  withoutSupersetFields,
} from './helpers/workrail-corpus.js';

const official = officialValidator();
type Mutation = (w: Record<string, unknown>) => void;
const set =
  (pointer: string, value: unknown): Mutation =>
  (w) =>
    setAt(w, pointer, value);
const del =
  (pointer: string): Mutation =>
  (w) =>
    deleteAt(w, pointer);
const emoji = (n: number): string => '😀'.repeat(n);

// [name, mutation, pointer of the expected issue]
const invalid: [string, Mutation, string][] = [
  ['missing id', del('/id'), '/id'],
  ['uppercase workflow id', set('/id', 'Bad.Id'), '/id'],
  ['too short workflow id', set('/id', 'ab'), '/id'],
  ['too long workflow id', set('/id', 'a'.repeat(65)), '/id'],
  ['non-semver version', set('/version', '1.0'), '/version'],
  ['empty steps', set('/steps', []), '/steps'],
  ['unknown top-level property', set('/colour', ['x']), '/colour'],
  ['bad step id pattern', set('/steps/0/id', 'Bad_Id'), '/steps/0/id'],
  ['empty step title', set('/steps/0/title', ''), '/steps/0/title'],
  ['title of 129 code points', set('/steps/4/title', emoji(129)), '/steps/4/title'],
  ['unknown step property', set('/steps/0/foo', 1), '/steps/0/foo'],
  ['step id of wrong type', set('/steps/4/id', 42), '/steps/4/id'],
  ['loop without maxIterations', del('/steps/1/loop/maxIterations'), '/steps/1/loop/maxIterations'],
  ['maxIterations above 1000', set('/steps/1/loop/maxIterations', 1001), '/steps/1/loop/maxIterations'],
  ['for loop without count', del('/steps/2/loop/count'), '/steps/2/loop/count'],
  ['count above 1000', set('/steps/2/loop/count', 1001), '/steps/2/loop/count'],
  ['count of wrong type', set('/steps/2/loop/count', true), '/steps/2/loop/count'],
  ['forEach without items', del('/steps/3/loop/items'), '/steps/3/loop/items'],
  ['while without condition', del('/steps/1/loop/conditionSource'), '/steps/1/loop/condition'],
  [
    'unknown conditionSource kind',
    set('/steps/1/loop/conditionSource/kind', 'magic'),
    '/steps/1/loop/conditionSource',
  ],
  ['unknown step type', set('/steps/4/type', 'branch'), '/steps/4/type'],
  ['loop nested in a loop body', set('/steps/1/body/0/type', 'loop'), '/steps/1/body/0/type'],
  ['empty loop body', set('/steps/1/body', []), '/steps/1/body'],
  ['loop body of wrong type', set('/steps/1/body', 5), '/steps/1/body'],
  [
    'unknown confirmation kind',
    set('/steps/0/requireConfirmation/kind', 'robot'),
    '/steps/0/requireConfirmation/kind',
  ],
  ['confirmation as a string', set('/steps/4/requireConfirmation', 'yes'), '/steps/4/requireConfirmation'],
  [
    'condition key in a kind gate',
    set('/steps/0/requireConfirmation/var', 'x'),
    '/steps/0/requireConfirmation/var',
  ],
  [
    'condition with unknown operator',
    set('/steps/0/runCondition/and/0/matches', 'x'),
    '/steps/0/runCondition/and/0/matches',
  ],
  ['gt of wrong type', set('/steps/0/runCondition/and/0/gt', '3'), '/steps/0/runCondition/and/0/gt'],
  [
    'composition with and + or',
    set('/steps/0/validationCriteria/or', [{ type: 'contains', message: 'm' }]),
    '/steps/0/validationCriteria',
  ],
  ['empty and composition', set('/steps/0/validationCriteria/and', []), '/steps/0/validationCriteria/and'],
  [
    'validation rule without message',
    del('/steps/0/validationCriteria/and/0/message'),
    '/steps/0/validationCriteria/and/0/message',
  ],
  [
    'unknown validation rule type',
    set('/steps/0/validationCriteria/and/0/type', 'magic'),
    '/steps/0/validationCriteria/and/0/type',
  ],
  [
    'validation rule condition with in',
    set('/steps/0/validationCriteria/and/0/condition/in', [1]),
    '/steps/0/validationCriteria/and/0/condition/in',
  ],
  ['empty assessmentRefs', set('/steps/0/assessmentRefs', []), '/steps/0/assessmentRefs'],
  [
    'duplicate assessmentRefs',
    set('/steps/0/assessmentRefs', ['quality-gate', 'quality-gate']),
    '/steps/0/assessmentRefs/1',
  ],
  [
    'unknown consequence effect',
    set('/steps/0/assessmentConsequences/0/effect/kind', 'block'),
    '/steps/0/assessmentConsequences/0/effect/kind',
  ],
  [
    'eleven consequences',
    (w) =>
      setAt(
        w,
        '/steps/0/assessmentConsequences',
        Array.from({ length: 11 }, () => getAt(w, '/steps/0/assessmentConsequences/0')),
      ),
    '/steps/0/assessmentConsequences',
  ],
  [
    'single assessment level',
    set('/assessments/0/dimensions/0/levels', ['only']),
    '/assessments/0/dimensions/0/levels',
  ],
  ['duplicate metaGuidance', set('/metaGuidance', ['same', 'same']), '/metaGuidance/1'],
  ['metaGuidance of 257 chars', set('/metaGuidance/0', 'x'.repeat(257)), '/metaGuidance/0'],
  [
    'seven examples',
    set(
      '/examples',
      Array.from({ length: 7 }, (_, i) => `example number ${i}`),
    ),
    '/examples',
  ],
  ['too short example', set('/examples/0', 'short'), '/examples/0'],
  ['goal of wrong type', set('/steps/0/promptBlocks/goal', 3), '/steps/0/promptBlocks/goal'],
  [
    'text part without text',
    del('/steps/0/promptBlocks/constraints/1/0/text'),
    '/steps/0/promptBlocks/constraints/1/0/text',
  ],
  [
    'ref part with empty refId',
    set('/steps/0/promptBlocks/constraints/1/1/refId', ''),
    '/steps/0/promptBlocks/constraints/1/1/refId',
  ],
  ['agentRole under 10 chars', set('/steps/0/agentRole', 'Too short'), '/steps/0/agentRole'],
  [
    'empty parallelDelegations',
    set('/steps/1/body/1/parallelDelegations', []),
    '/steps/1/body/1/parallelDelegations',
  ],
  [
    'bad allowed tool name',
    set('/steps/1/body/1/parallelDelegations/0/allowedTools/0', '1tool'),
    '/steps/1/body/1/parallelDelegations/0/allowedTools/0',
  ],
  ['unknown model tier', set('/modelTier', 'huge'), '/modelTier'],
  ['fractional spec version', set('/validatedAgainstSpecVersion', 1.5), '/validatedAgainstSpecVersion'],
  ['extension slot id too short', set('/extensionPoints/0/slotId', 'r'), '/extensionPoints/0/slotId'],
  ['reference without authoritative', del('/references/0/authoritative'), '/references/0/authoritative'],
  [
    'function reference without parens',
    set('/steps/0/functionReferences/0', 'summarise'),
    '/steps/0/functionReferences/0',
  ],
  ['function call without args', del('/steps/0/functionCalls/0/args'), '/steps/0/functionCalls/0/args'],
  [
    'duplicate function definitions (key order differs)',
    (w) =>
      setAt(w, '/functionDefinitions', [
        { name: 'f', definition: 'd' },
        { definition: 'd', name: 'f' },
      ]),
    '/functionDefinitions/1',
  ],
  [
    'fragment id with uppercase',
    set('/steps/0/promptFragments/0/id', 'High'),
    '/steps/0/promptFragments/0/id',
  ],
  ['null where an object is expected', set('/recommendedPreferences', null), '/recommendedPreferences'],
];

const valid: [string, Mutation][] = [
  ['the base workflow', () => {}],
  ['empty runCondition', set('/steps/4/runCondition', {})],
  ['count naming a context variable', set('/steps/2/loop/count', 'n')],
  ['fractional maxIterations (a JSON number)', set('/steps/2/loop/maxIterations', 2.5)],
  ['title of 128 code points', set('/steps/4/title', emoji(128))],
  [
    'context-variable condition source',
    set('/steps/1/loop/conditionSource', {
      kind: 'context_variable',
      condition: { var: 'more', equals: true },
    }),
  ],
  ['mixed enum values', set('/functionDefinitions/0/parameters/0/enum', [1, 'a', true])],
  ['boolean confirmation', set('/steps/0/requireConfirmation', true)],
  ['a legacy workflow id', set('/id', 'my_legacy-flow')],
  [
    'a validation rule list',
    set('/steps/0/validationCriteria', [{ type: 'contains', value: 'x', message: 'm' }]),
  ],
];

function zodAccepts(w: unknown): boolean {
  return WorkflowDefinitionSchema.safeParse(w).success;
}

describe('our schema agrees with the official JSON Schema v0.3.0', () => {
  it('has at least 30 invalid mutations', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
  });

  it.each(invalid)('rejects: %s', (_name, mutate, pointer) => {
    const w = richWorkflow();
    mutate(w);
    expect(official(w)).toBe(false);
    expect(zodAccepts(w)).toBe(false);
    expect(collectDefinitionIssues(w).map((i) => i.path)).toContain(pointer);
  });

  it.each(valid)('accepts: %s', (_name, mutate) => {
    const w = richWorkflow();
    mutate(w);
    expect(official(w)).toBe(true);
    expect(zodAccepts(w)).toBe(true);
    expect(collectDefinitionIssues(w)).toEqual([]);
  });

  it('gives the same verdict as Ajv on random mutations of the base workflow and the corpus', () => {
    const bases = [
      richWorkflow,
      ...corpusFiles()
        .filter((f) => !(OFFICIALLY_INVALID as readonly string[]).includes(f))
        .map((f) => () => readCorpusWorkflow(f)),
    ];
    const values = fc.constantFrom<unknown>(
      null,
      0,
      -1,
      1,
      2.5,
      1000,
      1001,
      '',
      'x',
      'ab',
      'abc',
      'Bad_Id',
      'loop',
      'parallel',
      'while',
      'for',
      'text',
      'ref',
      'x'.repeat(300),
      emoji(65),
      true,
      false,
      [],
      [{}],
      ['a', 'a'],
      {},
      { var: 'x' },
      { kind: 'text', text: 't' },
      { type: 'contains', message: 'm' },
      { kind: 'human_approval' },
    );
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1),
        fc.nat(),
        fc.constantFrom('set', 'delete', 'add'),
        values,
        (b, pick, op, value) => {
          const base = bases[b];
          if (base === undefined) return;
          const w = base();
          const pointers = allPointers(w);
          const pointer = pointers[pick % pointers.length];
          if (pointer === undefined) return;
          if (op === 'set') setAt(w, pointer, value);
          else if (op === 'delete') deleteAt(w, pointer);
          else {
            const target = getAt(w, pointer);
            if (typeof target === 'object' && target !== null && !Array.isArray(target))
              setAt(w, `${pointer}/extra`, value);
            else setAt(w, pointer, value);
          }
          // Our schema is the official one plus the documented superset fields (none in these bases, but a
          // mutation can create object-valued `examples`).
          expect(zodAccepts(w)).toBe(official(withoutSupersetFields(w)));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

/** Pointers to every value below the root. */
function allPointers(root: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, pointer: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((v, i) => [String(i), v])
      : Object.entries(node);
    for (const [key, child] of entries) {
      const p = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      out.push(p);
      walk(child, p);
    }
  };
  walk(root, '');
  return out;
}
