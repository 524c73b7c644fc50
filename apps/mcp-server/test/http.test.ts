import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  callOk,
  connectHttp,
  exitCode,
  makeSandbox,
  type Sandbox,
  spawnServer,
  waitFor,
} from './helpers.js';

const loop = (decision: 'continue' | 'stop') => [{ kind: 'wr.loop_control', decision }];

/** Drives mcp-test-full to completion, yielding between calls so two runs interleave. */
async function driveFull(client: Client, workspace: string, label: string): Promise<string[]> {
  const seen: string[] = [];
  const start = await callOk(client, 'start_workflow', {
    workflowId: 'mcp-test-full',
    workspacePath: workspace,
    goal: label,
    context: { mode: 'full' },
  });
  let response = start.body;
  const outputs: Record<string, () => Record<string, unknown>> = {
    iterate: () => ({
      notesMarkdown: `${label}: iteration`,
      artifacts: loop(seen.filter((s) => s === 'iterate').length >= 2 ? 'stop' : 'continue'),
    }),
  };
  while (!response.isComplete) {
    const stepId: string = response.pending.stepId;
    seen.push(stepId);
    const output = outputs[stepId]?.() ?? { notesMarkdown: `${label}: did ${stepId}` };
    const next = await callOk(client, 'continue_workflow', { continueToken: response.continueToken, output });
    expect(next.body.kind).toBe('ok');
    expect(next.body.sessionId).toBe(start.body.sessionId);
    response = next.body;
    await new Promise((r) => setImmediate(r));
  }
  return seen;
}

describe('Streamable HTTP: many MCP sessions share one engine and one store', () => {
  let sandbox: Sandbox;
  let server: ReturnType<typeof spawnServer>;
  let url: string;

  beforeAll(async () => {
    sandbox = makeSandbox();
    server = spawnServer(sandbox, [
      '--transport',
      'http',
      '--port',
      '0',
      '--workflows',
      sandbox.workflowsDir,
    ]);
    url = await waitFor(() => /listening on (\S+)/.exec(server.stderr())?.[1], 30_000, 'server to listen');
  });

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    if (server) await exitCode(server.child);
    sandbox?.cleanup();
  });

  it('binds 127.0.0.1 by default and answers /health', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const health = await fetch(url.replace(/\/mcp$/, '/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });

  it('two clients at once drive their own sessions to completion (with the skipped step run in full mode)', async () => {
    const a = await connectHttp(url);
    const b = await connectHttp(url);
    try {
      const [seenA, seenB] = await Promise.all([
        driveFull(a.client, sandbox.workspace, 'client A'),
        driveFull(b.client, sandbox.workspace, 'client B'),
      ]);
      const expected = ['intro', 'deep-dive', 'iterate', 'iterate', 'confirm-plan', 'finish'];
      expect(seenA).toEqual(expected);
      expect(seenB).toEqual(expected);
      const health = (await (await fetch(url.replace(/\/mcp$/, '/health'))).json()) as { sessions: number };
      expect(health.sessions).toBeGreaterThanOrEqual(2);
    } finally {
      await a.transport.terminateSession();
      await b.transport.terminateSession();
      await a.client.close();
      await b.client.close();
    }
    // DELETE ended both MCP sessions on the server.
    await waitFor(
      async () => {
        const h = (await (await fetch(url.replace(/\/mcp$/, '/health'))).json()) as { sessions: number };
        return h.sessions === 0 ? true : undefined;
      },
      10_000,
      'sessions to close',
    );
  });

  it('eight clients at once each complete their own session', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => connectHttp(url)));
    try {
      const sessionIds = await Promise.all(
        clients.map(async ({ client }, i) => {
          const start = await callOk(client, 'start_workflow', {
            workflowId: 'mcp-test-short',
            workspacePath: sandbox.workspace,
            goal: `client ${i}`,
          });
          let response = start.body;
          while (!response.isComplete) {
            response = (
              await callOk(client, 'continue_workflow', {
                continueToken: response.continueToken,
                output: { notesMarkdown: `client ${i}` },
              })
            ).body;
          }
          return start.body.sessionId as string;
        }),
      );
      expect(new Set(sessionIds).size).toBe(8);
    } finally {
      await Promise.all(
        clients.map(async (c) => {
          await c.transport.terminateSession();
          await c.client.close();
        }),
      );
    }
  });

  it('a session started on one MCP connection can be continued from another (shared store and keys)', async () => {
    const a = await connectHttp(url);
    const b = await connectHttp(url);
    try {
      const start = await callOk(a.client, 'start_workflow', {
        workflowId: 'mcp-test-short',
        workspacePath: sandbox.workspace,
      });
      const next = await callOk(b.client, 'continue_workflow', {
        continueToken: start.body.continueToken,
        output: { notesMarkdown: 'from B' },
      });
      expect(next.body.pending.stepId).toBe('two');
      const bad = await call(b.client, 'no_such_tool', {});
      expect(bad.isError).toBe(true);
      expect(bad.body.code).toBe('UNKNOWN_TOOL');
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  it('refuses requests without a session, unknown sessions and foreign Host headers', async () => {
    const noSession = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(noSession.status).toBe(400);
    const unknown = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
    const badJson = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url.replace('/mcp', '/health'), { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
