/**
 * The action gate port seen from the agent: commands wait for it before they are spawned, a refusal is a
 * tool error the model reads, spend thresholds stop the loop until cleared, the wall clock stops while a
 * person decides, a kill stops the wait, and a resumed run asks again for the command it was waiting on.
 * Real engine and SQLite (harness), scripted model, fake gate.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isEventKind, type SessionEvent } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACTION_GATE_TRACES,
  type ActionGate,
  type ActionGateContext,
  type ActionGateDecision,
  type ActionGateRequest,
  type ModelProvider,
  resumeSession,
  runSession,
  type ScriptedTurn,
} from '../src/index.js';
import { type Harness, makeHarness, scripted, until } from './helpers/harness.js';

let h: (Harness & { cleanup(): void }) | undefined;
afterEach(() => {
  h?.cleanup();
  h = undefined;
});

const RISKY = 'echo ran > ran.txt; echo HELLO-FROM-BASH';

/** Runs a risky command first, then fixes the bug and completes the workflow. */
const SCRIPT: ScriptedTurn[] = [
  { step: 'investigate', toolCalls: [{ name: 'bash', input: { command: RISKY } }] },
  {
    step: 'investigate',
    toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'add() subtracts.' } }],
  },
  {
    step: 'fix',
    toolCalls: [
      { name: 'edit_file', input: { path: 'src/add.js', old_string: 'a - b', new_string: 'a + b' } },
    ],
  },
  { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed.' } }] },
  { step: 'verify', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'PASS' } }] },
];

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A gate that waits (calling onWaiting) on every command and every spend, until `release` is called. */
function waitingGate(thresholds: readonly number[] = []) {
  const asked: ActionGateRequest[] = [];
  let waiting = 0;
  let decision = deferred<ActionGateDecision>();
  const gate: ActionGate = {
    spendThresholdsUsd: thresholds,
    async decide(request: ActionGateRequest, context: ActionGateContext) {
      asked.push(request);
      await context.onWaiting({ requestId: `req_${asked.length}`, tier: 'high', summary: request.kind });
      waiting += 1;
      const aborted = new Promise<ActionGateDecision>((resolve) =>
        context.signal.addEventListener(
          'abort',
          () => resolve({ allowed: false, actor: 'worktrain', reason: 'aborted' }),
          { once: true },
        ),
      );
      const answer = await Promise.race([decision.promise, aborted]);
      decision = deferred<ActionGateDecision>();
      return answer;
    },
  };
  return {
    gate,
    asked,
    waiting: () => waiting,
    release: (d: ActionGateDecision) => decision.resolve(d),
  };
}

function traces(log: readonly SessionEvent[], decision: string) {
  return log.flatMap((e) =>
    isEventKind(e, 'decision_trace') && e.data.decision === decision ? [e.data] : [],
  );
}

function toolResults(provider: ModelProvider & { requests: { messages: readonly unknown[] }[] }): string[] {
  return provider.requests.flatMap((r) =>
    JSON.stringify(r.messages).includes('tool_result') ? [JSON.stringify(r.messages)] : [],
  );
}

async function start(provider: ModelProvider, gate: ActionGate, extra: Record<string, unknown> = {}) {
  h = makeHarness();
  const { sessionId, continueToken } = await h.start();
  const outcome = runSession({
    engine: h.engine,
    store: h.store,
    conversations: h.conversations,
    provider,
    worktree: h.worktree,
    sessionId,
    continueToken,
    actionGate: gate,
    ...extra,
  });
  return { sessionId, outcome, harness: h };
}

describe('action gate: commands', () => {
  it('waits before spawning; on approval the command runs and its output reaches the model', async () => {
    const provider = scripted(SCRIPT);
    const g = waitingGate();
    const { sessionId, outcome, harness } = await start(provider, g.gate);
    expect(await until(() => g.waiting() === 1)).toBe(true);
    // Nothing was spawned while the gate waits.
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(false);
    expect(g.asked[0]).toMatchObject({ kind: 'run_command', command: RISKY });
    expect((g.asked[0] as { toolUseId: string }).toolUseId).toMatch(/^toolu_/);
    g.release({ allowed: true, actor: 'cli:alice', reason: 'fine' });
    const done = await outcome;
    expect(done.kind).toBe('completed');
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(true);
    expect(toolResults(provider).some((m) => m.includes('HELLO-FROM-BASH'))).toBe(true);
    const log = (await harness.store.readEvents(sessionId))._unsafeUnwrap();
    expect(traces(log, ACTION_GATE_TRACES.waiting)).toHaveLength(1);
    expect(traces(log, ACTION_GATE_TRACES.decided)[0]).toMatchObject({
      data: { allowed: true, actor: 'cli:alice', reason: 'fine' },
    });
  });

  it('a refusal is a tool error the model reads, the command never runs and the session goes on', async () => {
    const provider = scripted(SCRIPT);
    const g = waitingGate();
    const { sessionId, outcome, harness } = await start(provider, g.gate);
    expect(await until(() => g.waiting() === 1)).toBe(true);
    g.release({ allowed: false, actor: 'cli:bob', reason: 'not on my watch' });
    const done = await outcome;
    expect(done.kind).toBe('completed');
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(false);
    expect(toolResults(provider).some((m) => m.includes('command refused by cli:bob: not on my watch'))).toBe(
      true,
    );
    const log = (await harness.store.readEvents(sessionId))._unsafeUnwrap();
    const completed = log.flatMap((e) =>
      isEventKind(e, 'tool_call_completed') && e.data.name === 'bash' ? [e.data] : [],
    );
    expect(completed[0]).toMatchObject({ isError: true });
    expect(completed[0]?.result).toContain('command refused by cli:bob');
  });

  it('an immediate allow runs the command at once with no trace in the session log', async () => {
    const provider = scripted(SCRIPT);
    const asked: ActionGateRequest[] = [];
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: async (request) => {
        asked.push(request);
        return { allowed: true, actor: 'policy:low' };
      },
    };
    const { sessionId, outcome, harness } = await start(provider, gate);
    expect((await outcome).kind).toBe('completed');
    expect(asked).toHaveLength(1);
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(true);
    const log = (await harness.store.readEvents(sessionId))._unsafeUnwrap();
    expect(traces(log, ACTION_GATE_TRACES.waiting)).toHaveLength(0);
    expect(traces(log, ACTION_GATE_TRACES.decided)).toHaveLength(0);
  });

  it('a gate that throws refuses (fail closed)', async () => {
    const provider = scripted(SCRIPT);
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: async () => {
        throw new Error('database is locked');
      },
    };
    const { outcome, harness } = await start(provider, gate);
    expect((await outcome).kind).toBe('completed');
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(false);
    expect(toolResults(provider).some((m) => m.includes('command refused by worktrain'))).toBe(true);
  });

  it('the kill switch stops the wait: the run ends cancelled and the command never runs', async () => {
    const provider = scripted(SCRIPT);
    const g = waitingGate();
    const kill = new AbortController();
    const { outcome, harness } = await start(provider, g.gate, { signal: kill.signal });
    expect(await until(() => g.waiting() === 1)).toBe(true);
    kill.abort();
    const done = await outcome;
    expect(done.kind).toBe('cancelled');
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(false);
  });

  it('a kill recorded by another process stops the wait', async () => {
    const provider = scripted(SCRIPT);
    const g = waitingGate();
    const { sessionId, outcome, harness } = await start(provider, g.gate);
    expect(await until(() => g.waiting() === 1)).toBe(true);
    const head = (await harness.store.getSummary(sessionId))._unsafeUnwrap().lastSeq;
    (
      await harness.store.append({
        sessionId,
        expectedSeq: head,
        events: [{ kind: 'session_aborted', data: { reason: 'stop', actor: 'cli:carol', code: 'KILLED' } }],
      })
    )._unsafeUnwrap();
    const done = await outcome;
    expect(done.kind).toBe('cancelled');
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(false);
  });

  it('time spent waiting does not count against the wall clock budget', async () => {
    const provider = scripted(SCRIPT);
    let now = 1_000_000;
    const clock = { now: () => now };
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      async decide(_request, context) {
        await context.onWaiting({ requestId: 'req_1', tier: 'high', summary: 'x' });
        now += 10 * 3_600_000; // a person took ten hours
        return { allowed: true, actor: 'cli:alice' };
      },
    };
    const { outcome } = await start(provider, gate, { clock, budget: { maxWallClockMs: 3_600_000 } });
    const done = await outcome;
    expect(done.kind).toBe('completed');
  });

  it('a run stopped while a command waited asks again for the same call on resume, then runs it', async () => {
    const [turn0, ...rest] = SCRIPT;
    const twoCalls: ScriptedTurn[] = [
      {
        ...turn0,
        toolCalls: [...(turn0?.toolCalls ?? []), { name: 'read_file', input: { path: 'src/add.js' } }],
      },
      ...rest,
    ];
    const provider = scripted(twoCalls);
    const g = waitingGate();
    const kill = new AbortController();
    const { sessionId, outcome, harness } = await start(provider, g.gate, { signal: kill.signal });
    expect(await until(() => g.waiting() === 1)).toBe(true);
    kill.abort();
    expect((await outcome).kind).toBe('cancelled');
    const first = g.asked[0] as { toolUseId: string };

    const again: ActionGateRequest[] = [];
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: async (request) => {
        again.push(request);
        return { allowed: true, actor: 'cli:alice', reason: 'decided while the daemon was down' };
      },
    };
    const second = scripted(twoCalls);
    const resumed = await resumeSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider: second,
      worktree: harness.worktree,
      sessionId,
      actionGate: gate,
    });
    expect(resumed.kind).toBe('completed');
    expect(again[0]).toMatchObject({ kind: 'run_command', command: RISKY, toolUseId: first.toolUseId });
    expect(existsSync(join(harness.worktree, 'ran.txt'))).toBe(true);
    // The call after it never started: the model is told so (not "may or may not have taken effect").
    expect(toolResults(second)[0]).toContain('Not run: the session stopped while an earlier call');
    // The call's recorded result is the command's output, not the cut wait.
    const log = (await harness.store.readEvents(sessionId))._unsafeUnwrap();
    const bash = log.flatMap((e) =>
      isEventKind(e, 'tool_call_completed') && e.data.toolCallId === first.toolUseId ? [e.data] : [],
    );
    expect(bash).toHaveLength(1);
    expect(bash[0]?.result).toContain('HELLO-FROM-BASH');
  });
});

describe('action gate: spend thresholds', () => {
  const priced = (): ModelProvider & { requests: { messages: readonly unknown[] }[] } => {
    const base = scripted(
      SCRIPT.map((t) => ({ ...t, usage: { inputTokens: 100_000, outputTokens: 10_000 } })),
    );
    // 0.45 USD a turn
    return { ...base, cost: (u) => (u.inputTokens * 3 + u.outputTokens * 15) / 1_000_000 };
  };
  const onlySpend = (g: ReturnType<typeof waitingGate>): ActionGate => ({
    spendThresholdsUsd: g.gate.spendThresholdsUsd,
    decide: (request, context) =>
      request.kind === 'spend'
        ? g.gate.decide(request, context)
        : Promise.resolve({ allowed: true, actor: 'policy:low' }),
  });

  it('parks before the next model request once the cost exceeds a threshold, and goes on when allowed', async () => {
    const provider = priced();
    const g = waitingGate([0.8, 0.8, 5]);
    const { outcome } = await start(provider, onlySpend(g));
    expect(await until(() => g.waiting() === 1)).toBe(true);
    // Two turns (0.90 USD) were made; the third waits.
    expect(provider.requests).toHaveLength(2);
    expect(g.asked[0]).toEqual({ kind: 'spend', usd: 0.9, thresholdUsd: 0.8 });
    g.release({ allowed: true, actor: 'cli:alice' });
    const done = await outcome;
    expect(done.kind).toBe('completed');
    // Asked once for 0.8 (duplicates ignored); 5 USD was never reached.
    expect(g.asked).toHaveLength(1);
  });

  it('a refused spend ends the run as a money budget stop with the refusal traced', async () => {
    const provider = priced();
    const g = waitingGate([0.8]);
    const { sessionId, outcome, harness } = await start(provider, onlySpend(g));
    expect(await until(() => g.waiting() === 1)).toBe(true);
    g.release({ allowed: false, actor: 'cli:bob', reason: 'too expensive' });
    const done = await outcome;
    expect(done).toMatchObject({ kind: 'budget_exceeded', budget: 'money', limit: 0.8 });
    expect(provider.requests).toHaveLength(2);
    const log = (await harness.store.readEvents(sessionId))._unsafeUnwrap();
    expect(log.flatMap((e) => (isEventKind(e, 'budget_exceeded') ? [e.data] : []))).toEqual([
      { budget: 'money', limit: 0.8, observed: expect.closeTo(0.9, 6) },
    ]);
    expect(traces(log, ACTION_GATE_TRACES.decided)[0]).toMatchObject({
      data: { allowed: false, actor: 'cli:bob', reason: 'too expensive' },
    });
  });
});
