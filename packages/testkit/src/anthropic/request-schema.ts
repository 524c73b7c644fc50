import * as z from 'zod';

// Shapes of `POST /v1/messages` request bodies, after Anthropic's API reference
// (https://docs.anthropic.com/en/api/messages) and the TypeScript types of @anthropic-ai/sdk 1.14
// (`MessageCreateParamsBase`, `ContentBlockParam`, `ToolUnion`). Objects are strict because the real API
// answers 400 "Extra inputs are not permitted" to unknown fields; the set of block types is the common one
// an agent loop uses (text, image, document, tool_use, tool_result, thinking, redacted_thinking).

const cacheControl = z.strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() });
const citations = z.array(z.record(z.string(), z.unknown())).nullish();

const textBlock = z.strictObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControl.nullish(),
  citations,
});
const imageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.record(z.string(), z.unknown()),
  cache_control: cacheControl.nullish(),
});
const documentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.record(z.string(), z.unknown()),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.record(z.string(), z.unknown()).nullish(),
  cache_control: cacheControl.nullish(),
});
const toolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl.nullish(),
});
const toolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock]))])
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl.nullish(),
});
const thinkingBlock = z.strictObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});
const redactedThinkingBlock = z.strictObject({ type: z.literal('redacted_thinking'), data: z.string() });

const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  documentBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

export const messageParamSchema = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlock)]),
});

const toolSchema = z.strictObject({
  type: z.literal('custom').optional(),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'tool name must match ^[a-zA-Z0-9_-]{1,128}$'),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  cache_control: cacheControl.nullish(),
});

/** zod schema of a Messages API request body (the fields an agent loop sends). */
export const messageCreateParamsSchema = z.strictObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(messageParamSchema).min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
      z.strictObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
      z.strictObject({
        type: z.literal('tool'),
        name: z.string(),
        disable_parallel_tool_use: z.boolean().optional(),
      }),
      z.strictObject({ type: z.literal('none') }),
    ])
    .optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  metadata: z.strictObject({ user_id: z.string().nullish() }).optional(),
  thinking: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) }),
      z.strictObject({ type: z.literal('disabled') }),
    ])
    .optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
});

export type MessageCreateParams = z.infer<typeof messageCreateParamsSchema>;
export type MessageParam = z.infer<typeof messageParamSchema>;

/** Most `cache_control` breakpoints one request may carry (Anthropic prompt-caching docs). */
export const MAX_CACHE_BREAKPOINTS = 4;

/**
 * Validates a request body: the zod shape, then the cross-message rules the real API enforces with a 400:
 * every `tool_use` of an assistant message is answered by a `tool_result` in the next user message, every
 * `tool_result` answers a `tool_use` of the previous assistant message, and at most 4 cache breakpoints.
 * Returns the parsed body or a list of messages phrased like the API's (`messages.2.content.0: …`).
 */
export function validateMessageCreateParams(
  body: unknown,
): { ok: true; value: MessageCreateParams } | { ok: false; issues: string[] } {
  const parsed = messageCreateParamsSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
    };
  }
  const issues = [...checkToolPairing(parsed.data.messages), ...checkCacheBreakpoints(parsed.data)];
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: parsed.data };
}

function blocksOf(message: MessageParam): Exclude<MessageParam['content'], string> {
  return typeof message.content === 'string' ? [] : message.content;
}

function checkToolPairing(messages: readonly MessageParam[]): string[] {
  const issues: string[] = [];
  messages.forEach((message, index) => {
    const previous = index > 0 ? messages[index - 1] : undefined;
    const next = messages[index + 1];
    if (message.role === 'assistant') {
      const ids = blocksOf(message).flatMap((block) => (block.type === 'tool_use' ? [block.id] : []));
      const answered = new Set(
        next === undefined || next.role !== 'user'
          ? []
          : blocksOf(next).flatMap((block) => (block.type === 'tool_result' ? [block.tool_use_id] : [])),
      );
      const missing = ids.filter((id) => !answered.has(id));
      // The last assistant message may end with tool_use only when it is the final message (prefill).
      if (missing.length > 0 && next !== undefined) {
        issues.push(
          `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
      return;
    }
    const asked = new Set(
      previous === undefined || previous.role !== 'assistant'
        ? []
        : blocksOf(previous).flatMap((block) => (block.type === 'tool_use' ? [block.id] : [])),
    );
    blocksOf(message).forEach((block, blockIndex) => {
      if (block.type === 'tool_result' && !asked.has(block.tool_use_id)) {
        issues.push(
          `messages.${index}.content.${blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
    });
  });
  return issues;
}

function checkCacheBreakpoints(params: MessageCreateParams): string[] {
  const count = countCacheBreakpoints(params);
  return count > MAX_CACHE_BREAKPOINTS
    ? [`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${count}.`]
    : [];
}

/** Counts `cache_control` markers in a validated request (system, tools and message blocks). */
export function countCacheBreakpoints(params: MessageCreateParams): number {
  let count = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'cache_control' && inner !== null && inner !== undefined) count += 1;
        else visit(inner);
      }
    }
  };
  visit([params.system, params.tools, params.messages]);
  return count;
}
