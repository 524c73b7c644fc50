/**
 * The `ModelProvider` port: one streaming model turn, independent of any vendor SDK's types. Adapters
 * (Anthropic, Bedrock, scripted) convert to and from their wire formats. The shapes follow the Messages API
 * family (text / tool_use / tool_result blocks) because every provider we support speaks it.
 */

import type { ResultAsync, WorkTrainError } from '@worktrain/contracts';
import { JsonObjectSchema } from '@worktrain/contracts';
import * as z from 'zod';

export const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });
export const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: JsonObjectSchema,
});
export const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  toolUseId: z.string().min(1),
  content: z.string(),
  isError: z.boolean(),
});
export const ContentBlockSchema = z.discriminatedUnion('type', [
  TextBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
]);
export const ModelMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(ContentBlockSchema),
});

export type TextBlock = z.infer<typeof TextBlockSchema>;
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>;
export type ContentBlock = z.infer<typeof ContentBlockSchema>;
/** One message of the conversation. Assistant messages hold text/tool_use; user messages text/tool_result. */
export type ModelMessage = z.infer<typeof ModelMessageSchema>;

/** A section of the system prompt. `cache: true` puts a prompt-cache breakpoint after this section. */
export interface SystemSection {
  readonly text: string;
  readonly cache?: boolean;
}

/** A tool the model may call; `inputSchema` is a JSON Schema object. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** Why the model stopped. `tool_use`: it wants tool results; `max_tokens`: cut by the output limit. */
export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'refusal'
  | 'pause_turn'
  | 'other';

/** Token usage of one turn. Cache tokens are reported separately from `inputTokens` (Anthropic semantics). */
export interface TurnUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export interface TurnRequest {
  readonly system: readonly SystemSection[];
  readonly messages: readonly ModelMessage[];
  readonly tools: readonly ToolDefinition[];
  /** Aborts the HTTP stream (kill switch, stall timeout). */
  readonly signal?: AbortSignal;
  /** Called with each text delta as it streams (live status); optional. */
  readonly onTextDelta?: (text: string) => void;
  /** Called on every stream event (any progress, including tool-input JSON); the loop's stall timer uses it. */
  readonly onProgress?: () => void;
}

export interface TurnResponse {
  /** The assistant message (text and tool_use blocks in the order the model produced them). */
  readonly message: ModelMessage;
  readonly stopReason: StopReason;
  readonly usage: TurnUsage;
  /** The model that answered (as reported by the provider). */
  readonly model: string;
  /** Attempts made for this turn (1 = no retry). */
  readonly attempts: number;
}

/**
 * Error codes of model providers:
 * - RATE_LIMITED / OVERLOADED / SERVER_ERROR / CONNECTION: transient; surfaced only after retries ran out;
 * - TRUNCATED_RESPONSE: the stream ended early or a tool input was incomplete JSON, after retries;
 * - AUTHENTICATION / INVALID_REQUEST / REQUEST_TOO_LARGE: permanent, not retried;
 * - ABORTED: the caller's signal fired;
 * - SCRIPT_EXHAUSTED / SCRIPT_INVALID: the scripted provider has no matching turn or a bad script.
 */
export type ModelErrorCode =
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'SERVER_ERROR'
  | 'CONNECTION'
  | 'TRUNCATED_RESPONSE'
  | 'AUTHENTICATION'
  | 'INVALID_REQUEST'
  | 'REQUEST_TOO_LARGE'
  | 'ABORTED'
  | 'SCRIPT_EXHAUSTED'
  | 'SCRIPT_INVALID';
export type ModelError = WorkTrainError<ModelErrorCode>;

/** Prices of a model in US dollars per million tokens. */
export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  readonly cacheReadPerMTok: number;
  readonly cacheWritePerMTok: number;
}

/** The model provider port. Implementations never throw; errors are values. */
export interface ModelProvider {
  /** Provider name recorded in events: 'anthropic', 'bedrock', 'scripted'. */
  readonly name: string;
  /** Model id recorded in events (the scripted provider's contains "scripted"). */
  readonly model: string;
  /** True for the scripted provider: every event it causes is labelled `scripted: true`. */
  readonly scripted: boolean;
  /** Runs one model turn, streaming; resolves with the complete assistant message. */
  turn(request: TurnRequest): ResultAsync<TurnResponse, ModelError>;
  /** Cost in USD of a turn's usage, or undefined when the model's price is unknown. */
  cost(usage: TurnUsage): number | undefined;
}
