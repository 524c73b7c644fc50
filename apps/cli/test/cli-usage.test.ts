import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const home = tempDir('usage');
afterAll(home.cleanup);
const opts = { home: join(home.path, 'home') };

describe('worktrain usage', () => {
  it('prints the version and exits 0', async () => {
    const run = await runWorktrain(['--version'], opts);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints help listing the command groups', async () => {
    const run = await runWorktrain(['--help'], opts);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('workflow');
    expect(run.stdout).toContain('sessions');
    expect(run.stdout).toContain('--format');
  });

  it('prints help of a subcommand with the global options', async () => {
    const run = await runWorktrain(['sessions', 'list', '--help'], opts);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--status');
    expect(run.stdout).toContain('--home');
  });

  it('exits 2 on an unknown option with a clear message', async () => {
    const run = await runWorktrain(['workflow', 'list', '--bogus'], opts);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--bogus'");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown option with a JSON error when --format json', async () => {
    const run = await runWorktrain(['--format', 'json', 'sessions', 'list', '--bogus'], opts);
    expect(run.code).toBe(2);
    expect(parseJson(run)).toEqual({
      error: {
        code: 'USAGE',
        message: "unknown option '--bogus'",
        details: { reason: 'commander.unknownOption' },
      },
    });
  });

  it('exits 2 on an unknown command', async () => {
    const run = await runWorktrain(['sesions', 'list'], opts);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'sesions'");
  });

  it('exits 2 on a missing argument', async () => {
    const run = await runWorktrain(['workflow', 'validate'], opts);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing required argument 'files'");
  });

  it('exits 2 when a group is given without a command', async () => {
    const run = await runWorktrain(['sessions'], opts);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('list');
  });

  it('exits 2 on an invalid --format value', async () => {
    const run = await runWorktrain(['--format', 'yaml', 'sessions', 'list'], opts);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('yaml');
  });

  it('exits 2 on a malformed option value', async () => {
    const run = await runWorktrain(['sessions', 'list', '--limit', 'ten', '--format', 'json'], opts);
    expect(run.code).toBe(2);
    expect(parseJson(run)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('does not create the data directory for read-only commands', async () => {
    const run = await runWorktrain(['sessions', 'list'], opts);
    expect(run.code).toBe(0);
    expect(existsSync(opts.home)).toBe(false);
  });
});
