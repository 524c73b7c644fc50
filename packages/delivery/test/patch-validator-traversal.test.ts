import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPatchText, quoteC } from '../src/index.js';

const here = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/third-party');
const lists = [
  'path-traversal/directory_traversal.txt',
  'path-traversal/traversals-8-deep-exotic-encoding.txt',
  'path-traversal/deep_traversal.txt',
  'dotdotpwn/dotdotpwn.txt',
];
const PATH_CODES = new Set(['PATH_TRAVERSAL', 'ABSOLUTE_PATH', 'GIT_DIR']);

/** Every list line, `{FILE}` filled in, as the name of a file a git patch adds (C-quoted when needed). */
const payloads = lists.flatMap((name) =>
  readFileSync(join(here, name), 'utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, '').replace(/\{FILE\}/g, 'etc/passwd'))
    .filter((line) => line.trim() !== ''),
);

function addPatch(path: string): string {
  const b = quoteC(`b/${path}`);
  return `diff --git ${quoteC(`a/${path}`)} ${b}\nnew file mode 100644\n--- /dev/null\n+++ ${b}\n@@ -0,0 +1 @@\n+x\n`;
}

/**
 * A name left alone must be provably harmless: printable ASCII without `\`, `%` or `:`, already in
 * canonical form (no empty, `.` or `..` component), relative, and staying inside the tree when resolved.
 * Such names (`0x2e0x2e/etc/passwd`, `..;/etc/passwd`, `..0x2fetc`) are literal file names on every
 * file system git supports: no layer below git decodes `0x2e` or treats `;` specially.
 */
function provablyHarmless(path: string): boolean {
  if (!/^[A-Za-z0-9._;\-/+=@!~,]+$/.test(path)) return false;
  if (posix.normalize(path) !== path || path.startsWith('/')) return false;
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..' || /^\.+$/.test(s))) return false;
  return posix.resolve('/repo', path).startsWith('/repo/');
}

describe('PayloadsAllTheThings traversal lists, embedded in generated patches', () => {
  it('has the lists (23 000+ lines)', () => {
    expect(payloads.length).toBeGreaterThan(23_000);
  });

  it('rejects every line with a path code, or the line is provably harmless', () => {
    const harmless: string[] = [];
    for (const payload of payloads) {
      const result = checkPatchText(addPatch(payload));
      const rejected = result.reasons.some((r) => PATH_CODES.has(r.code));
      if (rejected) continue;
      expect(result.files[0]?.path, payload).toBe(payload);
      expect(provablyHarmless(payload), payload).toBe(true);
      harmless.push(payload);
    }
    // Only the literal "0x2e"/"0x2f"/"0x5c" spellings, Tomcat's "..;" and plain names are left.
    expect(harmless.every((p) => /0x|\.\.;|^\.htaccess$/.test(p))).toBe(true);
    expect(harmless.length).toBeLessThan(payloads.length / 20);
  }, 120_000);

  it('rejects the classic spellings with the expected code', () => {
    const code = (p: string) => checkPatchText(addPatch(p)).reasons.map((r) => r.code);
    expect(code('../../../etc/passwd')).toContain('PATH_TRAVERSAL');
    expect(code('..%2f..%2fetc/passwd')).toContain('PATH_TRAVERSAL');
    expect(code('%c0%ae%c0%ae/etc/passwd')).toContain('PATH_TRAVERSAL');
    expect(code('..%bg%qfetc')).toContain('PATH_TRAVERSAL');
    expect(code('.../etc/passwd')).toContain('PATH_TRAVERSAL');
    expect(code('C:\\windows\\win.ini')).toContain('ABSOLUTE_PATH');
    expect(code('\\..\\WINDOWS\\win.ini')).toContain('ABSOLUTE_PATH');
  });
});
