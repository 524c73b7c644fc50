import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createEngine, createMemoryKeyring, createWorkflowRegistry } from '@worktrain/engine';
import { createMemorySessionStore } from '@worktrain/session-store';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorktrainMcpServer, startHttpServer, startStdioServer } from '../src/index.js';
import { call, callOk, connectHttp, fixturesDir, waitFor } from './helpers.js';

/** The embedding API with a real engine over the in-memory store (no child process). */
function makeEngine() {
  return createEngine({
    store: createMemorySessionStore(),
    keyring: createMemoryKeyring(),
    workflows: createWorkflowRegistry({ sources: [{ kind: 'custom', dir: fixturesDir }] }),
  });
}

describe('embedding @worktrain/mcp-server', () => {
  const engine = makeEngine();
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('createWorktrainMcpServer serves any transport (here the SDK in-memory pair)', async () => {
    const server = createWorktrainMcpServer({ engine, version: '9.9.9' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'embedded', version: '1.0.0' });
    await client.connect(clientSide);
    closers.push(() => client.close());
    expect(client.getServerVersion()).toMatchObject({ name: 'worktrain', version: '9.9.9' });
    const start = await callOk(client, 'start_workflow', { workflowId: 'mcp-test-short' });
    expect(start.body.pending.stepId).toBe('one');
  });

  it('turns a handler that throws (a bug) into INTERNAL_ERROR and keeps serving', async () => {
    // Fault injection over the real engine: one method breaks its "never throws" contract.
    const faulty = {
      ...engine,
      listWorkflows: () => {
        throw new Error('injected failure');
      },
    };
    const server = createWorktrainMcpServer({ engine: faulty });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'faulty', version: '1.0.0' });
    await client.connect(clientSide);
    closers.push(() => client.close());
    const broken = await call(client, 'list_workflows', {});
    expect(broken.isError).toBe(true);
    expect(broken.body).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'Internal error in list_workflows: injected failure',
    });
    const start = await callOk(client, 'start_workflow', { workflowId: 'mcp-test-short' });
    expect(start.body.pending.stepId).toBe('one');
  });

  it('startStdioServer drops a message over maxMessageBytes with a JSON-RPC error and keeps the connection', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const running = await startStdioServer({ engine, stdin, stdout, maxMessageBytes: 64 * 1024 });
    closers.push(() => running.close());
    const send = (message: object) => stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { name: 'list_workflows', arguments: { padding: 'x'.repeat(200_000) } },
    });
    send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'list_workflows', arguments: {} } });
    const replies = await waitFor(() => {
      const parsed = out
        .split('\n')
        .filter((l) => l.length > 0)
        .map(
          (l) =>
            JSON.parse(l) as {
              id?: number | null;
              error?: { code: number; message: string };
              result?: { isError?: boolean };
            },
        );
      return parsed.some((m) => m.id === 6) ? parsed : undefined;
    });
    expect(replies.find((m) => m.id === 5)?.error).toMatchObject({
      code: -32600,
      message: expect.stringContaining('65536 bytes'),
    });
    expect(replies.find((m) => m.id === 6)?.result?.isError).toBeUndefined();
    // The cut line is answered once (above), not also as a parse error.
    expect(replies.filter((m) => m.id === null)).toEqual([]);
  });

  it('startHttpServer picks a free port with port 0 and closes MCP sessions that idle', async () => {
    const http = await startHttpServer({ engine, port: 0, sessionIdleMs: 200 });
    closers.push(() => http.close());
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { client } = await connectHttp(http.url);
    await callOk(client, 'list_workflows', {});
    expect(http.sessionCount()).toBe(1);
    // The client keeps its GET stream open only while connected; after close the session idles out.
    await client.close();
    await waitFor(() => (http.sessionCount() === 0 ? true : undefined), 10_000, 'idle session to be closed');
  });
});
