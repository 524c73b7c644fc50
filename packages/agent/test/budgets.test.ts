import { existsSync } from 'node:fs';
import { isEventKind, ResultAsync, type SessionEvent } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Budget,
  type ModelProvider,
  runSession,
  type ScriptedTurn,
  type SessionOutcome,
  type SharedBudget,
} from '../src/index.js';
import { FIX_SCRIPT, type Harness, makeHarness, scripted, until } from './helpers/harness.js';

let h: (Harness & { cleanup(): void }) | undefined;
afterEach(() => {
  h?.cleanup();
  h = undefined;
});

async function run(
  provider: ModelProvider,
  budget: Partial<Budget>,
  extra: { signal?: AbortSignal; clock?: { now(): number }; sharedBudget?: SharedBudget } = {},
): Promise<{ outcome: SessionOutcome; log: readonly SessionEvent[]; sessionId: string }> {
  h = makeHarness();
  const { sessionId, continueToken } = await h.start();
  const outcome = await runSession({
    engine: h.engine,
    store: h.store,
    conversations: h.conversations,
    provider,
    worktree: h.worktree,
    sessionId,
    continueToken,
    budget,
    ...extra,
  });
  return { outcome, log: (await h.store.readEvents(sessionId))._unsafeUnwrap(), sessionId };
}

function budgetEvents(log: readonly SessionEvent[]) {
  return log.flatMap((e) => (isEventKind(e, 'budget_exceeded') ? [e.data] : []));
}

const readTwice = (path: string): ScriptedTurn => ({ toolCalls: [{ name: 'read_file', input: { path } }] });

describe('budgets', () => {
  it('charges a shared (pipeline) budget after each turn and stops before the request that would overspend it', async () => {
    const charged: number[] = [];
    let tokens = 0;
    const shared: SharedBudget = {
      charge: (d) => {
        charged.push(d.turns);
        tokens += d.tokens;
      },
      // A sibling spends too: the pipeline's 2 000 tokens are gone once this session has used 1 000.
      exhausted: () => (tokens >= 1000 ? { limit: 'maxTokens', max: 2000, observed: tokens + 1000 } : null),
    };
    const heavy = FIX_SCRIPT.map((t) => ({ ...t, usage: { inputTokens: 400, outputTokens: 100 } }));
    const { outcome, log } = await run(scripted(heavy), {}, { sharedBudget: shared });
    expect(outcome).toMatchObject({
      kind: 'budget_exceeded',
      budget: 'pipeline',
      limit: 2000,
      observed: 2000,
    });
    expect(outcome.stats.turns).toBe(2);
    expect(charged).toEqual([1, 1]);
    expect(budgetEvents(log)).toEqual([{ budget: 'pipeline', limit: 2000, observed: 2000 }]);
  });

  it('stops at the turn limit', async () => {
    const { outcome, log } = await run(scripted(FIX_SCRIPT), { maxTurns: 2 });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'turns', limit: 2, observed: 2 });
    expect(budgetEvents(log)).toEqual([{ budget: 'turns', limit: 2, observed: 2 }]);
  });

  it('stops at the token limit', async () => {
    const heavy = FIX_SCRIPT.map((t) => ({ ...t, usage: { inputTokens: 1000, outputTokens: 500 } }));
    const { outcome, log } = await run(scripted(heavy), { maxTokens: 2500 });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'tokens', limit: 2500, observed: 3000 });
    expect(outcome.stats.turns).toBe(2);
    expect(budgetEvents(log)).toHaveLength(1);
  });

  it('stops at the money limit, with the cost recorded per turn', async () => {
    const base = scripted(
      FIX_SCRIPT.map((t) => ({ ...t, usage: { inputTokens: 100_000, outputTokens: 10_000 } })),
    );
    const priced: ModelProvider = {
      ...base,
      cost: (u) => (u.inputTokens * 3 + u.outputTokens * 15) / 1_000_000,
    };
    const { outcome, log } = await run(priced, { maxCostUsd: 1 });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'money', limit: 1 });
    expect(outcome.stats.turns).toBe(3);
    const costs = log.flatMap((e) => (isEventKind(e, 'llm_turn_completed') ? [e.data.costUsd] : []));
    expect(costs).toEqual([0.45, 0.45, 0.45]);
  });

  it('stops at the wall clock limit checked between turns', async () => {
    let t = 0;
    const clock = { now: () => (t += 60_000) };
    const { outcome } = await run(scripted(FIX_SCRIPT), { maxWallClockMs: 5 * 60_000 }, { clock });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'wall_clock', limit: 300_000 });
  });

  it('stops a turn that runs past the wall clock limit', async () => {
    const started = Date.now();
    const { outcome } = await run(scripted([{ text: 'thinking', delayMs: 30_000 }]), { maxWallClockMs: 400 });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'wall_clock' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops a stalled model turn', async () => {
    const started = Date.now();
    const { outcome, log } = await run(scripted([{ text: 'hm', delayMs: 30_000 }]), { stallTimeoutMs: 300 });
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'stall', limit: 300 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(budgetEvents(log)[0]?.budget).toBe('stall');
  });

  it('stops repeated identical tool calls', async () => {
    const loop = [
      readTwice('src/add.js'),
      readTwice('src/add.js'),
      readTwice('test.sh'),
      readTwice('src/add.js'),
      readTwice('src/add.js'),
    ];
    const { outcome, log } = await run(scripted(loop), { maxRepeatedCalls: 3 });
    expect(outcome).toMatchObject({
      kind: 'budget_exceeded',
      budget: 'repeated_calls',
      limit: 3,
      observed: 3,
    });
    expect(log.filter((e) => isEventKind(e, 'tool_call_completed'))).toHaveLength(3);
  });

  it('stops when the engine keeps blocking the step (circuit breaker)', async () => {
    const bad: ScriptedTurn[] = Array.from({ length: 8 }, (_, i) => ({
      step: 'fix',
      toolCalls: [{ name: 'complete_step', input: { notesMarkdown: `attempt ${i}` } }],
    }));
    const { outcome } = await run(scripted([FIX_SCRIPT[1] as ScriptedTurn, ...bad]), {});
    expect(outcome).toMatchObject({ kind: 'budget_exceeded', budget: 'blocked_attempts' });
  });
});

describe('cancellation and lost worktrees', () => {
  it('cancels a model turn in flight within a second', async () => {
    const controller = new AbortController();
    h = makeHarness();
    const harness = h;
    const { sessionId, continueToken } = await harness.start();
    const running = runSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider: scripted([{ text: 'slow', delayMs: 60_000 }]),
      worktree: harness.worktree,
      sessionId,
      continueToken,
      signal: controller.signal,
    });
    await until(async () =>
      (await harness.store.readEvents(sessionId))
        ._unsafeUnwrap()
        .some((e) => isEventKind(e, 'llm_turn_started')),
    );
    const abortedAt = Date.now();
    controller.abort();
    const outcome = await running;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(outcome.kind).toBe('cancelled');
  });

  it('cancels a running shell command within a second', async () => {
    const controller = new AbortController();
    h = makeHarness();
    const harness = h;
    const { sessionId, continueToken } = await harness.start();
    const running = runSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider: scripted([{ toolCalls: [{ name: 'bash', input: { command: 'sleep 60' } }] }]),
      worktree: harness.worktree,
      sessionId,
      continueToken,
      signal: controller.signal,
    });
    await until(async () =>
      (await harness.store.readEvents(sessionId))
        ._unsafeUnwrap()
        .some((e) => isEventKind(e, 'tool_call_started')),
    );
    const abortedAt = Date.now();
    controller.abort();
    const outcome = await running;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(outcome.kind).toBe('cancelled');
  });

  it('stops before the next turn when another process aborts the session', async () => {
    h = makeHarness();
    const harness = h;
    const { sessionId, continueToken } = await harness.start();
    const abortFromOutside = async (): Promise<void> => {
      const head = (await harness.store.getSummary(sessionId))._unsafeUnwrap().lastSeq;
      await harness.store.append({
        sessionId,
        expectedSeq: head,
        events: [{ kind: 'session_aborted', data: { reason: 'kill', actor: 'cli' } }],
      });
    };
    const provider = scripted(FIX_SCRIPT);
    const killer: ModelProvider = {
      ...provider,
      // Aborted from "outside" while this turn is in flight (the loop is not appending meanwhile).
      turn: (request) =>
        provider.requests.length === 2
          ? ResultAsync.fromSafePromise(abortFromOutside()).andThen(() => provider.turn(request))
          : provider.turn(request),
    };
    const outcome = await runSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider: killer,
      worktree: harness.worktree,
      sessionId,
      continueToken,
    });
    expect(outcome).toMatchObject({ kind: 'cancelled', reason: expect.stringContaining('another process') });
    expect(outcome.stats.turns).toBeLessThanOrEqual(4);
  });

  it('fails clearly when the worktree is deleted under the session', async () => {
    const { outcome, log } = await run(
      scripted([{ toolCalls: [{ name: 'bash', input: { command: 'rm -rf "$PWD"' } }] }, ...FIX_SCRIPT]),
      {},
    );
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'WORKTREE_MISSING' } });
    expect(existsSync(h?.worktree ?? '')).toBe(false);
    const fatal = log.find((e) => isEventKind(e, 'issue_reported'));
    expect(fatal?.data).toMatchObject({ severity: 'fatal', details: expect.stringContaining('deleted') });
  });

  it('keeps huge tool output out of the log (truncated event result)', async () => {
    const { log } = await run(
      scripted([{ toolCalls: [{ name: 'bash', input: { command: 'seq 1 200000' } }] }]),
      {},
    );
    const done = log.find((e) => isEventKind(e, 'tool_call_completed'));
    expect(done?.data).toMatchObject({ name: 'bash', truncated: true });
    if (done !== undefined && isEventKind(done, 'tool_call_completed'))
      expect(done.data.result.length).toBeLessThan(2200);
  });
});
