import { canonicalHash } from '@worktrain/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownFeatureIds } from '../builtins/features.js';
import { knownRefIds } from '../builtins/refs.js';
import { validateWorkflowDefinition } from '../definition/validate.js';
import { compileWorkflow } from './compile.js';
import { renderStepPrompt } from './render.js';

const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
const varName = fc.constantFrom('mode', 'risk', 'count', 'slice.name');
const condition = fc.oneof(
  fc.record({ var: varName, equals: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean()) }),
  fc.record({ var: varName, gt: fc.integer({ min: -5, max: 5 }) }),
  fc.record({
    and: fc.array(fc.record({ var: varName, not_equals: fc.string({ maxLength: 3 }) }), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
);
const promptValue = fc.oneof(
  text,
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('text'), text }),
      fc.record({ kind: fc.constant('ref'), refId: fc.constantFrom(...knownRefIds(), 'wr.refs.unknown') }),
    ),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
);
const promptBlocks = fc.record(
  {
    goal: promptValue,
    constraints: fc.array(promptValue, { minLength: 1, maxLength: 3 }),
    procedure: fc.array(promptValue, { minLength: 1, maxLength: 3 }),
    outputRequired: fc.dictionary(fc.constantFrom('summary', 'risks', 'files'), text, {
      minKeys: 1,
      maxKeys: 3,
    }),
    verify: fc.array(promptValue, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: ['goal'] },
);
const confirmation = fc.oneof(
  fc.boolean(),
  condition,
  fc.record({ kind: fc.constantFrom('human_approval', 'coordinator_eval') }),
);

function standardStep(id: string) {
  return fc
    .record(
      {
        body: fc.oneof(
          text.map((prompt) => ({ prompt: `${prompt} {{mode}}` })),
          promptBlocks.map((blocks) => ({ promptBlocks: blocks })),
        ),
        runCondition: condition,
        requireConfirmation: confirmation,
        notesOptional: fc.boolean(),
        promptFragments: fc.array(
          fc.record(
            { id: fc.constantFrom('frag-a', 'frag-b'), when: condition, text },
            { requiredKeys: ['id', 'text'] },
          ),
          {
            minLength: 1,
            maxLength: 2,
          },
        ),
        validationCriteria: fc.array(
          fc.record({ type: fc.constant('contains'), value: text, message: text }),
          { minLength: 1, maxLength: 2 },
        ),
        verification: fc.record({ command: text }),
        outputContract: fc.record({ contractRef: fc.constant('wr.contracts.review_verdict') }),
      },
      { requiredKeys: ['body'] },
    )
    .map(({ body, promptFragments, ...rest }) => ({
      id,
      title: `Step ${id}`,
      ...body,
      ...rest,
      ...(promptFragments !== undefined
        ? {
            promptFragments: promptFragments.filter((f, i, all) => all.findIndex((g) => g.id === f.id) === i),
          }
        : {}),
    }));
}

function loopStep(id: string) {
  return fc
    .tuple(
      fc.oneof(
        fc.record({ type: fc.constant('while'), condition, maxIterations: fc.integer({ min: 1, max: 5 }) }),
        fc.record({
          type: fc.constant('forEach'),
          items: fc.constant('things'),
          maxIterations: fc.integer({ min: 1, max: 5 }),
        }),
        fc.record({
          type: fc.constant('for'),
          count: fc.integer({ min: 0, max: 3 }),
          maxIterations: fc.integer({ min: 1, max: 5 }),
        }),
      ),
      fc
        .integer({ min: 1, max: 2 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => standardStep(`${id}-b${i}`)))),
    )
    .map(([loop, body]) => ({ id, type: 'loop', title: `Loop ${id}`, loop, body }));
}

function parallelStep(id: string) {
  return fc
    .array(
      fc.record(
        {
          workflowId: fc.constantFrom('wr.routine-ideation', 'wr.routine-plan-analysis'),
          goal: text,
          runCondition: condition,
        },
        { requiredKeys: ['workflowId'] },
      ),
      {
        minLength: 1,
        maxLength: 2,
      },
    )
    .map((delegations) => ({
      id,
      type: 'parallel',
      title: `Fan ${id}`,
      parallelDelegations: delegations.slice(0, 1),
      synthesis: {},
    }));
}

const definition = fc
  .tuple(
    fc
      .integer({ min: 1, max: 5 })
      .chain((n) =>
        fc.tuple(
          ...Array.from({ length: n }, (_, i) =>
            fc.oneof(
              { weight: 4, arbitrary: standardStep(`s-${i}`) },
              { weight: 1, arbitrary: loopStep(`s-${i}`) },
              { weight: 1, arbitrary: parallelStep(`s-${i}`) },
            ),
          ),
        ),
      ),
    fc.subarray([...knownFeatureIds()]),
    fc.constantFrom(undefined, 'coding', 'review', 'research', 'none'),
  )
  .map(([steps, features, metricsProfile]) => ({
    id: 'prop.flow',
    name: 'Property flow',
    description: 'Generated for property tests.',
    version: '1.0.0',
    steps,
    ...(features.length > 0 ? { features } : {}),
    ...(metricsProfile !== undefined ? { metricsProfile } : {}),
  }));

/** Rebuilds every object with its keys in reverse order (maps whose order is rendered are kept). */
function reverseKeys(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => reverseKeys(item));
  if (typeof value !== 'object' || value === null || key === 'outputRequired') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v, k)]),
  );
}

const stats = { total: 0, failed: 0 };
describe('compileWorkflow properties', () => {
  it('never throws, is deterministic, and ignores key order on generated valid definitions', () => {
    fc.assert(
      fc.property(definition, (json) => {
        const validated = validateWorkflowDefinition(json);
        stats.total++;
        fc.pre(validated.isOk());
        if (validated.isErr()) return;
        const first = compileWorkflow(validated.value);
        if (first.isErr()) {
          stats.failed++;
          expect(first.error.code).toBe('COMPILE_FAILED');
          return;
        }
        const { hash, ...rest } = first.value;
        expect(hash).toBe(canonicalHash(rest));
        expect(compileWorkflow(validated.value)._unsafeUnwrap()).toEqual(first.value);
        const reordered = validateWorkflowDefinition(reverseKeys(json))._unsafeUnwrap();
        expect(compileWorkflow(reordered)._unsafeUnwrap().hash).toBe(hash);
        for (const node of first.value.steps.flatMap((n) => (n.kind === 'loop' ? n.body : [n]))) {
          expect(typeof renderStepPrompt(node, { mode: 'x', slice: { name: 's' } })).toBe('string');
        }
      }),
      { numRuns: 200 },
    );
    // The generator must mostly produce compilable definitions (unknown refs make a few fail on purpose).
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.failed).toBeLessThan(stats.total / 2);
  });
});
