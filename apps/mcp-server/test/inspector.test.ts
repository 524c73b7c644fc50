import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDir, exitCode, makeSandbox, repoRoot, type Sandbox, spawnServer, waitFor } from './helpers.js';

const inspectorBin = join(appDir, 'node_modules/.bin/mcp-inspector');

/**
 * Runs the official MCP Inspector CLI (1.0.3) against the server over stdio. The server runs from source:
 * NODE_OPTIONS carries the source condition and the tsx loader (the Inspector passes its environment on).
 */
function inspect(
  sandbox: Sandbox,
  inspectorArgs: readonly string[],
  target: readonly string[] = [process.execPath, join(appDir, 'src/main.ts')],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(inspectorBin, ['--cli', ...target, ...inspectorArgs], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: '--conditions=@worktrain/source --import tsx',
        WORKTRAIN_HOME: sandbox.home,
        WORKTRAIN_WORKFLOWS_PATH: sandbox.workflowsDir,
        WORKTRAIN_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('MCP Inspector CLI', () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = makeSandbox();
  });
  afterAll(() => sandbox?.cleanup());

  it('lists the tools (tools/list)', async () => {
    const { code, stdout, stderr } = await inspect(sandbox, ['--method', 'tools/list']);
    expect(code, stderr).toBe(0);
    const parsed = JSON.parse(stdout) as { tools: { name: string; inputSchema: { type: string } }[] };
    expect(parsed.tools.map((t) => t.name).sort()).toEqual([
      'checkpoint_workflow',
      'continue_workflow',
      'inspect_workflow',
      'list_workflows',
      'resume_session',
      'start_workflow',
    ]);
    for (const tool of parsed.tools) expect(tool.inputSchema.type).toBe('object');
  });

  it('calls list_workflows with a tool argument (tools/call)', async () => {
    const { code, stdout, stderr } = await inspect(sandbox, [
      '--method',
      'tools/call',
      '--tool-name',
      'list_workflows',
      '--tool-arg',
      'workspacePath=/tmp',
    ]);
    expect(code, stderr).toBe(0);
    const parsed = JSON.parse(stdout) as {
      isError?: boolean;
      structuredContent: { workflows: { workflowId: string }[] };
    };
    expect(parsed.isError ?? false).toBe(false);
    expect(parsed.structuredContent.workflows.map((w) => w.workflowId)).toContain('mcp-test-short');
  });

  it('lists the tools over Streamable HTTP', async () => {
    const server = spawnServer(sandbox, [
      '--transport',
      'http',
      '--port',
      '0',
      '--workflows',
      sandbox.workflowsDir,
    ]);
    try {
      const url = await waitFor(
        () => /listening on (\S+)/.exec(server.stderr())?.[1],
        30_000,
        'server to listen',
      );
      const { code, stdout, stderr } = await inspect(
        sandbox,
        ['--transport', 'http', '--method', 'tools/list'],
        [url],
      );
      expect(code, stderr).toBe(0);
      const parsed = JSON.parse(stdout) as { tools: { name: string }[] };
      expect(parsed.tools).toHaveLength(6);
    } finally {
      server.child.kill('SIGTERM');
      await exitCode(server.child);
    }
  });
});
