import { describe, expect, it } from 'vitest';
import { parseAddedLines, parseNumstatZ, parseRawZ } from './diff.js';

describe('diff parsers', () => {
  it('numbers added lines per file from -U0 hunks, including quoted paths', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -3,0 +4,2 @@ fn',
      '+one',
      '+two',
      '@@ -10 +12 @@',
      '-old',
      '+new',
      'diff --git "a/sp ace\\tx" "b/sp ace\\tx"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "b/sp ace\\tx"',
      '@@ -0,0 +1 @@',
      '+hello',
      'diff --git a/gone b/gone',
      '--- a/gone',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
    ].join('\n');
    expect(parseAddedLines(diff)).toEqual([
      { path: 'src/a.ts', line: 4, text: 'one' },
      { path: 'src/a.ts', line: 5, text: 'two' },
      { path: 'src/a.ts', line: 12, text: 'new' },
      { path: 'sp ace\tx', line: 1, text: 'hello' },
    ]);
  });

  it('parses raw and numstat -z output', () => {
    const raw = `:000000 120000 ${'0'.repeat(40)} ${'a'.repeat(40)} A\0link\0:100644 000000 ${'b'.repeat(40)} ${'0'.repeat(40)} D\0old.ts\0`;
    expect(parseRawZ(raw)).toEqual([
      { path: 'link', status: 'added', oldMode: null, newMode: '120000', newSha: 'a'.repeat(40) },
      { path: 'old.ts', status: 'deleted', oldMode: '100644', newMode: null, newSha: null },
    ]);
    expect(parseNumstatZ('3\t1\tsrc/a.ts\0-\t-\tlogo.png\0')).toEqual(
      new Map([
        ['src/a.ts', { insertions: 3, deletions: 1 }],
        ['logo.png', { insertions: null, deletions: null }],
      ]),
    );
  });
});
