import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesJql, parseJql } from './jql.js';

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/);
const issue = fc.record({
  key: fc.tuple(fc.constantFrom('WT', 'OPS'), fc.integer({ min: 1, max: 50 })).map(([p, n]) => `${p}-${n}`),
  project: fc.constantFrom('WT', 'OPS'),
  status: fc.constantFrom('To Do', 'In Review', 'Done'),
  labels: fc.array(word, { maxLength: 3 }),
});

describe('JQL subset of the fake Jira', () => {
  it('`key in (…)` selects exactly the listed keys, `not in` the rest (any case, quoted or not)', () => {
    fc.assert(
      fc.property(
        fc.array(issue, { maxLength: 10 }),
        fc.array(issue, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (all, picked, quote) => {
          const keys = picked.map((p) => p.key);
          const list = keys.map((k) => (quote ? `"${k.toLowerCase()}"` : k)).join(', ');
          const inClause = parseJql(`key in (${list}) ORDER BY created DESC`);
          const notIn = parseJql(`key not in (${list})`);
          if (!inClause.ok || !notIn.ok) throw new Error('parse failed');
          for (const i of all) {
            const expected = keys.includes(i.key);
            expect(matchesJql(inClause.clauses, i)).toBe(expected);
            expect(matchesJql(notIn.clauses, i)).toBe(!expected);
          }
        },
      ),
    );
  });

  it('AND of clauses is the conjunction of each clause alone', () => {
    fc.assert(
      fc.property(
        issue,
        fc.constantFrom('WT', 'OPS'),
        fc.constantFrom('To Do', 'In Review', 'Done'),
        word,
        (i, project, status, label) => {
          const clauses = [`project = ${project}`, `status = "${status}"`, `labels = ${label}`];
          const each = clauses.map((c) => {
            const p = parseJql(c);
            if (!p.ok) throw new Error(c);
            return matchesJql(p.clauses, i);
          });
          const all = parseJql(clauses.join(' and '));
          if (!all.ok) throw new Error('parse failed');
          expect(matchesJql(all.clauses, i)).toBe(each.every(Boolean));
        },
      ),
    );
  });

  it('rejects fields and operators outside the subset with a message', () => {
    for (const jql of [
      'summary ~ "x"',
      'assignee = currentUser()',
      'key > WT-1',
      'project = WT OR key = WT-1',
      'key in ()',
    ]) {
      const parsed = parseJql(jql);
      expect(parsed.ok, jql).toBe(false);
    }
  });
});
