import { describe, expect, it } from 'vitest';
import { pathReasons } from './patch/path-safety.js';
import { symlinkEscapes, targetMatcher } from './patch/rules.js';
import { checkPatch, type FileChange } from './patch-check.js';

const file = (path: string, extra: Partial<FileChange> = {}): FileChange => ({
  path,
  status: 'modified',
  oldMode: '100644',
  newMode: '100644',
  insertions: 1,
  deletions: 1,
  newSize: 10,
  ...extra,
});

describe('pathReasons (the one path rule set of the daemon and the CLI)', () => {
  it.each([
    ['../etc/passwd', 'PATH_TRAVERSAL'],
    ['src/../../x', 'PATH_TRAVERSAL'],
    ['/etc/passwd', 'ABSOLUTE_PATH'],
    ['C:/Windows/x', 'ABSOLUTE_PATH'],
    ['src/..hidden/x', 'PATH_TRAVERSAL'],
    ['src\\..\\..\\x', 'PATH_TRAVERSAL'],
    ['src/%2e%2e/%2e%2e/x', 'PATH_TRAVERSAL'],
    ['..%2fx', 'PATH_TRAVERSAL'],
    ['.git/hooks/pre-commit', 'GIT_DIR'],
    ['sub/.GIT/config', 'GIT_DIR'],
    ['GIT~1/config', 'GIT_DIR'],
    ['.git./config', 'PATH_TRAVERSAL'],
    ['src//x', 'PATH_TRAVERSAL'],
    ['./src/x', 'PATH_TRAVERSAL'],
    ['src/.../x', 'PATH_TRAVERSAL'],
    ['file.txt::$DATA', 'PATH_TRAVERSAL'],
    ['src/C:/boot.ini', 'PATH_TRAVERSAL'],
  ])('rejects %s with %s', (path, code) => {
    expect(pathReasons(path)[0]?.code).toBe(code);
  });

  it('accepts ordinary paths, including dotfiles and dots inside names', () => {
    for (const path of [
      'src/a.ts',
      '.eslintrc.json',
      'docs/v1..2.md',
      'a/.gitignore',
      '.github/workflows/ci.yml',
      'a b/c d.ts',
    ])
      expect(pathReasons(path)).toEqual([]);
  });
});

describe('symlinkEscapes', () => {
  it('flags absolute, climbing and .git targets, and accepts links inside the tree', () => {
    expect(symlinkEscapes('link', '/etc/passwd')).toBe(true);
    expect(symlinkEscapes('a/link', '../../outside')).toBe(true);
    expect(symlinkEscapes('link', '.git/config')).toBe(true);
    expect(symlinkEscapes('a/link', '../b/file.ts')).toBe(false);
    expect(symlinkEscapes('link', 'src/a.ts')).toBe(false);
  });
});

describe('targetMatcher', () => {
  it('matches globs, exact paths and directories named plainly', () => {
    const match = targetMatcher(['src/**/*.ts', 'README.md', 'docs/']);
    expect(match('src/x/y.ts')).toBe(true);
    expect(match('README.md')).toBe(true);
    expect(match('docs/guide/a.md')).toBe(true);
    expect(match('package.json')).toBe(false);
    expect(match('src/x/y.js')).toBe(false);
    expect(targetMatcher([])('anything')).toBe(false);
  });
});

describe('checkPatch', () => {
  const targets = ['src/**', '.github/**'];

  it('passes a change inside its targets', () => {
    expect(checkPatch([file('src/a.ts')], [], { targets })).toEqual({
      ok: true,
      blocking: [],
      needsApproval: [],
    });
  });

  it('blocks paths outside the targets, gitlinks, escaping symlinks, binaries and oversize files', () => {
    const verdict = checkPatch(
      [
        file('package.json'),
        file('src/vendor', { newMode: '160000' }),
        file('src/link', { status: 'added', oldMode: null, newMode: '120000', symlinkTarget: '/etc/shadow' }),
        file('src/big.bin', { newSize: 5_000_000, insertions: null, deletions: null }),
      ],
      [],
      { targets },
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.blocking.map((r) => [r.code, r.path])).toEqual([
      ['OUTSIDE_TARGETS', 'package.json'],
      ['GITLINK', 'src/vendor'],
      ['SYMLINK', 'src/link'],
      ['BINARY', 'src/big.bin'],
      ['TOO_LARGE', 'src/big.bin'],
    ]);
  });

  it('caps files and changed lines', () => {
    const many = Array.from({ length: 4 }, (_, i) => file(`src/f${i}.ts`, { insertions: 30 }));
    const verdict = checkPatch(many, [], { targets, maxFiles: 3, maxChangedLines: 100 });
    expect(verdict.blocking.map((r) => r.code)).toEqual(['TOO_MANY_FILES', 'TOO_MANY_LINES']);
  });

  it('asks approval for protected paths unless approved', () => {
    const changes = [file('.github/workflows/ci.yml')];
    const verdict = checkPatch(changes, [], { targets });
    expect(verdict).toMatchObject({ ok: false, blocking: [] });
    expect(verdict.needsApproval.map((r) => [r.code, r.path])).toEqual([
      ['PROTECTED_PATH', '.github/workflows/ci.yml'],
    ]);
    expect(checkPatch(changes, [], { targets, approvedProtectedPaths: ['.github/workflows/*.yml'] }).ok).toBe(
      true,
    );
    expect(checkPatch(changes, [], { targets, approvedProtectedPaths: true }).ok).toBe(true);
  });

  it('rejects secrets in added lines with file:line and a masked value', () => {
    const secret = `ghp_${'Q'.repeat(20)}${'r7'.repeat(8)}`;
    const verdict = checkPatch(
      [file('src/a.ts')],
      [{ path: 'src/a.ts', line: 12, text: `const t = '${secret}'` }],
      { targets },
    );
    expect(verdict.blocking).toHaveLength(1);
    expect(verdict.blocking[0]).toMatchObject({ code: 'SECRET', path: 'src/a.ts', line: 12 });
    expect(verdict.blocking[0]?.message).toContain('src/a.ts:12');
    expect(verdict.blocking[0]?.message).toContain('ghp_****');
    expect(JSON.stringify(verdict)).not.toContain(secret);
  });
});
