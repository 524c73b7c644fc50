import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { call, exitCode, makeSandbox, serverCommand, spawnServer } from './helpers.js';

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

describe('worktrain-mcp start-up failures', () => {
  it('over stdio, still completes the handshake when the data directory is unusable and reports it on tool calls', async () => {
    const sandbox = makeSandbox();
    const blocker = join(sandbox.root, 'not-a-dir');
    writeFileSync(blocker, 'a file where the data directory should be');
    const transport = new StdioClientTransport({
      ...serverCommand(['--home', join(blocker, 'home')]),
      env: { WORKTRAIN_LOG_LEVEL: 'silent' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'startup-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      expect((await client.listTools()).tools).toHaveLength(6);
      const outcome = await call(client, 'list_workflows', {});
      expect(outcome.isError, outcome.text).toBe(true);
      expect(outcome.body.code, outcome.text).toBe('STORE_ERROR');
      expect(outcome.body.message, outcome.text).toContain(blocker);
    } finally {
      await client.close();
      sandbox.cleanup();
    }
  });

  it('over HTTP, exits 1 when the port is taken', async () => {
    const sandbox = makeSandbox();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const { child, stderr } = spawnServer(sandbox, ['--transport', 'http', '--port', String(port)]);
      expect(await exitCode(child)).toBe(1);
      expect(stderr()).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      holder.close();
      sandbox.cleanup();
    }
  });
});
