/**
 * The Anthropic provider with the real `@anthropic-ai/sdk` against the testkit's fake Messages API
 * (real SSE framing, tool_use, errors, faults) on loopback.
 */
import {
  countCacheBreakpoints,
  type FakeAnthropic,
  type FakeTurn,
  startFakeAnthropic,
} from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicProvider, type ModelProvider, runSession, type TurnRequest } from '../src/index.js';
import { FIX_SCRIPT, type Harness, makeHarness } from './helpers/harness.js';

let fake: FakeAnthropic | undefined;
let h: (Harness & { cleanup(): void }) | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  h?.cleanup();
  h = undefined;
});

async function provider(turns: FakeTurn[], maxRetries = 3): Promise<ModelProvider> {
  fake = await startFakeAnthropic({ script: turns, apiKey: 'sk-ant-test' });
  return createAnthropicProvider({
    apiKey: 'sk-ant-test',
    baseURL: fake.url,
    model: 'claude-sonnet-4-5',
    maxTokens: 1024,
    retry: { maxRetries, baseDelayMs: 5, maxDelayMs: 50 },
  });
}

const request: TurnRequest = {
  system: [
    { text: 'You are a test.' },
    { text: 'Guidance.', cache: true },
    { text: 'Rules.', cache: true },
    { text: 'Extra.', cache: true },
  ],
  tools: [
    {
      name: 'read_file',
      description: 'Read.',
      inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
    {
      name: 'bash',
      description: 'Run.',
      inputSchema: { type: 'object', properties: { command: { type: 'string' } } },
    },
  ],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Step id: one\nDo it.' }] }],
};

const toolTurn: FakeTurn = {
  text: 'Reading.',
  toolCalls: [{ name: 'read_file', input: { path: 'src/a.ts' } }],
  usage: {
    input_tokens: 1000,
    output_tokens: 200,
    cache_read_input_tokens: 3000,
    cache_creation_input_tokens: 500,
  },
};

describe('Anthropic provider against the fake Messages API', () => {
  it('streams a tool_use turn with usage, cache tokens and cost', async () => {
    const p = await provider([toolTurn]);
    const deltas: string[] = [];
    const turn = (await p.turn({ ...request, onTextDelta: (t) => deltas.push(t) }))._unsafeUnwrap();
    expect(turn.stopReason).toBe('tool_use');
    expect(turn.message.content).toEqual([
      { type: 'text', text: 'Reading.' },
      { type: 'tool_use', id: expect.any(String), name: 'read_file', input: { path: 'src/a.ts' } },
    ]);
    expect(turn.usage).toEqual({
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 3000,
      cacheWriteTokens: 500,
    });
    expect(turn.attempts).toBe(1);
    expect(deltas.join('')).toBe('Reading.');
    // claude-sonnet-4-5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok
    expect(p.cost(turn.usage)).toBeCloseTo((1000 * 3 + 200 * 15 + 3000 * 0.3 + 500 * 3.75) / 1e6, 10);
  });

  it('sends a streaming request with prompt-cache breakpoints on system, tools and the last message (at most 4)', async () => {
    const p = await provider([toolTurn]);
    (await p.turn(request))._unsafeUnwrap();
    const sent = fake?.requests[0];
    expect(sent?.issues).toEqual([]);
    expect(sent?.stream).toBe(true);
    expect(sent?.apiKey).toBe('sk-ant-test');
    const params = sent?.params;
    if (params === undefined) throw new Error('no params');
    expect(countCacheBreakpoints(params)).toBe(4);
    const body = sent?.body as {
      system: { cache_control?: unknown }[];
      tools: { cache_control?: unknown }[];
    };
    expect(body.system.map((s) => s.cache_control !== undefined)).toEqual([false, false, true, true]);
    expect(body.tools.map((t) => t.cache_control !== undefined)).toEqual([false, true]);
  });

  it('retries 429 and 529 and 500, then succeeds', async () => {
    const p = await provider([
      { kind: 'error', status: 429, retryAfterSeconds: 0 },
      { kind: 'error', status: 529 },
      { kind: 'error', status: 500 },
      toolTurn,
    ]);
    const turn = (await p.turn(request))._unsafeUnwrap();
    expect(turn.attempts).toBe(4);
    expect(fake?.requests).toHaveLength(4);
  });

  it('gives up after the retries with the last error code', async () => {
    const p = await provider(
      [
        { kind: 'error', status: 529 },
        { kind: 'error', status: 529 },
        { kind: 'error', status: 529 },
      ],
      2,
    );
    const error = (await p.turn(request))._unsafeUnwrapErr();
    expect(error).toMatchObject({ code: 'OVERLOADED', details: { status: 529, attempts: 3 } });
  });

  it('does not retry permanent errors', async () => {
    const p = await provider([{ kind: 'error', status: 400, message: 'bad tool schema' }, toolTurn]);
    expect((await p.turn(request))._unsafeUnwrapErr()).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(fake?.requests).toHaveLength(1);
  });

  it('reports a wrong key as AUTHENTICATION without retrying', async () => {
    fake = await startFakeAnthropic({ script: [toolTurn], apiKey: 'sk-ant-right' });
    const p = createAnthropicProvider({
      apiKey: 'sk-ant-wrong',
      baseURL: fake.url,
      model: 'claude-sonnet-4-5',
      maxTokens: 100,
    });
    expect((await p.turn(request))._unsafeUnwrapErr().code).toBe('AUTHENTICATION');
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['cut_mid_tool_input'],
    ['end_mid_tool_input'],
    ['no_message_stop'],
    ['overloaded_mid_stream'],
  ] as const)('detects a %s stream and retries the turn', async (fault) => {
    const p = await provider([{ ...toolTurn, fault }, toolTurn]);
    const turn = (await p.turn(request))._unsafeUnwrap();
    expect(turn.attempts).toBe(2);
    expect(turn.message.content[1]).toMatchObject({ type: 'tool_use', input: { path: 'src/a.ts' } });
  });

  it('never hands out a cut tool input as {} (max_tokens inside the input JSON)', async () => {
    const cut: FakeTurn = {
      toolCalls: [{ name: 'bash', rawInputJson: '{"command": "npm te' }],
      stopReason: 'max_tokens',
    };
    const p = await provider([cut, cut, cut], 2);
    const error = (await p.turn(request))._unsafeUnwrapErr();
    expect(error.code).toBe('TRUNCATED_RESPONSE');
    expect(error.message).toContain('incomplete JSON');
  });

  it('aborts a stalled stream when the signal fires', async () => {
    const p = await provider([{ ...toolTurn, fault: 'stall_after_start' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = (await p.turn({ ...request, signal: controller.signal }))._unsafeUnwrapErr();
    expect(error.code).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('runSession over the real SDK and the fake API', () => {
  it('completes the coding workflow, recording model, tokens and cost', async () => {
    h = makeHarness();
    const { sessionId, continueToken } = await h.start();
    const turns: FakeTurn[] = FIX_SCRIPT.map((t) => ({
      ...(t.text === undefined ? {} : { text: t.text }),
      toolCalls: (t.toolCalls ?? []).map((c) => ({ name: c.name, input: c.input ?? {} })),
      usage: { input_tokens: 100, output_tokens: 10 },
    }));
    turns.splice(2, 0, { kind: 'error', status: 529 });
    const p = await provider(turns);
    const outcome = await runSession({
      engine: h.engine,
      store: h.store,
      conversations: h.conversations,
      provider: p,
      worktree: h.worktree,
      sessionId,
      continueToken,
    });
    expect(outcome.kind).toBe('completed');
    expect(fake?.requests.every((r) => r.issues.length === 0)).toBe(true);
    const completed = (await h.store.readEvents(sessionId))
      ._unsafeUnwrap()
      .filter((e) => e.kind === 'llm_turn_completed');
    expect(completed).toHaveLength(6);
    expect(completed[0]?.data).toMatchObject({
      model: 'claude-sonnet-4-5',
      inputTokens: 100,
      outputTokens: 10,
      costUsd: (100 * 3 + 10 * 15) / 1e6,
    });
    const started = (await h.store.readEvents(sessionId))
      ._unsafeUnwrap()
      .find((e) => e.kind === 'llm_turn_started');
    expect(started?.data).toMatchObject({ provider: 'anthropic', scripted: false });
  });

  it('stops a stream that stalls after its start with the stall budget', async () => {
    h = makeHarness();
    const { sessionId, continueToken } = await h.start();
    const p = await provider([{ ...toolTurn, fault: 'stall_after_start' }]);
    const started = Date.now();
    const outcome = await runSession({
      engine: h.engine,
      store: h.store,
      conversations: h.conversations,
      provider: p,
      worktree: h.worktree,
      sessionId,
      continueToken,
      budget: { stallTimeoutMs: 300 },
    });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'stall', limit: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('ends the run as failed when the model refuses', async () => {
    h = makeHarness();
    const { sessionId, continueToken } = await h.start();
    const p = await provider([{ text: 'I cannot help with that.', stopReason: 'refusal' }]);
    const outcome = await runSession({
      engine: h.engine,
      store: h.store,
      conversations: h.conversations,
      provider: p,
      worktree: h.worktree,
      sessionId,
      continueToken,
    });
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: { code: 'MODEL_ERROR', details: { modelCode: 'REFUSAL' } },
    });
  });
});
