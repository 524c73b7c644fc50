import { describe, expect, it } from 'vitest';
import { isGitDirName, pathReasons } from './path-safety.js';

const codes = (p: string, issues: string[] = []) => pathReasons(p, issues).map((r) => r.code);

describe('pathReasons', () => {
  it('accepts plain relative paths', () => {
    for (const p of ['src/index.ts', 'a b/c-d_e.f', 'docs/ünïcödé.md', '.github/CODEOWNERS', 'x/.gitignore'])
      expect(codes(p), p).toEqual([]);
  });

  it('finds .git in every spelling git itself refuses', () => {
    for (const name of [
      '.git',
      '.GIT',
      '.Git',
      'git~1',
      'GIT~12',
      '.git.',
      '.git ',
      '.g\u200cit',
      '.git\ufeff',
    ])
      expect(isGitDirName(name), JSON.stringify(name)).toBe(true);
    expect(isGitDirName('.github')).toBe(false);
    expect(isGitDirName('.gitignore')).toBe(false);
    expect(codes('a/.Git/hooks/x')).toContain('GIT_DIR');
    expect(codes('.git::$INDEX_ALLOCATION/config')).toContain('PATH_TRAVERSAL');
  });

  it('absolute paths', () => {
    for (const p of ['/etc/passwd', '\\\\server\\share', 'C:/x', 'c:x', '~/.ssh/authorized_keys'])
      expect(codes(p), p).toContain('ABSOLUTE_PATH');
  });

  it('non-canonical and encoded forms', () => {
    for (const p of [
      'a//b',
      './a',
      'a/./b',
      'a/..',
      'a\\b',
      'a%2fb',
      'a%u2215b',
      '..\u2215x',
      'a\u2024\u2024/b',
      'a\u0000b',
      'dir./x',
      '...',
    ])
      expect(codes(p), JSON.stringify(p)).toContain('PATH_TRAVERSAL');
    expect(codes('a', ['overlong UTF-8 sequence in file name'])).toEqual(['PATH_TRAVERSAL']);
  });
});
