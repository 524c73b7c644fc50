import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAnthropic, type FakeMessageTurn, startFakeAnthropic } from '../src/index.js';

const base = { model: 'claude-fake', max_tokens: 256, messages: [{ role: 'user' as const, content: 'go' }] };

let fake: FakeAnthropic;
let client: Anthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.close());

describe('overload, delays and stalls (what the real SDK does with each)', () => {
  it('an SSE error event mid-stream rejects the stream with the overloaded_error body', async () => {
    fake.push({ text: 'partial answer here', fault: 'overloaded_mid_stream' });
    const error = await client.messages
      .stream(base)
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('a delayed answer trips the SDK timeout', async () => {
    fake.push({ text: 'late', delayMs: 2_000 });
    const impatient = new Anthropic({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, timeout: 200 });
    await expect(impatient.messages.create(base)).rejects.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
  });

  it('a stalled stream is not timed out by the SDK once headers arrived; abort() ends it', async () => {
    fake.push({ text: 'starts then stalls', fault: 'stall_after_start' });
    // The SDK's `timeout` covers the wait for response headers only: a stall after them needs the caller's
    // own stall timer. Here the caller aborts as soon as the first text delta arrived.
    const stream = new Anthropic({
      apiKey: 'sk-test',
      baseURL: fake.url,
      maxRetries: 0,
      timeout: 200,
    }).messages.stream(base);
    stream.on('text', () => stream.abort());
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
  });

  it('closing the fake ends a stalled stream with an error instead of hanging', async () => {
    fake.push({ text: 'starts then stalls', fault: 'stall_after_start' });
    const stream = client.messages.stream(base);
    const outcome = stream.finalMessage().catch((caught: unknown) => caught);
    stream.on('text', () => void fake.close());
    expect(await outcome).toBeInstanceOf(Error);
  });
});

describe('property: any scripted turn round-trips through the real SDK', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const turn = fc.record(
    {
      text: fc.string({ minLength: 1, maxLength: 200 }),
      toolCalls: fc.array(
        fc.record({
          name: fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/),
          input: fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 5 }),
        }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  );

  it('streamed and non-streamed answers parse to the scripted content', async () => {
    await fc.assert(
      fc.asyncProperty(turn, async (scripted: FakeMessageTurn) => {
        fake.push(scripted, scripted);
        const streamed = await client.messages.stream(base).finalMessage();
        const created = await client.messages.create(base);
        const expected = [
          ...(scripted.text === undefined ? [] : [{ type: 'text', text: scripted.text }]),
          ...(scripted.toolCalls ?? []).map((call) => ({
            type: 'tool_use',
            name: call.name,
            input: JSON.parse(JSON.stringify(call.input)),
          })),
        ];
        expect(streamed.content).toMatchObject(expected);
        expect(created.content).toMatchObject(expected);
        expect(streamed.content).toHaveLength(expected.length);
        expect(streamed.stop_reason).toBe(created.stop_reason);
      }),
      { numRuns: 40 },
    );
  });
});
