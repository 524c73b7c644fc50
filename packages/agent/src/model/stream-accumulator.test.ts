import type Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamAccumulator } from './stream-accumulator.js';

type Event = Anthropic.RawMessageStreamEvent;

/** A canonical stream: text block, then a tool_use whose input JSON arrives in `chunks`. */
function events(input: Record<string, unknown>, chunkSizes: number[]): Event[] {
  const json = JSON.stringify(input);
  const chunks: string[] = [];
  let at = 0;
  for (const size of chunkSizes) {
    if (at >= json.length) break;
    chunks.push(json.slice(at, at + size));
    at += size;
  }
  if (at < json.length) chunks.push(json.slice(at));
  const usage = {
    input_tokens: 10,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  return [
    {
      type: 'message_start',
      message: {
        id: 'm',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 't', name: 'bash', input: {} },
    },
    ...chunks.map(
      (partial_json): Event => ({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json },
      }),
    ),
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 7 },
    },
    { type: 'message_stop' },
  ] as Event[];
}

describe('StreamAccumulator', () => {
  it('rebuilds a complete stream exactly, and never completes a stream cut at any point', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 5 }),
          fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()),
          { minKeys: 1, maxKeys: 4 },
        ),
        fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 20 }),
        fc.nat(),
        (input, sizes, cutSeed) => {
          const all = events(input, sizes);
          const whole = new StreamAccumulator();
          for (const e of all) whole.push(e);
          const done = whole.finish();
          expect(done).toMatchObject({ complete: true, stopReason: 'tool_use', usage: { outputTokens: 7 } });
          if (done.complete)
            expect(done.content[1]).toEqual({ type: 'tool_use', id: 't', name: 'bash', input });
          const cut = cutSeed % all.length; // strictly before message_stop
          const partial = new StreamAccumulator();
          for (const e of all.slice(0, cut)) partial.push(e);
          expect(partial.finish().complete).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports incomplete tool JSON even when every event arrived (max_tokens inside the input)', () => {
    const acc = new StreamAccumulator();
    const all = events({ command: 'npm test' }, [5]).filter(
      (e) =>
        !(
          e.type === 'content_block_delta' &&
          e.index === 1 &&
          e.delta.type === 'input_json_delta' &&
          !e.delta.partial_json.startsWith('{')
        ),
    );
    for (const e of all) acc.push(e);
    const done = acc.finish();
    expect(done.complete).toBe(false);
    if (!done.complete) expect(done.reason).toContain('incomplete JSON');
  });
});
