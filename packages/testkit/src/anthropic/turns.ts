import type { MessageCreateParams } from './request-schema.js';

/** One tool call the fake model makes. `input` is serialised to JSON; `rawInputJson` is sent verbatim
 * (it may be incomplete JSON, as when the real API stops with `max_tokens` inside a tool input). */
export interface FakeToolCall {
  readonly name: string;
  readonly input?: Record<string, unknown>;
  readonly rawInputJson?: string;
  /** Defaults to a deterministic `toolu_fake_<turn>_<index>`. */
  readonly id?: string;
}

/** Token counts reported for a turn; anything left out is derived deterministically from sizes. */
export interface FakeUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
  readonly cache_creation_input_tokens?: number;
  readonly cache_read_input_tokens?: number;
}

/**
 * How a streamed response goes wrong on purpose:
 * - `cut_mid_tool_input`: the TCP connection is destroyed after half of the first tool_use input chunks;
 * - `end_mid_tool_input`: the HTTP response ends cleanly at the same point (no `content_block_stop`);
 * - `no_message_stop`: every event except the final `message_stop`, then a clean end;
 * - `overloaded_mid_stream`: after the first content delta, an SSE `event: error` with an
 *   `overloaded_error` body (the API does this on a 200 stream), then a clean end;
 * - `stall_after_start`: after the first content delta, nothing more: the connection stays open until the
 *   client gives up or the fake is closed (for stall timeouts and kill switches).
 * For a non-streaming request, `cut_*`/`end_*` send half of the JSON body and then cut/end,
 * `overloaded_mid_stream` answers 529, and `stall_after_start` sends headers and then nothing.
 */
export type StreamFault =
  | 'cut_mid_tool_input'
  | 'end_mid_tool_input'
  | 'no_message_stop'
  | 'overloaded_mid_stream'
  | 'stall_after_start';

/** A successful assistant message: optional text first, then tool calls (the order the real model uses). */
export interface FakeMessageTurn {
  readonly kind?: 'message';
  readonly text?: string;
  readonly toolCalls?: readonly FakeToolCall[];
  /** Defaults to `tool_use` when there are tool calls, else `end_turn`. */
  readonly stopReason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'pause_turn' | 'refusal';
  readonly stopSequence?: string;
  readonly usage?: FakeUsage;
  /** Defaults to a deterministic `msg_fake_<n>`. */
  readonly id?: string;
  /** Defaults to the request's model. */
  readonly model?: string;
  readonly fault?: StreamFault;
  /** Milliseconds to wait before answering (to exercise client timeouts / kill switches). */
  readonly delayMs?: number;
}

/** Status codes the fake answers with the real error `type` for each (Anthropic "Errors" docs). */
export type FakeErrorStatus = 400 | 401 | 403 | 404 | 413 | 429 | 500 | 529;

/** An HTTP error response with the real body `{type:"error", error:{type, message}, request_id}`. */
export interface FakeErrorTurn {
  readonly kind: 'error';
  readonly status: FakeErrorStatus;
  readonly message?: string;
  /** Sent as `retry-after` (seconds); defaults to 0 for 429 and 529. */
  readonly retryAfterSeconds?: number;
}

/** A raw SSE body replayed byte for byte (e.g. a recorded canonical stream). Streaming requests only. */
export interface FakeRawSseTurn {
  readonly kind: 'raw_sse';
  readonly body: string;
}

export type FakeTurn = FakeMessageTurn | FakeErrorTurn | FakeRawSseTurn;

/** Error `type` per status, from https://docs.anthropic.com/en/api/errors. */
export const ERROR_TYPES: Record<FakeErrorStatus, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const DEFAULT_ERROR_MESSAGES: Record<FakeErrorStatus, string> = {
  400: 'Invalid request',
  401: 'invalid x-api-key',
  403: 'Your API key does not have permission to use the specified resource.',
  404: 'Not found',
  413: 'Request exceeds the maximum allowed number of bytes.',
  429: 'Number of request tokens has exceeded your per-minute rate limit',
  500: 'Internal server error',
  529: 'Overloaded',
};

export function errorBody(status: FakeErrorStatus, message: string | undefined, requestId: string): unknown {
  return {
    type: 'error',
    error: { type: ERROR_TYPES[status], message: message ?? DEFAULT_ERROR_MESSAGES[status] },
    request_id: requestId,
  };
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/** The final `Message` object of a turn, as a non-streaming response returns it. */
export interface FakeMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    service_tier: 'standard';
  };
}

/** Roughly 4 characters per token: deterministic, and the right order of magnitude. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function parseLenient(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}

/** Resolves a message turn against a request into the exact Message the fake will send. */
export function buildMessage(
  turn: FakeMessageTurn,
  request: MessageCreateParams,
  sequence: number,
): { message: FakeMessage; rawInputs: string[] } {
  const content: ContentBlock[] = [];
  const rawInputs: string[] = [];
  if (turn.text !== undefined) content.push({ type: 'text', text: turn.text });
  (turn.toolCalls ?? []).forEach((call, index) => {
    const raw = call.rawInputJson ?? JSON.stringify(call.input ?? {});
    rawInputs.push(raw);
    content.push({
      type: 'tool_use',
      id: call.id ?? `toolu_fake_${sequence}_${index}`,
      name: call.name,
      input: parseLenient(raw),
    });
  });
  const outputText = content
    .map((block) => (block.type === 'text' ? block.text : JSON.stringify(block)))
    .join('');
  const usage = turn.usage ?? {};
  return {
    message: {
      id: turn.id ?? `msg_fake_${sequence}`,
      type: 'message',
      role: 'assistant',
      model: turn.model ?? request.model,
      content,
      stop_reason: turn.stopReason ?? ((turn.toolCalls ?? []).length > 0 ? 'tool_use' : 'end_turn'),
      stop_sequence: turn.stopSequence ?? null,
      usage: {
        input_tokens:
          usage.input_tokens ??
          estimateTokens(JSON.stringify(request.messages) + JSON.stringify(request.system ?? '')),
        output_tokens: usage.output_tokens ?? estimateTokens(outputText),
        cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
        service_tier: 'standard',
      },
    },
    rawInputs,
  };
}
