import type { FakeMessage, StreamFault } from './turns.js';

/** One Server-Sent Event exactly as the Messages API frames it: `event: <type>\ndata: <json>\n\n`. */
export function sseFrame(data: { readonly type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Splits `text` into `parts` pieces of near-equal length (fewer when the text is short). */
export function splitInto(text: string, parts: number): string[] {
  if (text.length === 0) return [];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += size) chunks.push(text.slice(start, start + size));
  return chunks;
}

/**
 * The SSE frames of a streamed message, in the documented order (https://docs.anthropic.com/en/docs/
 * build-with-claude/streaming): `message_start`, then per block `content_block_start`, its
 * `content_block_delta`s (`text_delta`; `input_json_delta` starting with an empty `partial_json`, then the
 * input in several partial chunks), `content_block_stop` (a `ping` after the first block start); then `message_delta` (stop_reason, usage) and
 * `message_stop`. With a fault, also the index at which the fake stops sending (`stopAt` frames are sent).
 */
export function messageFrames(
  message: FakeMessage,
  rawInputs: readonly string[],
  fault: StreamFault | undefined,
): { frames: string[]; stopAt: number | undefined } {
  const frames: string[] = [];
  frames.push(
    sseFrame({
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    }),
  );
  let stopAt: number | undefined;
  let toolIndex = 0;
  const ping = (): void => {
    // The API sends its first ping right after the first content_block_start (canonical stream fixture).
    if (index0Pinged) return;
    index0Pinged = true;
    frames.push(sseFrame({ type: 'ping' }));
  };
  let index0Pinged = false;
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      frames.push(
        sseFrame({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
      );
      ping();
      for (const piece of splitInto(block.text, 3)) {
        frames.push(
          sseFrame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }),
        );
      }
    } else {
      const raw = rawInputs[toolIndex] ?? '{}';
      toolIndex += 1;
      frames.push(
        sseFrame({
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      ping();
      const pieces = ['', ...splitInto(raw, 3)];
      const firstDelta = frames.length;
      for (const piece of pieces) {
        frames.push(
          sseFrame({
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          }),
        );
      }
      if (stopAt === undefined && (fault === 'cut_mid_tool_input' || fault === 'end_mid_tool_input')) {
        // Keep the empty opener and at least one partial chunk, but never the whole input.
        stopAt = firstDelta + Math.max(2, Math.min(pieces.length - 1, Math.ceil(pieces.length / 2)));
      }
    }
    frames.push(sseFrame({ type: 'content_block_stop', index }));
  });
  ping();
  frames.push(
    sseFrame({
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: { output_tokens: message.usage.output_tokens },
    }),
  );
  frames.push(sseFrame({ type: 'message_stop' }));
  if (fault === 'no_message_stop') stopAt = frames.length - 1;
  // A mid-tool-input fault on a turn without tool calls stops after the first delta of any block.
  if (stopAt === undefined && fault !== undefined && fault !== 'no_message_stop')
    stopAt = Math.min(4, frames.length - 1);
  return { frames, stopAt };
}
