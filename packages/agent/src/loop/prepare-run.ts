/**
 * The first stage of a run: read the session's facts, stop early for an aborted or parked session,
 * rehydrate the step driver, check the worktree, render the system prompt, load the conversation and
 * queue what the model sees first (see `queueOpening`).
 */
import { makeError } from '@worktrain/contracts';
import type { SystemSection } from '../model/provider.js';
import type { SessionEnding } from '../session-types.js';
import { createDefaultTools } from '../tools/index.js';
import { worktreeRoot } from '../tools/sandbox.js';
import type { AgentTool } from '../tools/types.js';
import { type Conversation, loadConversation, queueOpening, type StoredToolCall } from './conversation.js';
import { DEFAULT_RULES_LIMITS, loadRulesFiles, renderSystem } from './prompt.js';
import type { RunContext } from './run-context.js';
import { readSessionFacts, type SessionFacts } from './session-facts.js';
import { gateOf, StepDriver } from './step-driver.js';

/** A run ready for its first turn. */
export interface PreparedRun {
  readonly facts: SessionFacts;
  readonly driver: StepDriver;
  readonly tools: readonly AgentTool[];
  readonly system: readonly SystemSection[];
  readonly conversation: Conversation;
  /** Commands that waited for the action gate when the previous run stopped: run them first. */
  readonly rerun: readonly StoredToolCall[];
}

/**
 * Prepares the run, or returns how it ends before any turn: `cancelled` (the session was aborted),
 * `gate` (parked, or the rehydrated driver is at a gate), `completed`, or `failed` (the facts' errors,
 * ENGINE_ERROR when rehydration fails, WORKTREE_MISSING, CONVERSATION_ERROR). `onFacts` receives the facts
 * as soon as they are read, so the run's usage is recorded whatever happens next.
 */
export async function prepareRun(
  ctx: RunContext,
  onFacts: (facts: SessionFacts) => void,
): Promise<{ ending: SessionEnding } | { run: PreparedRun }> {
  const { options } = ctx;
  const factsResult = await readSessionFacts(options.store, options.sessionId);
  if (factsResult.isErr()) return { ending: { kind: 'failed', error: factsResult.error } };
  const facts = factsResult.value;
  onFacts(facts);
  if (facts.abortedReason !== undefined)
    return { ending: { kind: 'cancelled', reason: `The session was aborted: ${facts.abortedReason}` } };
  if (facts.parkedGate !== undefined) return { ending: { kind: 'gate', ...facts.parkedGate } };
  const opened = await StepDriver.open(options.engine, options.continueToken);
  if ('error' in opened)
    return {
      ending: {
        kind: 'failed',
        error: makeError('ENGINE_ERROR', `Cannot rehydrate the session: ${opened.error.message}`, {
          engineCode: opened.error.code,
        }),
      },
    };
  const driver = opened.ok;
  const root = worktreeRoot(options.worktree);
  if (root.isErr())
    return { ending: { kind: 'failed', error: makeError('WORKTREE_MISSING', root.error.message) } };
  const tools = options.tools ?? createDefaultTools();
  const system = renderSystem({
    metaGuidance: opened.metaGuidance,
    rules: loadRulesFiles(options.worktree, { ...DEFAULT_RULES_LIMITS, ...options.rules }),
    ...(options.instructions === undefined ? {} : { extraInstructions: options.instructions }),
  });
  const conversation = loadConversation(options.conversations, options.sessionId);
  if ('error' in conversation) return { ending: { kind: 'failed', error: conversation.error } };
  const state = driver.state;
  if (state.kind === 'complete') return { ending: { kind: 'completed' } };
  if (state.kind === 'gate') return { ending: { kind: 'gate', ...gateOf(driver) } };
  const rerun = queueOpening(conversation, {
    facts,
    state,
    withActionGate: options.actionGate !== undefined,
  });
  return { run: { facts, driver, tools, system, conversation, rerun } };
}
