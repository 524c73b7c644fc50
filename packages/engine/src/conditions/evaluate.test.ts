import { describe, expect, it } from 'vitest';
import type { Condition } from '../definition/condition-schema.js';
import { evaluateCondition, readVariable } from './evaluate.js';

/** Lets tests pass shapes the `Condition` type forbids, as untrusted workflow JSON can. */
function raw(value: unknown): Condition {
  return value as Condition;
}

describe('evaluateCondition: missing and empty conditions', () => {
  it.each([undefined, raw(null), raw('x'), raw(3), raw({}), raw([])])(
    'treats %j as always true',
    (condition) => {
      expect(evaluateCondition(condition, {})).toBe(true);
    },
  );
});

describe('evaluateCondition: equals / not_equals (WorkRail lenient comparison)', () => {
  const cases: Array<[unknown, unknown, boolean]> = [
    ['large', 'large', true],
    ['Large ', 'large', true],
    ['small', 'large', false],
    ['10', 10, true],
    [10, '10.0', true],
    ['', 0, false],
    ['ten', 10, false],
    ['true', true, true],
    ['Yes', true, true],
    ['1', true, true],
    ['no', false, true],
    ['0', false, true],
    ['maybe', true, false],
    [true, 'TRUE', true],
    [true, true, true],
    [true, 1, false],
    [null, null, true],
    [undefined, null, true],
    [undefined, 'x', false],
    [[1, 'A'], [1, 'a'], true],
    [{ a: 1 }, { a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [[1], { 0: 1 }, false],
  ];
  it.each(cases)('value %j equals %j is %s', (value, operand, expected) => {
    const context = value === undefined ? {} : { v: value };
    expect(evaluateCondition({ var: 'v', equals: operand }, context)).toBe(expected);
    expect(evaluateCondition({ var: 'v', not_equals: operand }, context)).toBe(!expected);
  });

  it('compares against an explicit undefined operand as null (key present wins over later operators)', () => {
    expect(evaluateCondition(raw({ var: 'v', equals: undefined, gt: 100 }), {})).toBe(true);
  });
});

describe('evaluateCondition: numeric operators', () => {
  it('compares numbers', () => {
    expect(evaluateCondition({ var: 'n', gt: 2 }, { n: 3 })).toBe(true);
    expect(evaluateCondition({ var: 'n', gt: 3 }, { n: 3 })).toBe(false);
    expect(evaluateCondition({ var: 'n', gte: 3 }, { n: 3 })).toBe(true);
    expect(evaluateCondition({ var: 'n', lt: 3 }, { n: 2.5 })).toBe(true);
    expect(evaluateCondition({ var: 'n', lte: 3 }, { n: 4 })).toBe(false);
  });

  it('is false for non-number values, like WorkRail (no string coercion)', () => {
    expect(evaluateCondition({ var: 'n', gt: 2 }, { n: '3' })).toBe(false);
    expect(evaluateCondition({ var: 'n', lt: 2 }, {})).toBe(false);
    expect(evaluateCondition({ var: 'n', lte: 2 }, { n: null })).toBe(false);
  });

  it('treats a non-number operand as an invalid condition (false, even under not)', () => {
    expect(evaluateCondition(raw({ var: 'n', gt: '2' }), { n: 3 })).toBe(false);
    expect(evaluateCondition(raw({ not: { var: 'n', gt: '2' } }), { n: 3 })).toBe(false);
  });
});

describe('evaluateCondition: text operators and in', () => {
  it('contains is case-insensitive on strings', () => {
    expect(evaluateCondition({ var: 's', contains: 'SEC' }, { s: 'security review' })).toBe(true);
    expect(evaluateCondition({ var: 's', contains: 'ux' }, { s: 'security' })).toBe(false);
  });

  it('contains reads arrays as their comma-joined elements (WorkRail String(array))', () => {
    const context = { families: ['correctness_invariants', 'security'] };
    expect(evaluateCondition({ var: 'families', contains: 'security' }, context)).toBe(true);
    expect(evaluateCondition({ var: 'families', contains: 'ux' }, context)).toBe(false);
  });

  it('contains on a missing variable only matches the empty string', () => {
    expect(evaluateCondition({ var: 'missing', contains: 'a' }, {})).toBe(false);
    expect(evaluateCondition({ var: 'missing', contains: '' }, {})).toBe(true);
  });

  it('supports startsWith / endsWith like WorkRail', () => {
    expect(evaluateCondition(raw({ var: 's', startsWith: 'feat' }), { s: 'Feature/x' })).toBe(true);
    expect(evaluateCondition(raw({ var: 's', endsWith: '/X' }), { s: 'feature/x' })).toBe(true);
    expect(evaluateCondition(raw({ var: 's', endsWith: 'y' }), { s: 'feature/x' })).toBe(false);
  });

  it('in matches any item with lenient equality', () => {
    const condition: Condition = { var: 'rigorMode', in: ['STANDARD', 'THOROUGH'] };
    expect(evaluateCondition(condition, { rigorMode: 'thorough' })).toBe(true);
    expect(evaluateCondition(condition, { rigorMode: 'QUICK' })).toBe(false);
    expect(evaluateCondition(condition, {})).toBe(false);
    expect(evaluateCondition({ var: 'n', in: [1, 2] }, { n: '2' })).toBe(true);
    expect(evaluateCondition(raw({ var: 'n', in: 'abc' }), { n: 'a' })).toBe(false);
  });
});

describe('evaluateCondition: truthiness and variables', () => {
  it.each([
    [true, true],
    ['yes', true],
    [1, true],
    [[], true],
    [false, false],
    [0, false],
    ['', false],
    [null, false],
  ])('var alone with value %j is %s', (value, expected) => {
    expect(evaluateCondition({ var: 'flag' }, { flag: value })).toBe(expected);
  });

  it('a missing variable is falsy and equals null', () => {
    expect(evaluateCondition({ var: 'flag' }, {})).toBe(false);
    expect(evaluateCondition({ var: 'flag', equals: null }, {})).toBe(true);
    expect(evaluateCondition({ var: 'flag', not_equals: 'x' }, {})).toBe(true);
  });

  it('reads dot paths through objects and arrays when no exact key exists', () => {
    const context = { ticket: { priority: 'P1', labels: ['bug', 'ui'] }, 'a.b': 'exact' };
    expect(evaluateCondition({ var: 'ticket.priority', equals: 'p1' }, context)).toBe(true);
    expect(evaluateCondition({ var: 'ticket.labels.1', equals: 'ui' }, context)).toBe(true);
    expect(evaluateCondition({ var: 'a.b', equals: 'exact' }, context)).toBe(true);
    expect(evaluateCondition({ var: 'ticket.missing.deep' }, context)).toBe(false);
    expect(readVariable(context, 'ticket.labels.01')).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    expect(evaluateCondition({ var: 'constructor' }, {})).toBe(false);
    expect(evaluateCondition({ var: 'toString' }, {})).toBe(false);
    expect(evaluateCondition({ var: 'a.__proto__' }, { a: {} })).toBe(false);
  });
});

describe('evaluateCondition: logic', () => {
  const context = { complexity: 'large', hasUI: false, n: 3 };

  it('combines with and / or / not', () => {
    expect(
      evaluateCondition(
        { and: [{ var: 'complexity', equals: 'large' }, { not: { var: 'hasUI' } }] },
        context,
      ),
    ).toBe(true);
    expect(evaluateCondition({ or: [{ var: 'hasUI' }, { var: 'n', gt: 5 }] }, context)).toBe(false);
    expect(evaluateCondition({ or: [{ var: 'hasUI' }, { var: 'n', gt: 2 }] }, context)).toBe(true);
  });

  it('and [] is true and or [] is false', () => {
    expect(evaluateCondition({ and: [] }, {})).toBe(true);
    expect(evaluateCondition({ or: [] }, {})).toBe(false);
  });

  it('var takes precedence over logical keys, like WorkRail', () => {
    expect(evaluateCondition(raw({ var: 'hasUI', or: [{ var: 'n' }] }), context)).toBe(false);
  });

  it('an invalid node makes the whole condition false, after short-circuiting', () => {
    expect(evaluateCondition(raw({ not: { and: [{ var: 'n' }, {}] } }), context)).toBe(false);
    expect(evaluateCondition(raw({ or: [{ var: 'n' }, 'junk'] }), context)).toBe(true);
    expect(evaluateCondition(raw({ and: [{ var: 'hasUI' }, 'junk'] }), context)).toBe(false);
    expect(evaluateCondition(raw({ not: { foo: 1 } }), context)).toBe(false);
    expect(evaluateCondition(raw({ and: 'x' }), context)).toBe(false);
    expect(evaluateCondition(raw({ var: 7 }), context)).toBe(false);
  });

  it('does not throw on very deep nesting or throwing getters', () => {
    let deep: unknown = { var: 'n' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(evaluateCondition(raw(deep), context)).toBe(false);
    const hostile = Object.defineProperty({}, 'var', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(evaluateCondition(raw(hostile), context)).toBe(false);
  });
});
