import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAnthropic, messageFrames, startFakeAnthropic } from '../src/index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/third-party/anthropic/${name}`, import.meta.url), 'utf8');
const canonicalSse = fixture('tool-use-stream.canonical.sse');
const finalMessage: unknown = JSON.parse(fixture('tool-use-message.final.json'));
const followUp = JSON.parse(
  fixture('tool-result-followup.request.json'),
) as Anthropic.MessageCreateParamsNonStreaming;

// The same turn as the canonical stream, expressed as a script entry.
const canonicalTurn = {
  id: 'msg_01Fake',
  model: 'claude-fake',
  text: 'I will check the file.',
  toolCalls: [{ id: 'toolu_01Fake', name: 'read_file', input: { path: 'src/index.ts' } }],
  usage: { input_tokens: 472, output_tokens: 89 },
};
const request = {
  model: 'claude-fake',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Fix the bug' }],
};

/** Drops what the SDK adds on top of the wire message (`parsed_output` since 1.14, `_request_id`). */
function wireFields(message: object): Record<string, unknown> {
  const { parsed_output: _parsed, _request_id: _id, ...rest } = message as Record<string, unknown>;
  return rest;
}

function eventTypes(sse: string): string[] {
  const types = [...sse.matchAll(/^event: (\w+)$/gm)].map((match) => match[1] ?? '');
  // Collapse runs (the number of delta chunks is free) to compare the event grammar.
  return types.filter((type, index) => type !== types[index - 1]);
}

describe('fake Anthropic against the canonical stream and the real SDK', () => {
  let fake: FakeAnthropic;
  let client: Anthropic;
  beforeEach(async () => {
    fake = await startFakeAnthropic();
    client = new Anthropic({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
  });
  afterEach(() => fake.close());

  it('replays the canonical SSE so that messages.stream() yields the canonical final message', async () => {
    fake.push({ kind: 'raw_sse', body: canonicalSse });
    const message = await client.messages.stream(request).finalMessage();
    expect(wireFields(message)).toEqual(finalMessage);
  });

  it('generates a stream for the same turn that the SDK parses to the canonical message', async () => {
    fake.push(canonicalTurn);
    const message = await client.messages.stream(request).finalMessage();
    expect(message).toMatchObject(finalMessage as Record<string, unknown>);
  });

  it('answers create() without stream with the same message the stream yields', async () => {
    fake.push(canonicalTurn, canonicalTurn);
    const streamed = await client.messages.stream(request).finalMessage();
    const created = await client.messages.create(request);
    expect(created).toMatchObject(finalMessage as Record<string, unknown>);
    expect(wireFields(created)).toEqual(wireFields(streamed));
  });

  it('frames a generated stream with the same event grammar as the canonical stream', () => {
    const { frames } = messageFrames(
      {
        id: 'msg_01Fake',
        type: 'message',
        role: 'assistant',
        model: 'claude-fake',
        content: [
          { type: 'text', text: 'I will check the file.' },
          { type: 'tool_use', id: 'toolu_01Fake', name: 'read_file', input: { path: 'src/index.ts' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: {
          input_tokens: 472,
          output_tokens: 89,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          service_tier: 'standard',
        },
      },
      ['{"path": "src/index.ts"}'],
      undefined,
    );
    expect(eventTypes(frames.join(''))).toEqual(eventTypes(canonicalSse));
    const inputChunks = frames.filter((frame) => frame.includes('input_json_delta'));
    expect(inputChunks.length).toBeGreaterThanOrEqual(3);
  });

  it('accepts the canonical follow-up request carrying the tool_result and records it as sent', async () => {
    fake.push({ text: 'Done.' });
    const message = await client.messages.create(followUp);
    expect(message.content).toEqual([{ type: 'text', text: 'Done.' }]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.issues).toEqual([]);
    expect(fake.requests[0]?.body).toEqual(followUp);
  });
});
