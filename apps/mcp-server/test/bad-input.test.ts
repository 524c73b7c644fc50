import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  callOk,
  connectStdio,
  exitCode,
  makeSandbox,
  type Sandbox,
  spawnServer,
  waitFor,
} from './helpers.js';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

describe('bad input gets a typed error result and the server keeps answering', () => {
  let sandbox: Sandbox;
  let client: Client;
  let continueToken: string;

  beforeAll(async () => {
    sandbox = makeSandbox();
    ({ client } = await connectStdio(sandbox));
    const start = await callOk(client, 'start_workflow', {
      workflowId: 'mcp-test-short',
      workspacePath: sandbox.workspace,
    });
    continueToken = start.body.continueToken;
  });

  afterAll(async () => {
    await client?.close();
    sandbox?.cleanup();
  });

  async function expectError(name: string, args: Record<string, unknown>, code: string | RegExp) {
    const outcome = await call(client, name, args);
    expect(outcome.isError).toBe(true);
    expect(outcome.body.code).toMatch(code);
    expect(typeof outcome.body.message).toBe('string');
    // The text content is the same JSON body, for clients that ignore structuredContent.
    expect(JSON.parse(outcome.text)).toEqual(outcome.body);
    // Still alive and serving after every bad call.
    const alive = await call(client, 'list_workflows', { workspacePath: sandbox.workspace });
    expect(alive.isError).toBe(false);
    return outcome.body;
  }

  it('unknown tool → UNKNOWN_TOOL', async () => {
    const body = await expectError('delete_everything', {}, 'UNKNOWN_TOOL');
    expect(body.message).toContain('continue_workflow');
  });

  it('wrong parameter types → INPUT_INVALID with the offending paths', async () => {
    const body = await expectError(
      'start_workflow',
      { workflowId: 42, workspacePath: 'relative/path' },
      'INPUT_INVALID',
    );
    const paths = body.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['workflowId', 'workspacePath']));
    await expectError('continue_workflow', { continueToken: ['not', 'a', 'string'] }, 'INPUT_INVALID');
    await expectError('continue_workflow', { continueToken, output: { notesMarkdown: 7 } }, 'INPUT_INVALID');
    await expectError('continue_workflow', { continueToken, surprise: true }, 'INPUT_INVALID');
    await expectError(
      'inspect_workflow',
      { workflowId: 'mcp-test-short', mode: 'everything' },
      'INPUT_INVALID',
    );
  });

  it('conflicting aliases and output with intent rehydrate → INPUT_INVALID', async () => {
    await expectError(
      'continue_workflow',
      { continueToken, context: { a: 1 }, contextVariables: { a: 2 } },
      'INPUT_INVALID',
    );
    await expectError(
      'continue_workflow',
      { continueToken, intent: 'rehydrate', output: { notesMarkdown: 'x' } },
      'INPUT_INVALID',
    );
  });

  it('forged, tampered and wrong-kind tokens → TOKEN_* codes', async () => {
    await expectError(
      'continue_workflow',
      { continueToken: 'ct_forged_token_value', output: { notesMarkdown: 'x' } },
      /^TOKEN_/,
    );
    const tampered = `${continueToken.slice(0, -2)}${continueToken.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectError(
      'continue_workflow',
      { continueToken: tampered, output: { notesMarkdown: 'x' } },
      /^TOKEN_/,
    );
    await expectError('checkpoint_workflow', { checkpointToken: continueToken }, /^TOKEN_/);
  });

  it('unknown workflow id → WORKFLOW_NOT_FOUND', async () => {
    await expectError(
      'start_workflow',
      { workflowId: 'no-such-workflow', workspacePath: sandbox.workspace },
      'WORKFLOW_NOT_FOUND',
    );
    await expectError(
      'inspect_workflow',
      { workflowId: 'no-such-workflow', workspacePath: sandbox.workspace },
      'WORKFLOW_NOT_FOUND',
    );
  });

  it('resume_session with an unknown sessionId → SESSION_NOT_FOUND, not an empty list', async () => {
    const body = await expectError(
      'resume_session',
      { sessionId: 'sess_nosuchsession1' },
      'SESSION_NOT_FOUND',
    );
    expect(body.details).toMatchObject({ sessionId: 'sess_nosuchsession1' });
  });

  it('10 MB of notes → blocked with OUTPUT_TOO_LARGE, and the session is still usable', async () => {
    // The engine treats oversized output as a blocked attempt (a retryable problem of the step's output),
    // not as a protocol error: the agent gets a retry token and a short message.
    const outcome = await call(client, 'continue_workflow', {
      continueToken,
      output: { notesMarkdown: 'x'.repeat(10 * 1024 * 1024) },
    });
    expect(outcome.isError).toBe(false);
    expect(outcome.body.kind).toBe('blocked');
    expect(outcome.body.blockers.map((b: { code: string }) => b.code)).toContain('OUTPUT_TOO_LARGE');
    expect(outcome.text.length).toBeLessThan(4000);
    const retry = outcome.body.retryContinueToken ?? outcome.body.continueToken;
    const next = await callOk(client, 'continue_workflow', {
      continueToken: retry,
      output: { notesMarkdown: 'Reasonable notes.' },
    });
    expect(next.body.pending.stepId).toBe('two');
  });

  it('context nested 1000 deep → CONTEXT_TOO_DEEP (start and continue)', async () => {
    await expectError(
      'start_workflow',
      { workflowId: 'mcp-test-short', workspacePath: sandbox.workspace, context: nested(1000) },
      'CONTEXT_TOO_DEEP',
    );
    const start = await callOk(client, 'start_workflow', {
      workflowId: 'mcp-test-short',
      workspacePath: sandbox.workspace,
    });
    await expectError(
      'continue_workflow',
      { continueToken: start.body.continueToken, context: nested(1000), output: { notesMarkdown: 'x' } },
      'CONTEXT_TOO_DEEP',
    );
  });
});

describe('stdio framing', () => {
  it('survives a line of garbage and still answers initialize', async () => {
    const sandbox = makeSandbox();
    const server = spawnServer(sandbox, ['--workflows', sandbox.workflowsDir]);
    try {
      server.child.stdin?.write('this is not json\n{"jsonrpc":"2.0","id":1,"method":"no/such/method"}\n');
      server.child.stdin?.write(
        `${JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        })}\n`,
      );
      const lines = await waitFor(() => {
        const parsed = server
          .stdout()
          .split('\n')
          .filter((l) => l.trim().length > 0)
          .map(
            (l) =>
              JSON.parse(l) as {
                id?: number | null;
                result?: { serverInfo?: { name: string } };
                error?: { code: number };
              },
          );
        return parsed.some((m) => m.id === 2) ? parsed : undefined;
      });
      expect(lines.find((m) => m.id === 1)?.error?.code).toBe(-32601);
      expect(lines.find((m) => m.id === null)?.error?.code).toBe(-32700);
      expect(lines.find((m) => m.id === 2)?.result?.serverInfo?.name).toBe('worktrain');
      server.child.stdin?.end();
      expect(await exitCode(server.child)).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      sandbox.cleanup();
    }
  });

  it('answers malformed JSON-RPC as the spec says: -32700 for non-JSON, -32600 for an invalid request, id null', async () => {
    const sandbox = makeSandbox();
    const server = spawnServer(sandbox, ['--workflows', sandbox.workflowsDir]);
    try {
      const ping = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' })}\n`;
      // Each bad line is followed by a ping, so its answer is known to be complete once the ping's is.
      const bad = [
        '{"jsonrpc":"2.0","id":1,"method":', // truncated JSON
        '{"id":2,"method":"ping"}', // no jsonrpc member
        '{"jsonrpc":"2.0","id":3,"method":7}', // method is not a string
        '[]', // an (empty) batch
        '"just a string"',
      ];
      server.child.stdin?.write(bad.map((line, i) => `${line}\n${ping(100 + i)}`).join(''));
      const lines = await waitFor(() => {
        const parsed = server
          .stdout()
          .split('\n')
          .filter((l) => l.trim().length > 0)
          .map((l) => JSON.parse(l) as { id?: number | null; error?: { code: number } });
        return parsed.some((m) => m.id === 100 + bad.length - 1) ? parsed : undefined;
      });
      const errors = lines.filter((m) => m.id === null).map((m) => m.error?.code);
      expect(errors).toEqual([-32700, -32600, -32600, -32600, -32600]);
      expect(lines.filter((m) => typeof m.id === 'number' && m.id >= 100)).toHaveLength(bad.length);
      server.child.stdin?.end();
      expect(await exitCode(server.child)).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      sandbox.cleanup();
    }
  });

  it('answers the requests already received when stdin closes right after them, then exits 0', async () => {
    const sandbox = makeSandbox();
    const server = spawnServer(sandbox, ['--workflows', sandbox.workflowsDir]);
    try {
      const messages = [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'pipe', version: '1' },
          },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'start_workflow', arguments: { workflowId: 'mcp-test-short' } },
        },
      ];
      server.child.stdin?.end(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
      expect(await exitCode(server.child)).toBe(0);
      const replies = server
        .stdout()
        .split('\n')
        .filter((l) => l.trim().length > 0)
        .map(
          (l) =>
            JSON.parse(l) as {
              id?: number;
              result?: { structuredContent?: { pending?: { stepId: string } } };
            },
        );
      expect(replies.find((r) => r.id === 2)?.result?.structuredContent?.pending?.stepId).toBe('one');
    } finally {
      server.child.kill('SIGKILL');
      sandbox.cleanup();
    }
  });

  it('answers a context nested 100 000 deep (too deep for the SDK client to even send) with CONTEXT_TOO_DEEP', async () => {
    const sandbox = makeSandbox();
    const server = spawnServer(sandbox, ['--workflows', sandbox.workflowsDir]);
    try {
      const depth = 100_000;
      const deep = `${'{"d":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const init = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      };
      server.child.stdin?.write(
        `${JSON.stringify(init)}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
      );
      server.child.stdin?.write(
        `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"start_workflow","arguments":{"workflowId":"mcp-test-short","context":${deep}}}}\n`,
      );
      server.child.stdin?.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_workflows', arguments: {} } })}\n`,
      );
      const replies = await waitFor(() => {
        const parsed = server
          .stdout()
          .split('\n')
          .filter((l) => l.trim().length > 0)
          .map(
            (l) =>
              JSON.parse(l) as {
                id?: number;
                result?: { isError?: boolean; structuredContent?: { code?: string } };
              },
          );
        return parsed.some((m) => m.id === 3) ? parsed : undefined;
      });
      const deepReply = replies.find((m) => m.id === 2)?.result;
      expect(deepReply?.isError).toBe(true);
      expect(deepReply?.structuredContent?.code).toBe('CONTEXT_TOO_DEEP');
      expect(replies.find((m) => m.id === 3)?.result?.isError).toBeUndefined();
    } finally {
      server.child.kill('SIGKILL');
      sandbox.cleanup();
    }
  });
});
