/**
 * `worktrain demo` finds the checkout's demo script (the same one `pnpm demo` runs) and refuses clearly
 * outside a checkout or before a build. The demo itself runs end to end in `e2e/` (`pnpm demo` in CI).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateDemo } from '../src/commands/demo.js';
import { tempDir } from './helpers.js';

const dir = tempDir('demo');
afterAll(dir.cleanup);

function write(root: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

describe('locateDemo', () => {
  it('fails with FILE_NOT_FOUND outside a WorkTrain checkout', () => {
    const outside = join(dir.path, 'elsewhere', 'deep');
    mkdirSync(outside, { recursive: true });
    const r = locateDemo(outside, 'daemon');
    expect(r._unsafeUnwrapErr().code).toBe('FILE_NOT_FOUND');
    expect(r._unsafeUnwrapErr().message).toContain('source checkout');
  });

  it('asks for a build when the daemon is not built', () => {
    const root = join(dir.path, 'unbuilt');
    write(root, { 'pnpm-workspace.yaml': '', 'scripts/demo-daemon.ts': '', 'apps/cli/dist/main.js': '' });
    const r = locateDemo(join(root, 'apps', 'cli', 'dist'), 'daemon');
    expect(r._unsafeUnwrapErr()).toMatchObject({
      code: 'DAEMON_ERROR',
      details: { missing: ['apps/daemon/dist/main.js'] },
    });
  });

  it('finds the script of the demo asked for and the checkout’s tsx', () => {
    const root = join(dir.path, 'checkout');
    write(root, {
      'pnpm-workspace.yaml': '',
      'package.json': '{"name":"root","private":true}',
      'scripts/demo-daemon.ts': '',
      'scripts/demo.ts': '',
      'apps/cli/dist/main.js': '',
      'apps/daemon/dist/main.js': '',
      'node_modules/tsx/package.json': '{"name":"tsx","main":"index.js"}',
      'node_modules/tsx/index.js': '',
    });
    const daemon = locateDemo(join(root, 'apps', 'cli', 'dist'), 'daemon')._unsafeUnwrap();
    expect(daemon).toMatchObject({ root, script: join(root, 'scripts', 'demo-daemon.ts') });
    expect(daemon.tsxLoader).toBe(`file://${join(root, 'node_modules', 'tsx', 'index.js')}`);
    expect(locateDemo(root, 'mcp')._unsafeUnwrap().script).toBe(join(root, 'scripts', 'demo.ts'));
  });
});
