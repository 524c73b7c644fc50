import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from './condition.js';
import { compilePath, queryPath } from './jsonpath.js';
import { renderTemplate } from './template.js';

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);

describe('compilePath / queryPath', () => {
  it('selects members, quoted members, indexes from both ends and wildcards', () => {
    const doc = { a: { 'b c': [1, 2, 3] }, list: [{ x: 1 }, { x: 2 }] };
    const q = (p: string) => queryPath(compilePath(p)._unsafeUnwrap(), doc);
    expect(q('$.a["b c"][0]')).toEqual([1]);
    expect(q("$.a['b c'][-1]")).toEqual([3]);
    expect(q('$.list[*].x')).toEqual([1, 2]);
    expect(q('$.list.*.x')).toEqual([1, 2]);
    expect(q('$.missing.deeper')).toEqual([]);
    expect(q('$')).toEqual([doc]);
  });

  it('rejects what it does not support, with the column', () => {
    expect(compilePath('a.b')._unsafeUnwrapErr()).toContain("must start with '$'");
    expect(compilePath('$..a')._unsafeUnwrapErr()).toContain('recursive descent');
    expect(compilePath('$[?(@.a)]')._unsafeUnwrapErr()).toContain('unsupported selector');
    expect(compilePath('$.a[0')._unsafeUnwrapErr()).toContain("unclosed '['");
  });

  it('finds any value placed at a generated dotted path (property)', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), fc.jsonValue(), (keys, value) => {
        let doc: unknown = value;
        for (const k of [...keys].reverse()) doc = { [k]: doc };
        const path = compilePath(`$.${keys.join('.')}`);
        expect(path.isOk()).toBe(true);
        expect(queryPath(path._unsafeUnwrap(), doc)).toEqual([value]);
      }),
    );
  });

  it('never throws on arbitrary strings and documents (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.jsonValue(), (source, doc) => {
        const c = compilePath(`$${source}`);
        if (c.isOk()) expect(Array.isArray(queryPath(c.value, doc))).toBe(true);
      }),
    );
  });
});

describe('dispatchCondition', () => {
  const payload = {
    action: 'labeled',
    label: { name: 'worktrain:ready' },
    issue: { labels: [{ name: 'a' }, { name: 'b' }], number: 7 },
  };

  it('supports equals, in, matches, exists and all/any/not', () => {
    expect(evaluateCondition({ path: '$.label.name', equals: 'worktrain:ready' }, payload).matched).toBe(
      true,
    );
    expect(evaluateCondition({ path: '$.issue.number', in: [1, 7] }, payload).matched).toBe(true);
    expect(evaluateCondition({ path: '$.issue.labels[*].name', matches: '^b$' }, payload).matched).toBe(true);
    expect(evaluateCondition({ path: '$.issue.assignee', exists: false }, payload).matched).toBe(true);
    expect(
      evaluateCondition(
        {
          all: [
            { path: '$.action', equals: 'labeled' },
            { not: { path: '$.issue.number', equals: 8 } },
            {
              any: [
                { path: '$.x', exists: true },
                { path: '$.issue.number', equals: 7 },
              ],
            },
          ],
        },
        payload,
      ).matched,
    ).toBe(true);
  });

  it('explains a failed leaf', () => {
    expect(evaluateCondition({ path: '$.issue.number', equals: '7' }, payload).reason).toBe(
      'dispatchCondition: $.issue.number is 7, expected to equal "7"',
    );
  });

  it('not(c) always disagrees with c (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.oneof(fc.string(), fc.integer(), fc.boolean()), (doc, v) => {
        const c = { path: '$.a', equals: v };
        const d = { a: doc };
        expect(evaluateCondition({ not: c }, d).matched).toBe(!evaluateCondition(c, d).matched);
      }),
    );
  });
});

describe('goalTemplate', () => {
  it('renders fields and refuses missing ones instead of producing an empty goal', () => {
    expect(
      renderTemplate('Fix #{{$.issue.number}}: {{$.issue.title}}', {
        issue: { number: 3, title: 'Crash' },
      })._unsafeUnwrap(),
    ).toBe('Fix #3: Crash');
    const e = renderTemplate('{{$.issue.title}}', { issue: {} })._unsafeUnwrapErr();
    expect(e).toMatchObject({ code: 'TEMPLATE_FIELD_MISSING', details: { paths: ['$.issue.title'] } });
    expect(renderTemplate('{{$.issue}}', { issue: { a: 1 } })._unsafeUnwrapErr().code).toBe(
      'TEMPLATE_FIELD_MISSING',
    );
  });
});
