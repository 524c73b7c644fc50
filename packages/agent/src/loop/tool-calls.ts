/**
 * Executing the tool calls of one model turn, one at a time: each call is recorded (`tool_call_started`,
 * `tool_call_completed` with a truncated result), repeated identical calls and the engine's stops end the
 * run, calls after the step was completed are answered without running, and a step advance queues the
 * next step's text (or ends the run at completion or a gate).
 */
import type { JsonObject } from '@worktrain/contracts';
import { describeThrown, makeError } from '@worktrain/contracts';
import type { ToolResultBlock, ToolUseBlock } from '../model/provider.js';
import type { SessionEnding } from '../session-types.js';
import { type AgentTool, DEFAULT_TOOL_LIMITS, type SessionHooks, truncateMiddle } from '../tools/types.js';
import type { RepeatedCallDetector } from './budget.js';
import type { Conversation } from './conversation.js';
import { summarizeInput } from './messages.js';
import { renderStep } from './prompt.js';
import type { RunContext } from './run-context.js';
import { Stop } from './run-control.js';
import { agentEventKeys } from './session-events.js';
import { gateOf, type StepDriver } from './step-driver.js';

/** Runs one tool call and records it; `turn` is the session-wide index of the turn that made the call. */
export type ToolRunner = (
  turn: number,
  id: string,
  name: string,
  input: JsonObject,
) => Promise<ToolResultBlock>;

/**
 * The tool runner of a run. An unknown tool and a tool that throws are tool errors the model sees (a
 * `Stop` thrown by a hook still ends the run). The model sees up to `DEFAULT_TOOL_LIMITS.maxResultChars`
 * of the result, the event `options.eventResultChars` (default 2000). A call whose gate wait was cut by a
 * stop (`ctx.abandoned`) is not recorded as completed.
 */
export function createToolRunner(
  ctx: RunContext,
  tools: readonly AgentTool[],
  hooks: SessionHooks,
): ToolRunner {
  const { options, clock, record } = ctx;
  const toolByName = new Map(tools.map((t) => [t.definition.name, t]));
  const eventChars = options.eventResultChars ?? 2000;
  return async (turn, id, name, input) => {
    await record(
      [{ kind: 'tool_call_started', data: { toolCallId: id, name, input: summarizeInput(input) } }],
      agentEventKeys.toolStarted(options.sessionId, turn, id),
    );
    const started = clock.now();
    const tool = toolByName.get(name);
    let content: string;
    let isError: boolean;
    if (tool === undefined) {
      content = `Unknown tool "${name}". Available: ${[...toolByName.keys()].join(', ')}.`;
      isError = true;
    } else {
      try {
        const out = await tool.execute(input, {
          worktree: options.worktree,
          sessionId: options.sessionId,
          signal: ctx.control.signal,
          hooks,
          toolUseId: id,
          ...(options.actionGate === undefined
            ? {}
            : { gate: (request) => ctx.askGate({ ...request, toolUseId: id }) }),
        });
        content = out.content;
        isError = out.isError;
      } catch (thrown) {
        if (thrown instanceof Stop) throw thrown;
        content = `The tool failed: ${describeThrown(thrown)}`;
        isError = true;
      }
    }
    const forModel = truncateMiddle(content, DEFAULT_TOOL_LIMITS.maxResultChars);
    if (ctx.abandoned.has(id)) return { type: 'tool_result', toolUseId: id, content: forModel.text, isError };
    const forEvent = truncateMiddle(forModel.text, eventChars);
    await record(
      [
        {
          kind: 'tool_call_completed',
          data: {
            toolCallId: id,
            name,
            durationMs: Math.max(0, clock.now() - started),
            isError,
            result: forEvent.text,
            truncated: forModel.truncated || forEvent.truncated,
          },
        },
      ],
      agentEventKeys.toolCompleted(options.sessionId, turn, id),
    );
    return { type: 'tool_result', toolUseId: id, content: forModel.text, isError };
  };
}

/** What {@link executeToolCalls} works on. */
export interface ToolCallsInput {
  readonly ctx: RunContext;
  readonly runTool: ToolRunner;
  readonly driver: StepDriver;
  readonly conversation: Conversation;
  readonly repeated: RepeatedCallDetector;
  /** Session-wide index of the turn that made the calls. */
  readonly turnIndex: number;
  readonly calls: readonly ToolUseBlock[];
}

/**
 * Runs a turn's calls in order and queues their results. Returns the ending when the run must stop
 * (cancelled or over the wall clock, a repeated call, the engine's circuit breaker or error, the workflow
 * completed or parked at a gate), else undefined with the next step's text queued after an advance.
 * Sessions events are recorded through `ctx.record` (a store failure throws `Stop`).
 */
export async function executeToolCalls(input: ToolCallsInput): Promise<SessionEnding | undefined> {
  const { ctx, driver, conversation, repeated, calls } = input;
  const advancesBefore = driver.advances;
  for (const call of calls) {
    if (ctx.control.aborted) return ctx.control.abortEnding();
    const repeat = repeated.record(call.name, call.input);
    if (repeat !== undefined) return { kind: 'budget_exceeded', ...repeat };
    conversation.push(await input.runTool(input.turnIndex, call.id, call.name, call.input));
    if (driver.stop !== undefined) {
      conversation.flush();
      const stop = driver.stop;
      if (stop.kind === 'blocked_attempts')
        return {
          kind: 'budget_exceeded',
          budget: 'blocked_attempts',
          limit: stop.observed,
          observed: stop.observed,
        };
      return {
        kind: 'failed',
        error: makeError('ENGINE_ERROR', stop.error.message, { engineCode: stop.error.code }),
      };
    }
    if (driver.current().kind !== 'step') {
      // The workflow ended or parked: answer the remaining calls so the stored conversation stays valid.
      for (const skipped of calls.slice(calls.indexOf(call) + 1))
        conversation.push({
          type: 'tool_result',
          toolUseId: skipped.id,
          content: 'Not run: the step was already completed.',
          isError: true,
        });
      break;
    }
  }
  if (driver.advances === advancesBefore) return undefined;
  repeated.reset();
  const state = driver.current();
  if (state.kind === 'complete') {
    conversation.flush();
    return { kind: 'completed' };
  }
  if (state.kind === 'gate') {
    conversation.flush();
    return { kind: 'gate', ...gateOf(driver) };
  }
  conversation.push({ type: 'text', text: renderStep(state.pending) });
  return undefined;
}
