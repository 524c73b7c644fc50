/**
 * `worktrain sandbox exec` and doctor's `sandbox` check as real child processes over a temp WORKTRAIN_HOME,
 * with the real bubblewrap backend: what the agent's shell would see, its exit code passed on, the
 * profile in `--format json`, an allowlisted loopback server reachable through the proxy, and the live
 * probe of `doctor`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('sandbox');
const home = join(dir.path, 'home');
const workspace = join(dir.path, 'ws');
const SECRET = `sk-sandbox-cli-${Date.now()}`;
let server: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(workspace, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.env'), `ANTHROPIC_API_KEY=${SECRET}\n`, { mode: 0o600 });
  writeFileSync(join(home, 'daemon.token'), SECRET, { mode: 0o600 });
  server = createServer((_req, res) => res.end('through-the-proxy'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  dir.cleanup();
});

describe('worktrain sandbox exec', () => {
  it("exits with the command's own code, and the command cannot read $WORKTRAIN_HOME", async () => {
    const run = await runWorktrain(
      [
        'sandbox',
        'exec',
        '--workspace',
        workspace,
        '--',
        'sh',
        '-c',
        `cat '${home}/.env' '${home}/daemon.token'; exit 7`,
      ],
      { home },
    );
    expect(run.code).toBe(7);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    expect(run.stderr).toContain('No such file or directory');
  });

  it('--format json prints the captured output, the backend and the whole profile', async () => {
    const run = await runWorktrain(
      [
        'sandbox',
        'exec',
        '--workspace',
        workspace,
        '--format',
        'json',
        '--',
        'sh',
        '-c',
        'echo "home=$HOME"; echo hi > made-here',
      ],
      { home },
    );
    expect(run.code).toBe(0);
    const out = parseJson(run) as {
      exitCode: number;
      stdout: string;
      backend: string;
      profile: { readWrite: string[]; hidden: string[]; networkAllow: string[] };
    };
    expect(out).toMatchObject({ exitCode: 0, backend: 'bubblewrap' });
    expect(out.profile.readWrite[0]).toBe(workspace);
    expect(out.profile.hidden).toContain(home);
    expect(out.stdout).toMatch(new RegExp(`home=${home}/sandbox/exec-`));
  });

  it('--allow-net reaches the listed host through the proxy; other hosts are refused and reported', async () => {
    const run = await runWorktrain(
      [
        'sandbox',
        'exec',
        '--workspace',
        workspace,
        '--allow-net',
        `127.0.0.1:${port}`,
        '--format',
        'json',
        '--',
        'sh',
        '-c',
        `curl -sS -m 5 http://127.0.0.1:${port}/; curl -sS -m 5 http://127.0.0.1:1/ || true`,
      ],
      { home },
    );
    const out = parseJson(run) as { stdout: string; networkDenied: { host: string; port: number }[] };
    expect(out.stdout).toContain('through-the-proxy');
    expect(out.networkDenied).toEqual([expect.objectContaining({ host: '127.0.0.1', port: 1 })]);
  });

  it('a workspace that is not a folder is an error, and a missing command a usage error', async () => {
    const missing = await runWorktrain(
      ['sandbox', 'exec', '--workspace', join(dir.path, 'nope'), '--', 'true'],
      {
        home,
      },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('is not a folder');
    const usage = await runWorktrain(['sandbox', 'exec', '--workspace', workspace], { home });
    expect(usage.code).toBe(2);
  });
});

describe('worktrain doctor: sandbox', () => {
  it('probes the backend live and reports it ok', async () => {
    const run = await runWorktrain(['doctor', '--format', 'json'], { home });
    const out = parseJson(run) as { checks: { name: string; status: string; message: string }[] };
    const sandbox = out.checks.find((c) => c.name === 'sandbox');
    expect(sandbox).toMatchObject({ status: 'ok' });
    expect(sandbox?.message).toContain('a secret in $WORKTRAIN_HOME is unreadable');
  });

  it('warns when config.yaml turns the sandbox off', async () => {
    const offHome = join(dir.path, 'off-home');
    mkdirSync(offHome, { recursive: true });
    writeFileSync(join(offHome, 'config.yaml'), 'sandbox: { mode: off }\n');
    const run = await runWorktrain(['doctor', '--format', 'json'], { home: offHome });
    const out = parseJson(run) as { checks: { name: string; status: string; message: string }[] };
    expect(out.checks.find((c) => c.name === 'sandbox')).toMatchObject({ status: 'warn' });
  });
});
