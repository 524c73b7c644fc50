import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddedLines } from './diff.js';
import { pathReasons } from './patch/path-safety.js';
import { fillPullRequestTemplate } from './pr-body.js';

const segment = fc
  .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,10}[A-Za-z0-9_-]$/)
  .filter((s) => !s.startsWith('..') && s.toLowerCase() !== '.git');
const safePath = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));

describe('pathReasons properties', () => {
  it('accepts plain relative paths and refuses them once a .. segment is inserted anywhere', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.nat(), (segments, at) => {
        expect(pathReasons(segments.join('/'))).toEqual([]);
        const climbing = [...segments];
        climbing.splice(at % (segments.length + 1), 0, '..');
        expect(pathReasons(climbing.join('/')).map((r) => r.code)).toContain('PATH_TRAVERSAL');
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseAddedLines properties', () => {
  const line = fc.string({ maxLength: 30 }).filter((s) => !s.includes('\n') && !s.includes('\r'));
  const file = fc.record({
    path: safePath,
    hunks: fc.array(
      fc.record({ gap: fc.nat({ max: 20 }), lines: fc.array(line, { minLength: 1, maxLength: 4 }) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  });

  it('recovers every added line with its new-file line number from a -U0 diff', () => {
    fc.assert(
      fc.property(fc.uniqueArray(file, { selector: (f) => f.path, maxLength: 4 }), (files) => {
        const diff: string[] = [];
        const expected: { path: string; line: number; text: string }[] = [];
        for (const f of files) {
          diff.push(`diff --git a/${f.path} b/${f.path}`, `--- a/${f.path}`, `+++ b/${f.path}`);
          let next = 1;
          for (const hunk of f.hunks) {
            const start = next + hunk.gap;
            diff.push(`@@ -${start - 1},0 +${start},${hunk.lines.length} @@`);
            hunk.lines.forEach((text, i) => {
              diff.push(`+${text}`);
              expected.push({ path: f.path, line: start + i, text });
            });
            next = start + hunk.lines.length;
          }
        }
        expect(parseAddedLines(diff.join('\n'))).toEqual(expected);
      }),
    );
  });
});

describe('fillPullRequestTemplate properties', () => {
  it('never throws, always carries the summary and keeps every checklist line', () => {
    const templateLine = fc.oneof(
      fc.constantFrom(
        '## Summary',
        '## Description',
        '### How to test',
        '## Related issue',
        '## Checklist',
        '```',
        '',
      ),
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' ')),
      fc.string({ maxLength: 10 }).map((s) => `- [ ] ${s.replace(/[\r\n]/g, ' ')}`),
    );
    fc.assert(
      fc.property(fc.array(templateLine, { maxLength: 15 }), (lines) => {
        const template = lines.join('\n');
        const body = fillPullRequestTemplate(template, {
          summary: 'SUMMARY-TEXT',
          changes: 'CHANGES-TEXT',
          testing: 'TESTING-TEXT',
          relatedIssue: 'Closes #9',
        });
        expect(body).toContain('SUMMARY-TEXT');
        expect(body).toContain('Closes #9');
        for (const l of lines.filter((x) => /^- \[ \]/.test(x))) expect(body).toContain(l.trim());
      }),
      { numRuns: 300 },
    );
  });
});
