/** Conversation helpers: request shaping over the stored (append-only) history. */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import type { ContentBlock, ModelMessage, ToolResultBlock } from '../model/provider.js';
import { stepIdIn } from '../model/scripted.js';

/**
 * Merges adjacent messages of the same role (the store is append-only, so a resumed session may store two
 * user messages in a row) and puts tool results first in each user message, as the Messages API requires.
 * An assistant message with no content gets a placeholder text (the API refuses empty content).
 */
export function mergeForRequest(messages: readonly ModelMessage[]): ModelMessage[] {
  const out: { role: ModelMessage['role']; content: ContentBlock[] }[] = [];
  for (const message of messages) {
    const last = out[out.length - 1];
    if (last !== undefined && last.role === message.role) last.content.push(...message.content);
    else out.push({ role: message.role, content: [...message.content] });
  }
  return out.map((m) => {
    if (m.role === 'user') {
      const results = m.content.filter((b) => b.type === 'tool_result');
      const rest = m.content.filter((b) => b.type !== 'tool_result');
      return { role: 'user', content: [...results, ...rest] };
    }
    return m.content.length === 0
      ? { role: 'assistant', content: [{ type: 'text', text: '(no output)' }] }
      : m;
  });
}

/**
 * Tool results for the tool calls of the last assistant message that have none in the messages after it
 * (a crash or a stop between the call and its recorded result). The Messages API refuses a conversation
 * with an unanswered tool_use, so a resumed session answers them as interrupted.
 */
export function interruptedResults(messages: readonly ModelMessage[]): ToolResultBlock[] {
  let lastAssistant = -1;
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]?.role === 'assistant') {
      lastAssistant = i;
      break;
    }
  if (lastAssistant < 0) return [];
  const answered = new Set(
    messages
      .slice(lastAssistant + 1)
      .flatMap((m) => m.content.flatMap((b) => (b.type === 'tool_result' ? [b.toolUseId] : []))),
  );
  return (messages[lastAssistant]?.content ?? [])
    .filter((b) => b.type === 'tool_use' && !answered.has(b.id))
    .map((b) => ({
      type: 'tool_result',
      toolUseId: b.type === 'tool_use' ? b.id : '',
      content:
        'This tool call was interrupted (the session was stopped or restarted) before its result was recorded. It may or may not have taken effect: check the state before repeating it.',
      isError: true,
    }));
}

/** The step id of the last step message in the history. */
export function lastStepId(messages: readonly ModelMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'user') continue;
    const id = stepIdIn(message);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** A tool input for an event: long strings cut to `maxChars` so file contents do not bloat the log. */
export function summarizeInput(input: JsonObject, maxChars = 1000): JsonObject {
  const cut = (value: JsonValue): JsonValue => {
    if (typeof value === 'string')
      return value.length > maxChars
        ? `${value.slice(0, maxChars)}…[${value.length - maxChars} more characters]`
        : value;
    if (Array.isArray(value)) return value.map(cut);
    if (value !== null && typeof value === 'object') {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) out[k] = cut(v);
      return out;
    }
    return value;
  };
  const result = cut(input);
  return result !== null && typeof result === 'object' && !Array.isArray(result) ? result : {};
}
