import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInWorktree } from './sandbox.js';

let base: string;
let wt: string;
beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-sandbox-prop-')));
  wt = join(base, 'wt');
  mkdirSync(join(wt, 'a', 'b'), { recursive: true });
  mkdirSync(join(base, 'out'));
  writeFileSync(join(base, 'out', 'secret'), 'x');
  for (const dir of [wt, join(wt, 'a'), join(wt, 'a', 'b')])
    symlinkSync(join(base, 'out'), join(dir, 'link-out'));
  symlinkSync(join(wt, 'a', 'b'), join(wt, 'link-in'));
  for (const dir of [wt, join(wt, 'a')]) symlinkSync('/', join(dir, 'root'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const segment = fc.constantFrom(
  '..',
  '.',
  '',
  'a',
  'b',
  'link-out',
  'link-in',
  'root',
  'secret',
  'etc',
  '%2e%2e',
  '..%2f',
  '\\..',
  '...',
  'x\0',
);

describe('resolveInWorktree (property)', () => {
  it('any path it accepts resolves inside the worktree, through any symlinks', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 8 }), (absolute, segments) => {
        const path = `${absolute ? `${wt}/` : ''}${segments.join('/')}`;
        const resolved = resolveInWorktree(wt, path);
        if (resolved.isErr()) return;
        const rel = relative(wt, resolved.value);
        expect(rel === '..' || rel.startsWith('../') || rel.startsWith('/')).toBe(false);
        // Independent oracle, top-down: no existing prefix of the lexical path may really be outside.
        const parts = relative(wt, resolve(wt, path))
          .split('/')
          .filter((p) => p !== '');
        let current = wt;
        let existingPrefixEscapes = false;
        for (const part of parts) {
          current = join(current, part);
          try {
            const real = realpathSync(current);
            if (real !== wt && !real.startsWith(`${wt}/`)) existingPrefixEscapes = true;
          } catch {
            break;
          }
        }
        expect(existingPrefixEscapes).toBe(false);
        expect(segments).not.toContain('..');
      }),
      { numRuns: 3000 },
    );
  });
});
