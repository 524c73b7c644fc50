/**
 * `worktrain daemon start` as a new user meets it: when the daemon dies while starting, the error shows
 * why (the tail of its output), not only its exit code. Real CLI and daemon processes, real temp homes.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain } from './helpers.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-cli-start-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function home(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('worktrain daemon start', { timeout: 120_000 }, () => {
  it('prints why the daemon exited while starting (the tail of its output)', async () => {
    const broken = home('broken', {
      'config.yaml': 'port: 0\n',
      'triggers.yaml': 'triggers:\n  - id: [broken\n',
    });
    const text = await runWorktrain(['daemon', 'start'], { home: broken });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('The daemon exited (1) while starting.');
    expect(text.stderr).toMatch(/^output:$/m);
    expect(text.stderr).toContain('triggers.yaml is not valid YAML');
    const json = await runWorktrain(['--format', 'json', 'daemon', 'start'], { home: broken });
    expect(parseJson(json)).toMatchObject({
      error: { code: 'DAEMON_ERROR', details: { output: expect.stringContaining('not valid YAML') } },
    });
  });
});
