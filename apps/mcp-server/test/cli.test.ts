import { describe, expect, it } from 'vitest';
import { exitCode, spawnServer } from './helpers.js';

describe('worktrain-mcp command line', () => {
  it('prints usage and exits 0 on --help', async () => {
    const { child, stdout } = spawnServer(null, ['--help']);
    expect(await exitCode(child)).toBe(0);
    expect(stdout()).toContain('--transport <stdio|http>');
  });

  it('prints the package version on --version', async () => {
    const { child, stdout } = spawnServer(null, ['--version']);
    expect(await exitCode(child)).toBe(0);
    expect(stdout().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with a clear message on a usage error, writing nothing to stdout', async () => {
    const { child, stdout, stderr } = spawnServer(null, ['--transport', 'carrier-pigeon']);
    expect(await exitCode(child)).toBe(2);
    expect(stderr()).toContain('--transport must be "stdio" or "http"');
    expect(stdout()).toBe('');
  });
});
