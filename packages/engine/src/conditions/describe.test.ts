import { describe, expect, it } from 'vitest';
import type { Condition } from '../definition/condition-schema.js';
import { conditionVariables, describeCondition, explainCondition } from './describe.js';

describe('describeCondition', () => {
  it.each<[Condition | undefined, string]>([
    [undefined, 'always'],
    [{}, 'always'],
    [{ var: 'hasUI' }, 'hasUI'],
    [{ var: 'taskComplexity', equals: 'large' }, 'taskComplexity == "large"'],
    [{ var: 'mode', not_equals: 'QUICK' }, 'mode != "QUICK"'],
    [{ var: 'n', gte: 3 }, 'n >= 3'],
    [{ var: 'n', lt: 1.5 }, 'n < 1.5'],
    [{ var: 'families', contains: 'security' }, 'families contains "security"'],
    [{ var: 'rigorMode', in: ['STANDARD', 'THOROUGH'] }, 'rigorMode in ["STANDARD","THOROUGH"]'],
    [
      { and: [{ var: 'taskComplexity', equals: 'large' }, { not: { var: 'hasUI' } }] },
      'taskComplexity == "large" and not(hasUI)',
    ],
    [{ and: [{ var: 'a' }, { or: [{ var: 'b' }, { var: 'c', equals: 1 }] }] }, 'a and (b or c == 1)'],
    [{ or: [{ var: 'a' }] }, 'a'],
    [{ and: [] }, 'true'],
    [{ or: [] }, 'false'],
  ])('renders %j as %s', (condition, text) => {
    expect(describeCondition(condition)).toBe(text);
  });

  it('marks invalid nodes and cuts long operands', () => {
    expect(describeCondition({ not: { foo: 1 } } as Condition)).toBe('not(<invalid condition>)');
    const long = describeCondition({ var: 'x', equals: 'y'.repeat(500) });
    expect(long.length).toBeLessThan(100);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('conditionVariables', () => {
  it('lists variables in first-seen order without duplicates', () => {
    const condition: Condition = {
      or: [
        { var: 'b', equals: 1 },
        { and: [{ var: 'a' }, { not: { var: 'b' } }, { var: 'ticket.priority', in: ['P1'] }] },
      ],
    };
    expect(conditionVariables(condition)).toEqual(['b', 'a', 'ticket.priority']);
  });

  it('ignores operands that look like conditions and tolerates junk', () => {
    expect(conditionVariables({ var: 'x', equals: { var: 'y' } })).toEqual(['x']);
    expect(conditionVariables(undefined)).toEqual([]);
    expect(conditionVariables({ and: [null, 3, { var: 'z' }] } as unknown as Condition)).toEqual(['z']);
  });
});

describe('explainCondition', () => {
  it('shows each variable value next to its comparison', () => {
    const condition: Condition = {
      and: [
        { var: 'taskComplexity', equals: 'large' },
        { not: { var: 'hasUI' } },
        { var: 'ticket.priority', in: ['P1'] },
      ],
    };
    expect(explainCondition(condition, { taskComplexity: 'small', ticket: { priority: 'P2' } })).toBe(
      'taskComplexity == "large" (was "small") and not(hasUI (was missing)) and ticket.priority in ["P1"] (was "P2")',
    );
  });

  it('is "always" without a condition and never throws', () => {
    expect(explainCondition(undefined, {})).toBe('always');
    const hostile = { var: 'x', equals: 1 } as Condition;
    expect(explainCondition(hostile, null as unknown as Record<string, unknown>)).toBe(
      'x == 1 (was missing)',
    );
  });
});
