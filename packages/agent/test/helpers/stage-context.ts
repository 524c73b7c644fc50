/**
 * A run context over the integration harness (real engine, SQLite session store and conversation store,
 * real git worktree) for the loop's stage tests, which exercise one stage without the whole loop.
 */
import { isEventKind, type SessionEvent } from '@worktrain/contracts';
import { type Conversation, loadConversation } from '../../src/loop/conversation.js';
import { createRunContext, type RunContext } from '../../src/loop/run-context.js';
import type { RunSessionOptions } from '../../src/session-types.js';
import { type Harness, makeHarness, scripted } from './harness.js';

export interface StageFixture {
  readonly h: Harness & { cleanup(): void };
  readonly sessionId: string;
  readonly continueToken: string;
  readonly ctx: RunContext;
  /** The session's stored conversation (empty for a new session). */
  conversation(): Conversation;
  events(): Promise<readonly SessionEvent[]>;
  /** The `data.decision` of every decision_trace in the log. */
  decisions(): Promise<string[]>;
  dispose(): void;
}

/** A started session of the harness' coding workflow and a run context for it (`extra` over the defaults). */
export async function stageFixture(extra: Partial<RunSessionOptions> = {}): Promise<StageFixture> {
  const h = makeHarness();
  const { sessionId, continueToken } = await h.start();
  const ctx = createRunContext({
    engine: h.engine,
    store: h.store,
    conversations: h.conversations,
    provider: scripted([]),
    worktree: h.worktree,
    sessionId,
    continueToken,
    ...extra,
  });
  const events = async () => (await h.store.readEvents(sessionId))._unsafeUnwrap();
  return {
    h,
    sessionId,
    continueToken,
    ctx,
    conversation: () => {
      const loaded = loadConversation(h.conversations, sessionId);
      if ('error' in loaded) throw new Error(loaded.error.message);
      return loaded;
    },
    events,
    decisions: async () =>
      (await events()).flatMap((e) => (isEventKind(e, 'decision_trace') ? [e.data.decision] : [])),
    dispose: () => {
      ctx.control.dispose();
      h.cleanup();
    },
  };
}
