/**
 * One model turn: announce it (`llm_turn_started`), send the conversation with a stall timer re-armed on
 * every streamed chunk, add the usage and cost to the totals, record `llm_turn_completed` and store the
 * model's message. A stall, a cancellation, a model error and a refusal end the run.
 */
import { makeError } from '@worktrain/contracts';
import type { ModelProvider, SystemSection, ToolDefinition, TurnResponse } from '../model/provider.js';
import type { SessionEnding } from '../session-types.js';
import { addUsage, type UsageTotals } from './budget.js';
import type { Conversation } from './conversation.js';
import { mergeForRequest } from './messages.js';
import type { RunContext } from './run-context.js';
import { agentEventKeys } from './session-events.js';

/** What {@link runModelTurn} sends and updates. */
export interface ModelTurnInput {
  readonly ctx: RunContext;
  readonly provider: ModelProvider;
  readonly system: readonly SystemSection[];
  readonly tools: readonly ToolDefinition[];
  /** Its pending content must already be flushed: the request is its stored messages. */
  readonly conversation: Conversation;
  /** The session's usage so far; the turn's usage and cost are added to it. */
  readonly totals: UsageTotals;
}

/**
 * Runs the next turn (index: `totals.turns` before it, session-wide). Returns the ending when the run must
 * stop — `budget_exceeded` (stall: no chunk for `budget.stallTimeoutMs`), the abort ending, `failed`
 * (MODEL_ERROR with the provider's code; REFUSAL for stop reason `refusal`) — else the turn, stored.
 */
export async function runModelTurn(
  input: ModelTurnInput,
): Promise<{ ending: SessionEnding } | { turn: TurnResponse; turnIndex: number }> {
  const { ctx, provider, totals } = input;
  const { options, clock, budget, control } = ctx;
  const turnIndex = totals.turns;
  await ctx.record(
    [
      {
        kind: 'llm_turn_started',
        data: {
          turn: turnIndex,
          model: provider.model,
          provider: provider.name,
          scripted: provider.scripted,
        },
      },
    ],
    agentEventKeys.turnStarted(options.sessionId, turnIndex),
  );
  const turnAbort = new AbortController();
  const onRunAbort = (): void => turnAbort.abort();
  control.signal.addEventListener('abort', onRunAbort, { once: true });
  let stalled = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      stalled = true;
      turnAbort.abort();
    }, budget.stallTimeoutMs);
  };
  armStall();
  const turnStart = clock.now();
  const result = await provider.turn({
    system: input.system,
    messages: mergeForRequest(input.conversation.messages),
    tools: input.tools,
    signal: turnAbort.signal,
    onProgress: armStall,
  });
  clearTimeout(stallTimer);
  control.signal.removeEventListener('abort', onRunAbort);
  if (result.isErr()) {
    if (stalled)
      return {
        ending: {
          kind: 'budget_exceeded',
          budget: 'stall',
          limit: budget.stallTimeoutMs,
          observed: clock.now() - turnStart,
        },
      };
    if (control.aborted) return { ending: control.abortEnding() };
    return {
      ending: {
        kind: 'failed',
        error: makeError('MODEL_ERROR', result.error.message, {
          modelCode: result.error.code,
          ...result.error.details,
        }),
      },
    };
  }
  const turn = result.value;
  const cost = provider.cost(turn.usage);
  addUsage(totals, turn.usage, cost);
  ctx.options.sharedBudget?.charge({
    turns: 1,
    tokens:
      turn.usage.inputTokens +
      turn.usage.outputTokens +
      turn.usage.cacheReadTokens +
      turn.usage.cacheWriteTokens,
    costUsd: cost ?? 0,
  });
  await ctx.record(
    [
      {
        kind: 'llm_turn_completed',
        data: {
          turn: turnIndex,
          model: turn.model,
          stopReason: turn.stopReason,
          inputTokens: turn.usage.inputTokens,
          outputTokens: turn.usage.outputTokens,
          cacheReadTokens: turn.usage.cacheReadTokens,
          cacheWriteTokens: turn.usage.cacheWriteTokens,
          ...(cost === undefined ? {} : { costUsd: cost }),
          durationMs: Math.max(0, clock.now() - turnStart),
        },
      },
    ],
    agentEventKeys.turnCompleted(options.sessionId, turnIndex),
  );
  input.conversation.persist(turn.message);
  if (turn.stopReason === 'refusal')
    return {
      ending: {
        kind: 'failed',
        error: makeError('MODEL_ERROR', 'The model refused to continue (stop reason "refusal").', {
          modelCode: 'REFUSAL',
        }),
      },
    };
  return { turn, turnIndex };
}
