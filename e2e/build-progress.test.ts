/**
 * The README's first command (`pnpm install && pnpm demo`) builds every package first: it must say what it
 * is doing, one line per package as each is built, instead of minutes without a line of output. Turbo's
 * grouped output (`fixtures/turbo-build-grouped.txt`, recorded from `turbo run build --output-logs=new-only
 * --log-order=grouped` on this repository) becomes those lines; `pnpm demo` runs that build. No build needed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBuildProgress } from '../scripts/build-progress.js';

const root = resolve(import.meta.dirname, '..');

describe('the build of pnpm demo', () => {
  it('prints one line per package as it is built, with the count and the time so far', () => {
    let ms = 0;
    const progress = createBuildProgress(() => ms);
    const shown: string[] = [];
    for (const line of readFileSync(resolve(root, 'e2e/fixtures/turbo-build-grouped.txt'), 'utf8').split(
      '\n',
    )) {
      ms += 1000;
      const out = progress.line(line);
      if (out !== null) shown.push(out);
    }
    expect(shown).toEqual([
      'building 15 packages (the first build takes a few minutes; a line as each one is done)',
      expect.stringMatching(/^ {2}finished @worktrain\/contracts \(1\/15, \d+ s\)$/),
      expect.stringMatching(/^ {2}finished @worktrain\/testkit \(2\/15, \d+ s\)$/),
      expect.stringMatching(/^ {2}finished @worktrain\/workflows \(3\/15, \d+ s, cached\)$/),
      'Tasks:    15 successful, 15 total',
      'Cached:    1 cached, 15 total',
      'Time:    2m7.722s',
    ]);
    expect(progress.transcript()).toContain('DTS dist/index.d.ts');
  });

  it('names a package whose build failed', () => {
    const progress = createBuildProgress(() => 0);
    progress.line(
      '@worktrain/workflows:build: src/index.ts(30,14): error TS1134: Variable declaration expected.',
    );
    expect(
      progress.line(
        '@worktrain/workflows#build:  ERROR  command (/w/packages/workflows) /bin/pnpm run build exited (1)',
      ),
    ).toBe('  FAILED @worktrain/workflows (its output is printed below)');
  });

  it('is what pnpm demo and pnpm demo:mcp run before the demo', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.demo).toMatch(/^tsx scripts\/build-progress\.ts && /);
    expect(pkg.scripts['demo:mcp']).toMatch(/^tsx scripts\/build-progress\.ts && /);
  });
});
