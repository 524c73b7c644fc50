import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countCacheBreakpoints, type FakeAnthropic, startFakeAnthropic } from '../src/index.js';

const base = {
  model: 'claude-fake',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Fix the bug' }],
};
const toolTurn = {
  text: 'Reading it now.',
  toolCalls: [{ name: 'read_file', input: { path: 'src/deeply/nested/file.ts' } }],
};

let fake: FakeAnthropic;
let client: Anthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic({ apiKey: 'sk-test' });
  client = new Anthropic({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.close());

describe('scripted turns', () => {
  it('consumes a queue of turns in order and records each request', async () => {
    fake.script([toolTurn, { text: 'All fixed.' }]);
    const first = await client.messages.create(base);
    const second = await client.messages.create(base);
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'read_file',
      input: { path: 'src/deeply/nested/file.ts' },
    });
    expect(second.content).toEqual([{ type: 'text', text: 'All fixed.' }]);
    expect(second.stop_reason).toBe('end_turn');
    expect(fake.requests.map((request) => request.response?.status)).toEqual([200, 200]);
    expect(fake.requests[1]?.receivedAt).toBeGreaterThanOrEqual(
      fake.requests[0]?.receivedAt ?? Number.POSITIVE_INFINITY,
    );
    expect(fake.remaining()).toBe(0);
  });

  it('lets a responder function choose the turn from the validated request', async () => {
    fake.script((request) => ({ text: `echo: ${String(request.params.messages.at(-1)?.content)}` }));
    const message = await client.messages.create({ ...base, messages: [{ role: 'user', content: 'ping' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'echo: ping' }]);
  });

  it('answers 500 naming the request when the script is exhausted', async () => {
    const error = await client.messages.create(base).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as APIError).message).toContain('script has no turn left for request #0');
  });

  it('streams text and tool input in several deltas the SDK reassembles', async () => {
    fake.push(toolTurn);
    const texts: string[] = [];
    const jsonChunks: string[] = [];
    const stream = client.messages.stream(base);
    stream.on('text', (delta) => texts.push(delta));
    stream.on('inputJson', (partial) => jsonChunks.push(partial));
    const message = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe('Reading it now.');
    expect(jsonChunks.filter((chunk) => chunk !== '').length).toBeGreaterThan(1);
    expect(message.content[1]).toMatchObject({ input: { path: 'src/deeply/nested/file.ts' } });
  });

  it('reports usage with cache tokens in streamed and non-streamed answers', async () => {
    const usage = {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 1200,
    };
    fake.push({ text: 'ok', usage }, { text: 'ok', usage });
    const streamed = await client.messages.stream(base).finalMessage();
    const created = await client.messages.create(base);
    expect(streamed.usage).toMatchObject(usage);
    expect(created.usage).toMatchObject(usage);
  });

  it('sends request-id and rate-limit headers', async () => {
    fake.push({ text: 'ok' });
    const { response, request_id } = await client.messages.create(base).withResponse();
    expect(request_id).toMatch(/^req_fake_/);
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('4000');
    expect(Number(response.headers.get('anthropic-ratelimit-requests-remaining'))).toBe(3999);
    expect(Date.parse(response.headers.get('anthropic-ratelimit-tokens-reset') ?? '')).toBeGreaterThan(
      Date.now(),
    );
  });

  it('lets the SDK receive a tool input truncated by max_tokens as a partial object', async () => {
    fake.push({
      toolCalls: [{ name: 'write_file', rawInputJson: '{"path": "a.ts", "content": "abc' }],
      stopReason: 'max_tokens',
    });
    const message = await client.messages.stream(base).finalMessage();
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content[0]).toMatchObject({ type: 'tool_use', input: { path: 'a.ts' } });
  });
});

describe('errors with the real status, type and body', () => {
  it.each([
    [400, Anthropic.BadRequestError, 'invalid_request_error'],
    [401, Anthropic.AuthenticationError, 'authentication_error'],
    [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
    [529, Anthropic.APIError, 'overloaded_error'],
  ] as const)(
    'answers a scripted %i with its error class and body type',
    async (status, errorClass, type) => {
      fake.push({ kind: 'error', status, retryAfterSeconds: status === 429 ? 7 : undefined });
      const error = await client.messages.create(base).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(errorClass);
      const apiError = error as APIError;
      expect(apiError.status).toBe(status);
      expect(apiError.error).toMatchObject({
        type: 'error',
        error: { type },
        request_id: expect.stringMatching(/^req_fake_/),
      });
      if (status === 429) expect(apiError.headers?.get('retry-after')).toBe('7');
    },
  );

  it('lets the SDK retry a 529 and then succeed', async () => {
    fake.push({ kind: 'error', status: 529 }, { text: 'after overload' });
    const retrying = new Anthropic({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 1 });
    const message = await retrying.messages.create(base);
    expect(message.content).toEqual([{ type: 'text', text: 'after overload' }]);
    expect(fake.requests.map((request) => request.response?.status)).toEqual([529, 200]);
  });

  it('rejects a wrong API key with 401 without consuming the script', async () => {
    fake.push({ text: 'kept' });
    const wrong = new Anthropic({ apiKey: 'sk-wrong', baseURL: fake.url, maxRetries: 0 });
    await expect(wrong.messages.create(base)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(fake.remaining()).toBe(1);
  });

  it('answers 400 to a request without anthropic-version or with a non-JSON body', async () => {
    const noVersion = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-test', 'content-type': 'application/json' },
      body: JSON.stringify(base),
    });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    const notJson = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-test', 'anthropic-version': '2023-06-01' },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    expect(fake.requests[1]?.issues[0]).toContain('not valid JSON');
  });
});

describe('request validation like the real API', () => {
  it('rejects a tool_result whose tool_use is not in the previous assistant message', async () => {
    fake.push({ text: 'never sent' });
    const error = await client.messages
      .create({
        ...base,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }] },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as APIError).message).toContain(
      'unexpected `tool_use_id` found in `tool_result` blocks: toolu_missing',
    );
    expect(fake.remaining()).toBe(1);
  });

  it('rejects an assistant tool_use not answered by a tool_result in the next message', async () => {
    const error = await client.messages
      .create({
        ...base,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: {} }] },
          { role: 'user', content: 'go on' },
        ],
      })
      .catch((caught: unknown) => caught);
    expect((error as APIError).status).toBe(400);
    expect(fake.requests[0]?.issues[0]).toContain('without `tool_result` blocks immediately after: toolu_1');
  });

  it('rejects unknown fields, a missing max_tokens and more than 4 cache breakpoints', async () => {
    const bodies: unknown[] = [
      { ...base, temprature: 0.5 },
      { model: 'm', messages: base.messages },
      {
        ...base,
        system: Array.from({ length: 5 }, (_, index) => ({
          type: 'text',
          text: `s${index}`,
          cache_control: { type: 'ephemeral' },
        })),
      },
    ];
    for (const body of bodies) {
      const response = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': 'sk-test',
          'anthropic-version': '2023-06-01',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
    }
    expect(fake.requests.map((request) => request.issues.join(' '))).toEqual([
      expect.stringContaining('temprature'),
      expect.stringContaining('max_tokens'),
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    ]);
  });

  it('records cache_control markers, tools and system for assertions', async () => {
    fake.push({ text: 'ok' });
    await client.messages.create({
      ...base,
      system: [{ type: 'text', text: 'You are careful.', cache_control: { type: 'ephemeral' } }],
      tools: [
        {
          name: 'bash',
          input_schema: { type: 'object', properties: {} },
          cache_control: { type: 'ephemeral' },
        },
      ],
    });
    const params = fake.requests[0]?.params;
    expect(params?.tools?.map((tool) => tool.name)).toEqual(['bash']);
    expect(params === undefined ? 0 : countCacheBreakpoints(params)).toBe(2);
    // SDK 1.14 sends the key as `Authorization: Bearer`; older versions used `x-api-key`.
    expect(fake.requests[0]?.apiKey).toBe('sk-test');
  });
});

describe('broken streams (what the real SDK does with each)', () => {
  it('cut connection mid tool input: the stream rejects with "terminated"', async () => {
    fake.push({ ...toolTurn, fault: 'cut_mid_tool_input' });
    await expect(client.messages.stream(base).finalMessage()).rejects.toThrow(/terminated/);
  });

  it('clean end mid tool input: the stream rejects, no message produced', async () => {
    fake.push({ ...toolTurn, fault: 'end_mid_tool_input' });
    await expect(client.messages.stream(base).finalMessage()).rejects.toThrow(
      /stream ended without producing a Message/,
    );
  });

  it('stream without message_stop: the stream rejects', async () => {
    fake.push({ ...toolTurn, fault: 'no_message_stop' });
    const events: string[] = [];
    const stream = client.messages.stream(base);
    stream.on('streamEvent', (event) => events.push(event.type));
    await expect(stream.finalMessage()).rejects.toThrow(/stream ended without producing a Message/);
    expect(events).toContain('message_delta');
    expect(events).not.toContain('message_stop');
  });

  it('cut connection on a non-streaming request: the SDK reports a connection error', async () => {
    fake.push({ ...toolTurn, fault: 'cut_mid_tool_input' });
    await expect(client.messages.create(base)).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
  });
});
