import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBindings } from './bindings-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-bindings-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, content: string): void {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

describe('loadBindings', () => {
  it('returns no overrides when neither file exists', () => {
    expect(loadBindings(dir)._unsafeUnwrap()).toEqual({});
  });

  it('reads the flat format', () => {
    write('.workrail/bindings.json', JSON.stringify({ design_review: 'team-review' }));
    expect(loadBindings(dir, 'wr.coding-task')._unsafeUnwrap()).toEqual({ design_review: 'team-review' });
  });

  it('reads the section of the given workflow', () => {
    write(
      '.workrail/bindings.json',
      JSON.stringify({ 'wr.coding-task': { design_review: 'a' }, 'wr.other': { design_review: 'b' } }),
    );
    expect(loadBindings(dir, 'wr.coding-task')._unsafeUnwrap()).toEqual({ design_review: 'a' });
    expect(loadBindings(dir, 'wr.unknown')._unsafeUnwrap()).toEqual({});
  });

  it('merges both files with .worktrain winning on the same slot', () => {
    write('.workrail/bindings.json', JSON.stringify({ a: 'from-workrail', b: 'only-workrail' }));
    write('.worktrain/bindings.json', JSON.stringify({ a: 'from-worktrain' }));
    expect(loadBindings(dir)._unsafeUnwrap()).toEqual({ a: 'from-worktrain', b: 'only-workrail' });
  });

  it('reports invalid JSON with the file path', () => {
    write('.worktrain/bindings.json', '{ nope');
    const result = loadBindings(dir);
    expect(result.isErr() && result.error.code).toBe('INPUT_INVALID');
    expect(result.isErr() && String(result.error.details?.path)).toContain('.worktrain');
  });

  it('reports a non-string binding', () => {
    write('.worktrain/bindings.json', JSON.stringify({ 'wr.x': { slot: 3 } }));
    expect(loadBindings(dir, 'wr.x').isErr()).toBe(true);
  });
});
