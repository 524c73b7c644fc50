/**
 * Shapes a provider-neutral turn request into Messages API parameters (shared by the Anthropic and Bedrock
 * providers). Prompt caching: `cache_control: {type: 'ephemeral'}` on the system sections marked `cache`
 * (at most two), on the last tool definition and on the last block of the last message, so the stable
 * prefix (system + tools) and the conversation so far are cached. The API allows at most 4 breakpoints
 * (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching); this never sets more.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, ModelMessage, StopReason, TurnRequest } from './provider.js';

type Params = Anthropic.MessageCreateParamsNonStreaming;
type BlockParam = Anthropic.ContentBlockParam;
const EPHEMERAL = { type: 'ephemeral' } as const;

/** Maximum system sections carrying a cache breakpoint (tools and the last message take the other two). */
const MAX_SYSTEM_BREAKPOINTS = 2;

function toBlockParam(block: ContentBlock): BlockParam {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: block.toolUseId,
        content: block.content,
        is_error: block.isError,
      };
  }
}

function withCache(block: BlockParam): BlockParam {
  // Every block param type accepts cache_control; spreading keeps the discriminant intact.
  return { ...block, cache_control: EPHEMERAL } as BlockParam;
}

function toMessageParams(messages: readonly ModelMessage[]): Anthropic.MessageParam[] {
  return messages.map((message, index) => {
    const blocks = message.content.map(toBlockParam);
    const last = blocks.length - 1;
    if (index === messages.length - 1 && last >= 0) blocks[last] = withCache(blocks[last] as BlockParam);
    return { role: message.role, content: blocks };
  });
}

/** Builds the Messages API body (without `stream`) for a turn request. */
export function buildMessagesParams(
  request: TurnRequest,
  options: { readonly model: string; readonly maxTokens: number },
): Params {
  const cached = request.system.map((s, i) => ({ s, i })).filter(({ s }) => s.cache === true);
  const breakpointAt = new Set(cached.slice(-MAX_SYSTEM_BREAKPOINTS).map(({ i }) => i));
  const system: Anthropic.TextBlockParam[] = request.system
    .filter((s) => s.text !== '')
    .map((s) => ({
      type: 'text' as const,
      text: s.text,
      ...(breakpointAt.has(request.system.indexOf(s)) ? { cache_control: EPHEMERAL } : {}),
    }));
  const tools: Anthropic.Tool[] = request.tools.map((tool, i) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { type: 'object', ...tool.inputSchema },
    ...(i === request.tools.length - 1 ? { cache_control: EPHEMERAL } : {}),
  }));
  return {
    model: options.model,
    max_tokens: options.maxTokens,
    ...(system.length > 0 ? { system } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    messages: toMessageParams(request.messages),
  };
}

/** Maps the API's stop_reason onto ours. */
export function mapStopReason(reason: string | null | undefined): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
    case 'refusal':
    case 'pause_turn':
      return reason;
    default:
      return 'other';
  }
}
