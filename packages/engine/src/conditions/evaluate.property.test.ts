import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition } from '../definition/condition-schema.js';
import { conditionVariables, describeCondition } from './describe.js';
import { evaluateCondition } from './evaluate.js';

const NAMES = ['size', 'hasUI', 'n', 'ticket.priority', 'list'] as const;

/** Well-formed conditions over a few variable names, with every operator of the language. */
const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ var: fc.constantFrom(...NAMES) }),
    fc.record({ var: fc.constantFrom(...NAMES), equals: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ var: fc.constantFrom(...NAMES), not_equals: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ var: fc.constantFrom(...NAMES), gt: fc.double({ noNaN: true }) }),
    fc.record({ var: fc.constantFrom(...NAMES), lte: fc.integer() }),
    fc.record({ var: fc.constantFrom(...NAMES), contains: fc.string({ maxLength: 4 }) }),
    fc.record({
      var: fc.constantFrom(...NAMES),
      in: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
    }),
    fc.record({ and: fc.array(tie('condition'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('condition'), { maxLength: 3 }) }),
    fc.record({ not: tie('condition') }),
  ),
})).condition;

const scalarArb = fc.oneof(
  fc.constantFrom('small', 'Large', 'true', 'yes', '0', '', ' 3 '),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  fc.constant(null),
);

const contextArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    size: scalarArb,
    hasUI: scalarArb,
    n: scalarArb,
    ticket: fc.record({ priority: scalarArb }, { requiredKeys: [] }),
    list: fc.array(scalarArb, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

describe('evaluateCondition properties', () => {
  it('never throws on arbitrary JSON conditions and contexts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (condition, context) => {
        const result = evaluateCondition(condition as Condition, context as Record<string, unknown>);
        expect(typeof result).toBe('boolean');
        expect(typeof describeCondition(condition as Condition)).toBe('string');
        expect(Array.isArray(conditionVariables(condition as Condition))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JavaScript values', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (condition, context) => {
        expect(typeof evaluateCondition(condition as Condition, context as Record<string, unknown>)).toBe(
          'boolean',
        );
        expect(typeof describeCondition(condition as Condition)).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('not inverts every well-formed condition', () => {
    fc.assert(
      fc.property(conditionArb, contextArb, (condition, context) => {
        expect(evaluateCondition({ not: condition }, context)).toBe(!evaluateCondition(condition, context));
      }),
    );
  });

  it('satisfies De Morgan laws', () => {
    fc.assert(
      fc.property(conditionArb, conditionArb, contextArb, (a, b, context) => {
        expect(evaluateCondition({ not: { and: [a, b] } }, context)).toBe(
          evaluateCondition({ or: [{ not: a }, { not: b }] }, context),
        );
        expect(evaluateCondition({ not: { or: [a, b] } }, context)).toBe(
          evaluateCondition({ and: [{ not: a }, { not: b }] }, context),
        );
      }),
    );
  });

  it('and / or agree with the boolean operators on their parts', () => {
    fc.assert(
      fc.property(fc.array(conditionArb, { maxLength: 4 }), contextArb, (parts, context) => {
        const values = parts.map((part) => evaluateCondition(part, context));
        expect(evaluateCondition({ and: parts }, context)).toBe(values.every(Boolean));
        expect(evaluateCondition({ or: parts }, context)).toBe(values.some(Boolean));
      }),
    );
  });

  it('equals is reflexive for any JSON value present in the context', () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (name, value) => {
        const context = Object.fromEntries([[name, value]]);
        expect(evaluateCondition({ var: name, equals: structuredClone(value) }, context)).toBe(true);
        expect(evaluateCondition({ var: name, not_equals: structuredClone(value) }, context)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and does not depend on object identity', () => {
    fc.assert(
      fc.property(conditionArb, contextArb, (condition, context) => {
        const first = evaluateCondition(condition, context);
        expect(evaluateCondition(condition, context)).toBe(first);
        expect(evaluateCondition(structuredClone(condition), structuredClone(context))).toBe(first);
      }),
    );
  });

  it('reports only variables the condition names, without duplicates', () => {
    fc.assert(
      fc.property(conditionArb, (condition) => {
        const text = JSON.stringify(condition);
        for (const name of conditionVariables(condition)) {
          expect(NAMES).toContain(name);
          expect(text).toContain(`"var":${JSON.stringify(name)}`);
        }
        const names = conditionVariables(condition);
        expect(new Set(names).size).toBe(names.length);
      }),
    );
  });
});
