/**
 * The scripted provider: deterministic model turns from a JSON/YAML script, for tests and the offline
 * demo. Its model name always contains "scripted" and it reports `scripted: true`, so every event it causes
 * is labelled as such. It is stateless: the position in the script is derived from the conversation it is
 * given (one assistant message per consumed turn), so a resumed session continues where it left off.
 */
import { readFileSync } from 'node:fs';
import {
  describeThrown,
  err,
  errAsync,
  type JsonObject,
  JsonObjectSchema,
  makeError,
  ok,
  okAsync,
  type Result,
  ResultAsync,
  sleep,
} from '@worktrain/contracts';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { ContentBlock, ModelError, ModelMessage, ModelProvider, TurnResponse } from './provider.js';

export const ScriptedTurnSchema = z.object({
  /** Only used while this step id is pending (matched against the `Step id: …` line of the step prompt). */
  step: z.string().min(1).optional(),
  /**
   * Only used in a conversation whose first message contains this text (e.g. a goal's `(review 2)`): one
   * script can play several sessions of the same workflow differently, as a pipeline's children.
   */
  match: z.string().min(1).optional(),
  text: z.string().optional(),
  toolCalls: z.array(z.object({ name: z.string().min(1), input: JsonObjectSchema.default({}) })).default([]),
  /** Waits this long before answering (ms); aborted by the request signal. */
  delayMs: z.number().int().nonnegative().max(3_600_000).optional(),
  /** Reported token counts; default ~4 characters per token of the request / response. */
  usage: z
    .object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() })
    .optional(),
});
export const ModelScriptSchema = z.object({
  /** Model label; "scripted" is prepended unless it already contains it. */
  model: z.string().min(1).optional(),
  turns: z.array(ScriptedTurnSchema),
});
/** One scripted model turn: optional text, then tool calls (see {@link ScriptedTurnSchema}). */
export interface ScriptedTurn {
  readonly step?: string;
  readonly match?: string;
  readonly text?: string;
  readonly toolCalls?: readonly { readonly name: string; readonly input?: JsonObject }[];
  readonly delayMs?: number;
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
}
/** A model script: its label and turns (see {@link ModelScriptSchema}). */
export interface ModelScript {
  readonly model?: string;
  readonly turns: readonly ScriptedTurn[];
}
type ParsedTurn = z.output<typeof ScriptedTurnSchema>;

/** The marker line the session loop writes into each step prompt; the scripted provider matches on it. */
export const STEP_MARKER = 'Step id: ';
const STEP_RE = /^Step id: (\S+)$/gm;

/** The last `Step id:` marker in a message's text and tool results, if any. */
export function stepIdIn(message: ModelMessage): string | undefined {
  let found: string | undefined;
  for (const block of message.content) {
    const text = block.type === 'text' ? block.text : block.type === 'tool_result' ? block.content : '';
    for (const match of text.matchAll(STEP_RE)) found = match[1];
  }
  return found;
}

/** Parses a script from JSON or YAML text. Errors: SCRIPT_INVALID with the zod issues. */
export function parseModelScript(text: string): Result<z.output<typeof ModelScriptSchema>, ModelError> {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (thrown) {
    return err(
      makeError('SCRIPT_INVALID', `The model script is not valid YAML/JSON: ${describeThrown(thrown)}`),
    );
  }
  const parsed = ModelScriptSchema.safeParse(raw);
  if (!parsed.success)
    return err(
      makeError('SCRIPT_INVALID', 'The model script does not match the expected shape.', {
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      }),
    );
  return ok(parsed.data);
}

/**
 * Creates the scripted provider from turns or a script file (`.json`, `.yaml`, `.yml`).
 * Errors: SCRIPT_INVALID (unreadable file or bad shape). Each turn is consumed once: the next one is the
 * first unconsumed turn whose `step` is unset or equals the pending step and whose `match` (if any) is in
 * the conversation's first message; none left → SCRIPT_EXHAUSTED.
 */
export function createScriptedProvider(
  source: { readonly turns: readonly ScriptedTurn[]; readonly model?: string } | { readonly file: string },
): Result<ModelProvider, ModelError> {
  let script: Result<z.output<typeof ModelScriptSchema>, ModelError>;
  if ('file' in source) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (thrown) {
      return err(
        makeError('SCRIPT_INVALID', `Cannot read the model script ${source.file}: ${describeThrown(thrown)}`),
      );
    }
    script = parseModelScript(text);
  } else {
    const parsed = ModelScriptSchema.safeParse({ model: source.model, turns: source.turns });
    script = parsed.success
      ? ok(parsed.data)
      : err(
          makeError('SCRIPT_INVALID', 'Invalid scripted turns.', {
            issues: parsed.error.issues.map((i) => i.message),
          }),
        );
  }
  if (script.isErr()) return err(script.error);
  const turns = script.value.turns;
  const label = script.value.model ?? 'scripted';
  const model = label.includes('scripted') ? label : `scripted:${label}`;

  /** Replays the selection over the history to find which turns are consumed, then picks the next one. */
  function select(messages: readonly ModelMessage[]): { turn: ParsedTurn; index: number } | undefined {
    const consumed = new Set<number>();
    let step: string | undefined;
    const first = messages[0];
    const opening =
      first === undefined
        ? ''
        : first.content
            .map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? b.content : ''))
            .join('\n');
    const pick = (): number =>
      turns.findIndex(
        (t, i) =>
          !consumed.has(i) &&
          (t.step === undefined || t.step === step) &&
          (t.match === undefined || opening.includes(t.match)),
      );
    for (const message of messages) {
      if (message.role === 'user') step = stepIdIn(message) ?? step;
      else {
        const i = pick();
        if (i >= 0) consumed.add(i);
      }
    }
    const index = pick();
    const turn = turns[index];
    return turn === undefined ? undefined : { turn, index };
  }

  const provider: ModelProvider = {
    name: 'scripted',
    model,
    scripted: true,
    cost: () => 0,
    turn: (request) => {
      const selected = select(request.messages);
      if (selected === undefined) {
        const assistantTurns = request.messages.filter((m) => m.role === 'assistant').length;
        return errAsync(
          makeError(
            'SCRIPT_EXHAUSTED',
            `The model script has no turn left (after ${assistantTurns} assistant turns).`,
          ),
        );
      }
      const { turn, index } = selected;
      const content: ContentBlock[] = [];
      if (turn.text !== undefined && turn.text !== '') content.push({ type: 'text', text: turn.text });
      for (const [i, call] of turn.toolCalls.entries())
        content.push({
          type: 'tool_use',
          id: `toolu_scripted_${index}_${i}`,
          name: call.name,
          input: call.input,
        });
      if (turn.text !== undefined) request.onTextDelta?.(turn.text);
      const requestChars =
        JSON.stringify(request.messages).length + request.system.reduce((n, s) => n + s.text.length, 0);
      const response: TurnResponse = {
        message: { role: 'assistant', content },
        stopReason: turn.toolCalls.length > 0 ? 'tool_use' : 'end_turn',
        usage: {
          inputTokens: turn.usage?.inputTokens ?? Math.ceil(requestChars / 4),
          outputTokens:
            turn.usage?.outputTokens ?? Math.max(1, Math.ceil(JSON.stringify(content).length / 4)),
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
        },
        model,
        attempts: 1,
      };
      if (turn.delayMs === undefined || turn.delayMs === 0) return okAsync(response);
      return ResultAsync.fromSafePromise(sleep(turn.delayMs, request.signal)).andThen((completed) =>
        completed
          ? okAsync<TurnResponse, ModelError>(response)
          : errAsync<TurnResponse, ModelError>(makeError('ABORTED', 'The scripted turn was aborted.')),
      );
    },
  };
  return ok(provider);
}
