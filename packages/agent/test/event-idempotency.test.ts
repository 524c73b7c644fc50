/**
 * Agent events carry deterministic idempotency keys (session + turn index + tool_use id): an append
 * replayed after a crash writes nothing, so a resumed run never records a turn or tool call twice.
 */
import { err, isEventKind, makeError, ResultAsync, type SessionEvent } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelProvider } from '../src/index.js';
import { resumeSession, runSession } from '../src/index.js';
import { agentEventKeys, appendAtHead } from '../src/loop/session-events.js';
import { FIX_SCRIPT, type Harness, makeHarness, scripted, until } from './helpers/harness.js';

let h: (Harness & { cleanup(): void }) | undefined;
afterEach(() => {
  h?.cleanup();
  h = undefined;
});

async function log(harness: Harness, sessionId: string): Promise<SessionEvent[]> {
  return [...(await harness.store.readEvents(sessionId))._unsafeUnwrap()];
}

describe('agent event idempotency keys', () => {
  it('records one tool_call_completed when the same append is replayed with another duration', async () => {
    h = makeHarness();
    const { sessionId } = await h.start();
    const key = agentEventKeys.toolCompleted(sessionId, 3, 'toolu_abc');
    const event = (durationMs: number) =>
      ({
        kind: 'tool_call_completed',
        data: {
          toolCallId: 'toolu_abc',
          name: 'bash',
          durationMs,
          isError: false,
          result: 'ok',
          truncated: false,
        },
      }) as const;
    const first = await appendAtHead(h.store, sessionId, [event(12)], key);
    const replay = await appendAtHead(h.store, sessionId, [event(12)], key);
    const changed = await appendAtHead(h.store, sessionId, [event(99)], key);
    expect(first.isOk() && replay.isOk() && changed.isOk()).toBe(true);
    const completed = (await log(h, sessionId)).filter((e) => isEventKind(e, 'tool_call_completed'));
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ idempotencyKey: key, data: { durationMs: 12 } });
  });

  it('derives different keys for different sessions, turns and tool calls', () => {
    const keys = [
      agentEventKeys.turnStarted('s1', 0),
      agentEventKeys.turnStarted('s1', 1),
      agentEventKeys.turnStarted('s2', 0),
      agentEventKeys.turnCompleted('s1', 0),
      agentEventKeys.toolStarted('s1', 0, 'toolu_1'),
      agentEventKeys.toolStarted('s1', 1, 'toolu_1'),
      agentEventKeys.toolStarted('s1', 0, 'toolu_2'),
      agentEventKeys.toolCompleted('s1', 0, 'toolu_1'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(agentEventKeys.toolStarted('s1', 0, 'toolu_1')).toBe(
      agentEventKeys.toolStarted('s1', 0, 'toolu_1'),
    );
  });

  it('does not record the interrupted turn twice when a run stopped mid-request is resumed', async () => {
    h = makeHarness();
    const harness = h;
    const { sessionId, continueToken } = await harness.start();
    // The first run's model request never answers (as if the process died while it was in flight).
    const hanging: ModelProvider = {
      ...scripted(FIX_SCRIPT),
      turn: (request) =>
        new ResultAsync(
          new Promise((resolve) => {
            request.signal?.addEventListener('abort', () =>
              resolve(err(makeError('ABORTED', 'the request was aborted'))),
            );
          }),
        ),
    };
    const stop = new AbortController();
    const first = runSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider: hanging,
      worktree: harness.worktree,
      sessionId,
      continueToken,
      signal: stop.signal,
    });
    const inFlight = await until(async () =>
      (await log(harness, sessionId)).some((e) => isEventKind(e, 'llm_turn_started')),
    );
    expect(inFlight).toBe(true);
    stop.abort();
    expect((await first).kind).toBe('cancelled');

    const outcome = await resumeSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider: scripted(FIX_SCRIPT),
      worktree: harness.worktree,
      sessionId,
    });
    expect(outcome.kind).toBe('completed');
    const events = await log(harness, sessionId);
    const started = events.filter((e) => isEventKind(e, 'llm_turn_started'));
    const completed = events.filter((e) => isEventKind(e, 'llm_turn_completed'));
    const startedTurns = started.map((e) => (isEventKind(e, 'llm_turn_started') ? e.data.turn : -1));
    expect(startedTurns).toEqual([...new Set(startedTurns)]);
    expect(startedTurns[0]).toBe(0);
    expect(started).toHaveLength(completed.length);
    expect(started[0]?.idempotencyKey).toBe(agentEventKeys.turnStarted(sessionId, 0));
    const toolKeys = events
      .filter((e) => isEventKind(e, 'tool_call_started') || isEventKind(e, 'tool_call_completed'))
      .map((e) => e.idempotencyKey);
    expect(toolKeys.every((k) => typeof k === 'string' && k.startsWith(`agent:${sessionId}:turn:`))).toBe(
      true,
    );
    expect(new Set(toolKeys).size).toBe(toolKeys.length);
  });
});
