import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { binArgs } from '../../../scripts/test-bins.js';

export const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(appDir, '../..');
export const fixturesDir = join(appDir, 'test/fixtures/workflows');
export const workrailFixturesDir = join(appDir, 'test/fixtures/third-party/workrail');

/**
 * How to run the real server: its built bin when every build is fresh, else from source (node resolves
 * workspace packages to their TypeScript sources through the '@worktrain/source' export condition and tsx
 * compiles them), so the tests never run a stale build (scripts/test-bins.ts). Run from the repo root.
 */
export function serverCommand(args: readonly string[]): { command: string; args: string[]; cwd: string } {
  return {
    command: process.execPath,
    args: [...binArgs('mcp'), ...args],
    cwd: repoRoot,
  };
}

/** A temp WORKTRAIN_HOME and a temp workflows dir holding copies of the given fixture dirs. */
export interface Sandbox {
  readonly root: string;
  readonly home: string;
  readonly workflowsDir: string;
  readonly workspace: string;
  cleanup(): void;
}

export function makeSandbox(fixtureDirs: readonly string[] = [fixturesDir]): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'worktrain-mcp-test-'));
  const home = join(root, 'home');
  const workflowsDir = join(root, 'workflows');
  const workspace = join(root, 'workspace');
  mkdirSync(home);
  mkdirSync(workspace);
  mkdirSync(workflowsDir);
  for (const dir of fixtureDirs)
    cpSync(dir, workflowsDir, { recursive: true, filter: (src) => !src.endsWith('.txt') });
  return {
    root,
    home,
    workflowsDir,
    workspace,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function serverEnv(sandbox: Sandbox): Record<string, string> {
  return { WORKTRAIN_HOME: sandbox.home, WORKTRAIN_LOG_LEVEL: 'warn' };
}

/** Connects the official SDK client to a freshly spawned stdio server. */
export async function connectStdio(
  sandbox: Sandbox,
  extraArgs: readonly string[] = [],
): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const cmd = serverCommand(['--workflows', sandbox.workflowsDir, ...extraArgs]);
  const transport = new StdioClientTransport({ ...cmd, env: serverEnv(sandbox), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'worktrain-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** Connects the official SDK client to a Streamable HTTP endpoint. */
export async function connectHttp(
  url: string,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'worktrain-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** A tool result reduced to what tests assert on. */
export interface ToolOutcome {
  readonly isError: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely; shapes are asserted.
  readonly body: any;
  readonly text: string;
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolOutcome> {
  const result = await client.callTool({ name, arguments: args });
  const content = Array.isArray(result.content) ? result.content : [];
  const first = content[0] as { type?: string; text?: string } | undefined;
  return { isError: result.isError === true, body: result.structuredContent, text: first?.text ?? '' };
}

/** Like {@link call} but fails the test with the error body when the call did not succeed. */
export async function callOk(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolOutcome> {
  const outcome = await call(client, name, args);
  if (outcome.isError) throw new Error(`${name} failed: ${outcome.text}`);
  return outcome;
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Spawns the server as a plain child process (for HTTP mode and exit-code tests). */
export function spawnServer(
  sandbox: Sandbox | null,
  args: readonly string[],
): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const cmd = serverCommand(args);
  const child = spawn(cmd.command, cmd.args, {
    cwd: cmd.cwd,
    env: { ...process.env, ...(sandbox ? serverEnv(sandbox) : {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  return { child, stdout: () => out, stderr: () => err };
}

export function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
