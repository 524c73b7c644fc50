/**
 * Accumulates raw Messages API stream events into a complete assistant message, and says precisely when the
 * stream was incomplete. We do this ourselves rather than trusting the SDK's snapshot because the SDK turns
 * a cut `input_json_delta` sequence into `{}` (or a lenient partial parse) without telling the caller.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { JsonObject } from '@worktrain/contracts';
import { JsonObjectSchema } from '@worktrain/contracts';
import { mapStopReason } from './anthropic-request.js';
import type { ContentBlock, StopReason, TurnUsage } from './provider.js';

type Block =
  | { kind: 'text'; text: string; stopped: boolean }
  | { kind: 'tool_use'; id: string; name: string; json: string; stopped: boolean }
  | { kind: 'other'; stopped: boolean };

export type AccumulatedTurn =
  | {
      readonly complete: true;
      readonly content: ContentBlock[];
      readonly stopReason: StopReason;
      readonly usage: TurnUsage;
      readonly model: string;
    }
  | { readonly complete: false; readonly reason: string; readonly usage: TurnUsage };

export class StreamAccumulator {
  private readonly blocks: Block[] = [];
  private model = '';
  private stopReason: string | null = null;
  private sawStart = false;
  private sawStop = false;
  private inputTokens = 0;
  private outputTokens = 0;
  private cacheRead = 0;
  private cacheWrite = 0;

  constructor(private readonly onTextDelta?: (text: string) => void) {}

  /** Feeds one event; events after `message_stop` are ignored. */
  push(event: Anthropic.RawMessageStreamEvent): void {
    switch (event.type) {
      case 'message_start': {
        this.sawStart = true;
        this.model = event.message.model;
        const u = event.message.usage;
        this.inputTokens = u.input_tokens;
        this.outputTokens = u.output_tokens;
        this.cacheRead = u.cache_read_input_tokens ?? 0;
        this.cacheWrite = u.cache_creation_input_tokens ?? 0;
        return;
      }
      case 'content_block_start': {
        const b = event.content_block;
        if (b.type === 'text') this.blocks[event.index] = { kind: 'text', text: b.text, stopped: false };
        else if (b.type === 'tool_use')
          this.blocks[event.index] = { kind: 'tool_use', id: b.id, name: b.name, json: '', stopped: false };
        else this.blocks[event.index] = { kind: 'other', stopped: false };
        return;
      }
      case 'content_block_delta': {
        const block = this.blocks[event.index];
        if (block === undefined) return;
        if (event.delta.type === 'text_delta' && block.kind === 'text') {
          block.text += event.delta.text;
          this.onTextDelta?.(event.delta.text);
        } else if (event.delta.type === 'input_json_delta' && block.kind === 'tool_use') {
          block.json += event.delta.partial_json;
        }
        return;
      }
      case 'content_block_stop': {
        const block = this.blocks[event.index];
        if (block !== undefined) block.stopped = true;
        return;
      }
      case 'message_delta': {
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        const u = event.usage;
        this.outputTokens = u.output_tokens;
        if (typeof u.input_tokens === 'number') this.inputTokens = u.input_tokens;
        if (typeof u.cache_read_input_tokens === 'number') this.cacheRead = u.cache_read_input_tokens;
        if (typeof u.cache_creation_input_tokens === 'number')
          this.cacheWrite = u.cache_creation_input_tokens;
        return;
      }
      case 'message_stop':
        this.sawStop = true;
        return;
    }
  }

  private usage(): TurnUsage {
    return {
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheRead,
      cacheWriteTokens: this.cacheWrite,
    };
  }

  /** The turn, or why it is incomplete (no message_start/message_stop, an open block, bad tool JSON). */
  finish(): AccumulatedTurn {
    const usage = this.usage();
    if (!this.sawStart) return { complete: false, reason: 'the stream ended before message_start', usage };
    if (!this.sawStop) return { complete: false, reason: 'the stream ended without message_stop', usage };
    const content: ContentBlock[] = [];
    for (const [index, block] of this.blocks.entries()) {
      if (block === undefined || block.kind === 'other') continue;
      if (!block.stopped)
        return { complete: false, reason: `content block ${index} was never closed`, usage };
      if (block.kind === 'text') {
        if (block.text !== '') content.push({ type: 'text', text: block.text });
        continue;
      }
      const input = parseToolInput(block.json);
      if (input === undefined)
        return {
          complete: false,
          reason: `the input of tool call ${block.name} (${block.id}) is incomplete JSON (${block.json.length} chars)`,
          usage,
        };
      content.push({ type: 'tool_use', id: block.id, name: block.name, input });
    }
    return { complete: true, content, stopReason: mapStopReason(this.stopReason), usage, model: this.model };
  }
}

/** A tool input: '' means `{}` (a tool called without arguments); anything else must be a JSON object. */
export function parseToolInput(json: string): JsonObject | undefined {
  if (json.trim() === '') return {};
  try {
    const parsed = JsonObjectSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
