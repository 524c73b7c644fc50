/**
 * The run's conversation: the stored history plus the user content waiting to be sent, persisted message
 * by message; and the stage that opens it — a first brief for a new session, or, for a resumed one, the
 * answers to the calls an interruption left unanswered and the commands to ask the action gate again.
 */
import type { JsonObject } from '@worktrain/contracts';
import { makeError } from '@worktrain/contracts';
import type { AgentError } from '../errors.js';
import type { ContentBlock, ModelMessage } from '../model/provider.js';
import type { ConversationStore } from './conversation-store.js';
import { interruptedResults, lastStepId } from './messages.js';
import { renderBrief, renderStep } from './prompt.js';
import { Stop } from './run-control.js';
import type { SessionFacts } from './session-facts.js';
import type { StepState } from './step-driver.js';

/** Sent when the model ends a turn without calling a tool. */
export const NUDGE =
  'You ended your turn without calling a tool. Continue the current step with the tools, and call complete_step when it is done.';
/** The answer to a call after one that waited for approval when the run stopped (it never started). */
export const NOT_STARTED =
  'Not run: the session stopped while an earlier call of this turn waited for approval. Call it again if it is still needed.';
/** Sent to a resumed session that is still on the step its history ends in. */
export const RESUMED =
  'The session was resumed after an interruption. Continue the current step; check the worktree for the effect of any interrupted tool call.';

/** A tool call from the stored history. */
export interface StoredToolCall {
  readonly id: string;
  readonly name: string;
  readonly input: JsonObject;
}

/**
 * The stored messages and the pending user content. {@link persist} stores a message before it counts as
 * part of the conversation; a store failure throws `Stop` (CONVERSATION_ERROR).
 */
export class Conversation {
  /** User content not yet sent (tool results, step texts, steer messages), sent as one message. */
  pending: ContentBlock[] = [];

  constructor(
    private readonly store: ConversationStore,
    private readonly sessionId: string,
    readonly messages: ModelMessage[],
  ) {}

  /** Queues user content for the next message. */
  push(block: ContentBlock): void {
    this.pending.push(block);
  }

  /** Stores `message` at the end of the conversation. */
  persist(message: ModelMessage): void {
    const saved = this.store.append(this.sessionId, this.messages.length, [message]);
    if (saved.isErr())
      throw new Stop({ kind: 'failed', error: makeError('CONVERSATION_ERROR', saved.error.message) });
    this.messages.push(message);
  }

  /** Stores the pending user content as one message (nothing when none is pending). */
  flush(): void {
    if (this.pending.length === 0) return;
    this.persist({ role: 'user', content: this.pending });
    this.pending = [];
  }
}

/** Loads the stored history of a session. Errors: CONVERSATION_ERROR. */
export function loadConversation(
  conversations: ConversationStore,
  sessionId: string,
): Conversation | { error: AgentError } {
  const history = conversations.load(sessionId);
  if (history.isErr()) return { error: makeError('CONVERSATION_ERROR', history.error.message) };
  return new Conversation(conversations, sessionId, history.value);
}

/** Input of {@link queueOpening}. */
export interface OpeningInput {
  readonly facts: SessionFacts;
  /** The session's current step (the caller handles `complete` and `gate` before). */
  readonly state: Extract<StepState, { kind: 'step' }>;
  /** Whether the run has an action gate: only then are commands that waited for it asked again. */
  readonly withActionGate: boolean;
}

/**
 * Queues what the model sees first in this run: for a new session the brief (workflow, goal, context as
 * data) and the step; for a resumed one the answers to its unanswered calls and the step, or
 * {@link RESUMED} when the history already ends in it. A command that waited for the gate when the run
 * stopped is returned to run again instead (same tool_use id, so the gate finds the same request), and
 * calls after it in that turn are answered {@link NOT_STARTED}.
 */
export function queueOpening(conversation: Conversation, input: OpeningInput): StoredToolCall[] {
  const { facts, state } = input;
  const messages = conversation.messages;
  const rerun: StoredToolCall[] = [];
  if (messages.length === 0) {
    conversation.push({
      type: 'text',
      text: renderBrief({
        workflowId: facts.workflowId,
        ...(facts.goal === undefined ? {} : { goal: facts.goal }),
        context: facts.context,
      }),
    });
    conversation.push({ type: 'text', text: renderStep(state.pending) });
    return rerun;
  }
  // A command that was waiting for approval when the run stopped never ran: it is asked again instead of
  // being answered as interrupted. Calls after it in the same turn never started (tools run one at a time).
  let afterWaiting = false;
  for (const result of interruptedResults(messages)) {
    const call = lastToolUse(messages, result.toolUseId);
    if (input.withActionGate && call !== undefined && facts.gateWaiting.has(call.id)) {
      rerun.push(call);
      afterWaiting = true;
    } else conversation.push(afterWaiting ? { ...result, content: NOT_STARTED } : result);
  }
  const text = lastStepId(messages) === state.pending.stepId ? RESUMED : renderStep(state.pending);
  conversation.push({ type: 'text', text });
  return rerun;
}

/** The `tool_use` block with this id in the last assistant message. */
export function lastToolUse(messages: readonly ModelMessage[], id: string): StoredToolCall | undefined {
  const last = [...messages].reverse().find((m) => m.role === 'assistant');
  for (const block of last?.content ?? [])
    if (block.type === 'tool_use' && block.id === id)
      return { id: block.id, name: block.name, input: block.input };
  return undefined;
}
