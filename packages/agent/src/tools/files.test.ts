import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEditFileTool, createReadFileTool, createWriteFileTool } from './files.js';
import { createGlobTool, createGrepTool } from './search.js';
import type { ToolContext } from './types.js';

let wt: string;
let context: ToolContext;
beforeEach(() => {
  wt = realpathSync(mkdtempSync(join(tmpdir(), 'agent-files-')));
  mkdirSync(join(wt, 'src'));
  writeFileSync(join(wt, 'src', 'a.ts'), 'line one\nline two\nline three\n');
  context = {
    worktree: wt,
    sessionId: 'sess_files',
    signal: new AbortController().signal,
    hooks: {
      completeStep: async () => ({ content: '', isError: true }),
      reportIssue: async () => {},
      signalCoordinator: async () => {},
    },
  };
});
afterEach(() => rmSync(wt, { recursive: true, force: true }));

describe('read_file', () => {
  const read = createReadFileTool({ limits: { maxReadBytes: 1000 } });

  it('returns numbered lines and honours offset/limit', async () => {
    const all = await read.execute({ path: 'src/a.ts' }, context);
    expect(all.content).toContain('     1\tline one');
    const range = await read.execute({ path: 'src/a.ts', offset: 2, limit: 1 }, context);
    expect(range.content).toBe('     2\tline two');
  });

  it('refuses binary files without returning their bytes', async () => {
    writeFileSync(
      join(wt, 'image.png'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    );
    writeFileSync(join(wt, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const png = await read.execute({ path: 'image.png' }, context);
    expect(png.isError).toBe(true);
    expect(png.content).toContain('binary file (12 bytes)');
    expect((await read.execute({ path: 'latin1.txt' }, context)).content).toContain('binary');
  });

  it('caps a large file and says how to read further', async () => {
    writeFileSync(join(wt, 'big.txt'), Array.from({ length: 500 }, (_, i) => `row ${i}`).join('\n'));
    const out = await read.execute({ path: 'big.txt' }, context);
    expect(out.content.length).toBeLessThan(2500);
    expect(out.content).not.toContain('row 499');
    expect(out.content).toContain('use offset/limit');
    const later = await read.execute({ path: 'big.txt', offset: 400, limit: 2 }, context);
    expect(later.content).toBe('   400\trow 399\n   401\trow 400');
  });

  it('refuses a FIFO instead of blocking on it', async () => {
    execFileSync('mkfifo', [join(wt, 'pipe')]);
    const out = await read.execute({ path: 'pipe' }, context);
    expect(out).toMatchObject({ isError: true, content: expect.stringContaining('not a regular file') });
    const edit = await createEditFileTool().execute(
      { path: 'pipe', old_string: 'a', new_string: 'b' },
      context,
    );
    expect(edit.isError).toBe(true);
  });

  it('explains missing files and directories', async () => {
    expect((await read.execute({ path: 'nope.ts' }, context)).content).toContain('does not exist');
    expect((await read.execute({ path: 'src' }, context)).content).toContain('is a directory');
    expect((await read.execute({ path: '../x' }, context)).isError).toBe(true);
  });
});

describe('write_file and edit_file', () => {
  it('writes new files with parent directories and respects the size cap', async () => {
    const write = createWriteFileTool({ limits: { maxWriteBytes: 10 } });
    expect((await write.execute({ path: 'deep/new/file.txt', content: 'hello' }, context)).isError).toBe(
      false,
    );
    expect(readFileSync(join(wt, 'deep/new/file.txt'), 'utf8')).toBe('hello');
    const big = await write.execute({ path: 'x.txt', content: 'x'.repeat(11) }, context);
    expect(big.isError).toBe(true);
  });

  it('does not write through a symlink pointing outside', async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'agent-outside-')));
    writeFileSync(join(outside, 'target.txt'), 'original');
    symlinkSync(join(outside, 'target.txt'), join(wt, 'link.txt'));
    const out = await createWriteFileTool().execute({ path: 'link.txt', content: 'pwned' }, context);
    expect(out.isError).toBe(true);
    expect(readFileSync(join(outside, 'target.txt'), 'utf8')).toBe('original');
    rmSync(outside, { recursive: true });
  });

  it('replaces a unique match, refuses ambiguous and missing ones', async () => {
    const edit = createEditFileTool();
    const ambiguous = await edit.execute(
      { path: 'src/a.ts', old_string: 'line', new_string: 'row' },
      context,
    );
    expect(ambiguous.content).toContain('occurs 3 times');
    const missing = await edit.execute({ path: 'src/a.ts', old_string: 'nothing', new_string: 'x' }, context);
    expect(missing.content).toContain('not found');
    const one = await edit.execute(
      { path: 'src/a.ts', old_string: 'line two', new_string: 'line $& 2' },
      context,
    );
    expect(one.isError).toBe(false);
    expect(readFileSync(join(wt, 'src/a.ts'), 'utf8')).toBe('line one\nline $& 2\nline three\n');
    const all = await edit.execute(
      { path: 'src/a.ts', old_string: 'line', new_string: 'row', replace_all: true },
      context,
    );
    expect(all.content).toContain('Replaced 3');
  });
});

describe('glob and grep', () => {
  it('lists and searches files inside the worktree, skipping .git', async () => {
    mkdirSync(join(wt, '.git'));
    writeFileSync(join(wt, '.git', 'config'), 'line one');
    writeFileSync(join(wt, 'bin.dat'), Buffer.from([0, 1, 2, 0x6c, 0x69, 0x6e, 0x65]));
    const listed = await createGlobTool().execute({ pattern: '**/*' }, context);
    expect(listed.content.split('\n').sort()).toEqual(['bin.dat', 'src/a.ts']);
    const found = await createGrepTool().execute({ pattern: 'line t' }, context);
    expect(found.content.split('\n')).toEqual(['src/a.ts:2: line two', 'src/a.ts:3: line three']);
    const bad = await createGrepTool().execute({ pattern: '(' }, context);
    expect(bad.content).toContain('Invalid regular expression');
  });
});
