import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPatch, pathReasons, symlinkEscapes } from '../src/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/third-party/path-traversal');
const lists = ['directory_traversal.txt', 'traversals-8-deep-exotic-encoding.txt', 'deep_traversal.txt'];

/** Each payload as a repo path an agent might produce: `{FILE}` filled, and also nested under `src/`. */
const payloads = lists.flatMap((name) =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.replace(/\{FILE\}/g, 'etc/passwd')),
);

describe('PayloadsAllTheThings traversal lists', () => {
  it('has the payloads', () => {
    expect(payloads.length).toBeGreaterThan(1500);
  });

  // The lists also hold harmless names (`.htaccess`, `././.htaccess`); everything with a climb, an encoding,
  // a backslash, a drive or an absolute start must be refused.
  const dangerous = (p: string) => /\.\.|%|\\|^\/|:|\0/.test(p);

  it('rejects every dangerous payload as a changed path, also below a target directory', () => {
    const all = payloads.flatMap((p) => [p, `src/${p}`]);
    expect(all.filter(dangerous).length).toBeGreaterThan(3000);
    expect(all.filter((p) => dangerous(p) && pathReasons(p).length === 0)).toEqual([]);
  });

  it('rejects every payload through checkPatch even with a catch-all target', () => {
    const changes = payloads.filter(dangerous).map((path) => ({
      path,
      status: 'added' as const,
      oldMode: null,
      newMode: '100644',
      insertions: 1,
      deletions: 0,
      newSize: 1,
    }));
    const verdict = checkPatch(changes, [], {
      targets: ['**'],
      maxFiles: 100_000,
      maxChangedLines: 1_000_000,
    });
    const pathCodes = new Set([
      'PATH_TRAVERSAL',
      'ABSOLUTE_PATH',
      'GIT_DIR',
      'RESERVED_NAME',
      'DECEPTIVE_NAME',
    ]);
    const refused = new Set(verdict.blocking.filter((r) => pathCodes.has(r.code)).map((r) => r.path));
    expect(changes.filter((c) => !refused.has(c.path))).toEqual([]);
  });

  it('treats every payload that starts by climbing or at a root as an escaping symlink target', () => {
    const climbing = payloads.filter((p) => /^(?:\.\.[/\\]|[/\\])/.test(p));
    expect(climbing.length).toBeGreaterThan(500);
    for (const target of climbing) expect(symlinkEscapes('link', target), target).toBe(true);
    for (const target of climbing.filter((t) => t.startsWith('..'))) {
      expect(symlinkEscapes('src/deep/link', `../../${target}`), target).toBe(true);
    }
  });
});
