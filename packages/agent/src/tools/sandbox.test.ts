import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInWorktree, worktreeRoot } from './sandbox.js';

let base: string;
let wt: string;
beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-sandbox-')));
  wt = join(base, 'wt');
  mkdirSync(join(wt, 'src'), { recursive: true });
  writeFileSync(join(wt, 'src', 'a.ts'), 'a');
  mkdirSync(join(base, 'wtb'));
  writeFileSync(join(base, 'wtb', 'secret.txt'), 'secret');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function code(path: unknown): string {
  const r = resolveInWorktree(wt, path);
  return r.isOk() ? 'OK' : r.error.code;
}

describe('resolveInWorktree', () => {
  it('resolves relative and absolute paths inside the worktree', () => {
    expect(resolveInWorktree(wt, 'src/a.ts')._unsafeUnwrap()).toBe(join(wt, 'src', 'a.ts'));
    expect(resolveInWorktree(wt, join(wt, 'src/a.ts'))._unsafeUnwrap()).toBe(join(wt, 'src', 'a.ts'));
    expect(resolveInWorktree(wt, 'new/dir/file.ts')._unsafeUnwrap()).toBe(join(wt, 'new', 'dir', 'file.ts'));
    expect(resolveInWorktree(wt, '.')._unsafeUnwrap()).toBe(wt);
  });

  it('refuses .. segments even when they would stay inside', () => {
    expect(code('../wtb/secret.txt')).toBe('PATH_TRAVERSAL');
    expect(code('src/../src/a.ts')).toBe('PATH_TRAVERSAL');
  });

  it('refuses absolute paths outside and prefix siblings', () => {
    expect(code('/etc/passwd')).toBe('PATH_OUTSIDE_WORKTREE');
    expect(code(join(base, 'wtb', 'secret.txt'))).toBe('PATH_OUTSIDE_WORKTREE');
    expect(code(`${wt}b/secret.txt`)).toBe('PATH_OUTSIDE_WORKTREE');
  });

  it('refuses NUL bytes, backslashes, encodings, empty and non-string paths', () => {
    expect(code('src/a.ts\0.png')).toBe('PATH_INVALID');
    expect(code('..\\..\\etc\\passwd')).toBe('PATH_INVALID');
    expect(code('%2e%2e/%2e%2e/etc/passwd')).toBe('PATH_ENCODED');
    expect(code('..%c0%af..%c0%afetc')).toBe('PATH_ENCODED');
    expect(code('%u002e%u002e/x')).toBe('PATH_ENCODED');
    expect(code('')).toBe('PATH_INVALID');
    expect(code(42)).toBe('PATH_INVALID');
    expect(code('a'.repeat(5000))).toBe('PATH_INVALID');
  });

  it('refuses symlink escapes through a directory, a file and a dangling link', () => {
    symlinkSync(join(base, 'wtb'), join(wt, 'outdir'));
    symlinkSync(join(base, 'wtb', 'secret.txt'), join(wt, 'outfile'));
    symlinkSync(join(base, 'wtb', 'nothing-yet'), join(wt, 'dangling'));
    expect(code('outdir/secret.txt')).toBe('SYMLINK_ESCAPE');
    expect(code('outdir/new-file')).toBe('SYMLINK_ESCAPE');
    expect(code('outfile')).toBe('SYMLINK_ESCAPE');
    expect(code('dangling')).toBe('SYMLINK_ESCAPE');
  });

  it('follows symlinks that stay inside the worktree', () => {
    symlinkSync(join(wt, 'src'), join(wt, 'alias'));
    expect(resolveInWorktree(wt, 'alias/a.ts')._unsafeUnwrap()).toBe(join(wt, 'src', 'a.ts'));
  });

  it('reports a deleted worktree as WORKTREE_MISSING', () => {
    rmSync(wt, { recursive: true });
    expect(code('src/a.ts')).toBe('WORKTREE_MISSING');
    expect(worktreeRoot(wt).isErr()).toBe(true);
  });

  it('works when the worktree path itself goes through a symlink', () => {
    symlinkSync(wt, join(base, 'link-to-wt'));
    expect(resolveInWorktree(join(base, 'link-to-wt'), 'src/a.ts')._unsafeUnwrap()).toBe(
      join(wt, 'src', 'a.ts'),
    );
  });
});
