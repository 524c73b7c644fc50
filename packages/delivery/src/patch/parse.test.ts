import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPatchText } from './check.js';
import { parsePatch } from './parse.js';
import { quoteC } from './quote.js';

interface SimpleFile {
  readonly path: string;
  readonly op: 'add' | 'delete' | 'modify';
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
}

/** Formats one file as `git diff` would with a single hunk covering the whole file. */
function format(f: SimpleFile): string {
  const oldLines = f.op === 'add' ? [] : f.oldLines;
  const newLines = f.op === 'delete' ? [] : f.newLines;
  const a = quoteC(`a/${f.path}`);
  const b = quoteC(`b/${f.path}`);
  const head = [`diff --git ${a} ${b}`];
  if (f.op === 'add') head.push('new file mode 100644');
  if (f.op === 'delete') head.push('deleted file mode 100644');
  head.push(`--- ${f.op === 'add' ? '/dev/null' : a}`, `+++ ${f.op === 'delete' ? '/dev/null' : b}`);
  const range = (n: number) => `${n === 0 ? 0 : 1},${n}`;
  head.push(`@@ -${range(oldLines.length)} +${range(newLines.length)} @@`);
  return [...head, ...oldLines.map((l) => `-${l}`), ...newLines.map((l) => `+${l}`), ''].join('\n');
}

const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_ .ä"\t-]{0,8}$/).filter((s) => !/[. ]$/.test(s));
const line = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\n\r]/g, ''));
const simpleFile: fc.Arbitrary<SimpleFile> = fc
  .record({
    path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
    op: fc.constantFrom('add', 'delete', 'modify' as const),
    oldLines: fc.array(line, { minLength: 1, maxLength: 5 }),
    newLines: fc.array(line, { minLength: 1, maxLength: 5 }),
  })
  .map((f) => ({ ...f, op: f.op as SimpleFile['op'] }));

describe('parsePatch', () => {
  it('round-trips generated simple diffs (paths, operations, hunk bodies)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(simpleFile, { minLength: 1, maxLength: 4, selector: (f) => f.path }),
        (files) => {
          const parsed = parsePatch(files.map(format).join(''));
          expect(parsed.errors).toEqual([]);
          expect(parsed.files).toHaveLength(files.length);
          files.forEach((f, i) => {
            const p = parsed.files[i];
            expect(p?.operation).toBe(f.op);
            expect(p?.oldPath).toBe(f.op === 'add' ? null : f.path);
            expect(p?.newPath).toBe(f.op === 'delete' ? null : f.path);
            const body = p?.hunks.flatMap((h) => h.lines) ?? [];
            expect(body.filter((l) => l.startsWith('+')).map((l) => l.slice(1))).toEqual(
              f.op === 'delete' ? [] : f.newLines,
            );
            expect(body.filter((l) => l.startsWith('-')).map((l) => l.slice(1))).toEqual(
              f.op === 'add' ? [] : f.oldLines,
            );
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary text, nor on shuffled patch-like lines, and says where it is broken', () => {
    const vocab = fc.constantFrom(
      'diff --git a/x b/x',
      'diff --git "a/\\300\\256" b/y',
      'diff --git "a/unterminated',
      '--- a/x',
      '+++ b/x',
      '--- /dev/null',
      '@@ -1,2 +1,3 @@',
      '@@ -0,0 +1 @@',
      '@@ -99999999999 +1 @@',
      '@@ garbage',
      '+added',
      '-removed',
      ' context',
      '',
      '\\ No newline at end of file',
      'new file mode 100755',
      'deleted file mode 120000',
      'old mode 160000',
      'rename from a',
      'rename to b',
      'copy from c',
      'similarity index 90%',
      'index abcdef0..1234567 100644',
      'GIT binary patch',
      'literal 5',
      'delta 3',
      'McmZQzWcvRP00RpG0RR91',
      'Binary files a/x and b/x differ',
    );
    const patchLike = fc.array(vocab, { maxLength: 40 }).map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), patchLike), (text) => {
        const parsed = parsePatch(text);
        for (const e of parsed.errors) expect(e.line).toBeGreaterThanOrEqual(1);
        const checked = checkPatchText(text);
        if (parsed.errors.length > 0) expect(checked.reasons.map((r) => r.code)).toContain('MALFORMED');
      }),
      { numRuns: 500 },
    );
  });

  it('stays fast on hostile input: long header lines and huge hunk counts', () => {
    const start = Date.now();
    const spaces = `diff --git ${'a/x '.repeat(20_000)}`;
    const hugeCount = `diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,999999999 +1,999999999 @@\n${' c\n'.repeat(50_000)}`;
    const quotes = `diff --git "${'\\\\'.repeat(100_000)}`;
    for (const text of [spaces, hugeCount, quotes]) expect(parsePatch(text).errors.length).toBeGreaterThan(0);
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('reads modes, index lines, renames, copies, binary and symlink sections', () => {
    const text = [
      'From: someone',
      'Subject: [PATCH] things',
      '',
      'diff --git a/old.txt b/new.txt',
      'similarity index 95%',
      'rename from old.txt',
      'rename to new.txt',
      'index 1234567..89abcde 100644',
      '--- a/old.txt',
      '+++ b/new.txt',
      '@@ -1 +1 @@',
      '-a',
      '\\ No newline at end of file',
      '+b',
      'diff --git a/link b/link',
      'new file mode 120000',
      'index 0000000..1111111',
      '--- /dev/null',
      '+++ b/link',
      '@@ -0,0 +1 @@',
      '+target',
      '\\ No newline at end of file',
      'diff --git a/sub b/sub',
      'index 1111111..2222222 160000',
      '--- a/sub',
      '+++ b/sub',
      '@@ -1 +1 @@',
      '-Subproject commit 1111111111111111111111111111111111111111',
      '+Subproject commit 2222222222222222222222222222222222222222',
      'diff --git a/img.png b/img.png',
      'index 1111111..2222222 100644',
      'Binary files a/img.png and b/img.png differ',
      'diff --git "a/t\\303\\244b" "b/t\\303\\244b"',
      'old mode 100644',
      'new mode 100755',
      '',
    ].join('\n');
    const p = parsePatch(text);
    expect(p.errors).toEqual([]);
    expect(p.files.map((f) => [f.operation, f.oldPath, f.newPath, f.oldMode, f.newMode, f.binary])).toEqual([
      ['rename', 'old.txt', 'new.txt', '100644', '100644', false],
      ['add', null, 'link', null, '120000', false],
      ['modify', 'sub', 'sub', '160000', '160000', false],
      ['modify', 'img.png', 'img.png', '100644', '100644', true],
      ['modify', 'täb', 'täb', '100644', '100755', false],
    ]);
    expect(p.files[0]?.similarity).toBe(95);
    expect(p.files[0]?.hunks[0]?.lines).toEqual(['-a', '\\ No newline at end of file', '+b']);
    expect(new Set(p.files.map((f) => f.sha256)).size).toBe(5);
  });
});
