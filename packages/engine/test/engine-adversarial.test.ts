import type { JsonObject } from '@worktrain/contracts';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContinueResponse, Engine } from '../src/api.js';
import { createEngine } from '../src/engine/index.js';
import { createMemoryKeyring, signToken } from '../src/tokens/index.js';
import { type Harness, makeHarness, staticRegistry } from './helpers/engine-harness.js';
import {
  CHOICE_WORKFLOW,
  LINEAR_WORKFLOW,
  MAIN_WORKFLOW,
  VALID_VERDICT,
  VERDICT_WORKFLOW,
} from './helpers/test-workflows.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function expectOk(r: ContinueResponse): Extract<ContinueResponse, { kind: 'ok' }> {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}

async function eventCount(harness: Harness, sessionId: string): Promise<number> {
  return (await harness.store.readEvents(sessionId))._unsafeUnwrap().length;
}

async function startLinear(engine: Engine) {
  return (await engine.startWorkflow({ workflowId: 'test.linear', goal: 'linear run' }))._unsafeUnwrap();
}

describe('tokens', () => {
  it('rejects forged, tampered, foreign-key, wrong-kind and stale tokens with specific codes', async () => {
    h = makeHarness([LINEAR_WORKFLOW, VERDICT_WORKFLOW]);
    const { engine } = h;
    const start = await startLinear(engine);
    const ct = start.continueToken ?? '';
    const code = async (token: string, extra: object = { output: { notesMarkdown: 'x' } }) =>
      (await engine.continueWorkflow({ continueToken: token, ...extra }))._unsafeUnwrapErr().code;

    expect(await code('ct_forged.garbage')).toBe('TOKEN_MALFORMED');
    expect(await code('not-a-token')).toBe('TOKEN_MALFORMED');
    const last = ct.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${ct.slice(0, -2)}${last}${ct.at(-1)}`;
    expect(await code(tampered)).toBe('TOKEN_BAD_SIGNATURE');
    const otherKeyring = createMemoryKeyring();
    const foreign = signToken(otherKeyring, {
      kind: 'continue',
      sessionId: start.sessionId,
      nodeId: 'node_x',
      attempt: 0,
    });
    expect(await code(foreign)).toBe('TOKEN_UNKNOWN_KEY');
    expect(await code(start.checkpointToken ?? '')).toBe('TOKEN_WRONG_KIND');

    // A token for another session's node: the node does not exist in this session.
    const other = await startLinear(engine);
    const nodeOfOther = (await h.store.readEvents(other.sessionId))
      ._unsafeUnwrap()
      .find((e) => e.kind === 'node_created');
    const crossed = signToken(h.keyring, {
      kind: 'continue',
      sessionId: start.sessionId,
      nodeId: nodeOfOther?.kind === 'node_created' ? nodeOfOther.data.nodeId : 'node_none',
      attempt: 0,
    });
    expect(await code(crossed)).toBe('TOKEN_NODE_NOT_FOUND');
    expect(
      await code(
        signToken(h.keyring, { kind: 'continue', sessionId: 'sess_missing', nodeId: 'node_x', attempt: 0 }),
      ),
    ).toBe('SESSION_NOT_FOUND');

    // Stale: after a blocked attempt, the first token (attempt 0) no longer advances.
    const v = (await engine.startWorkflow({ workflowId: 'test.verdict' }))._unsafeUnwrap();
    const blocked = (
      await engine.continueWorkflow({ continueToken: v.continueToken ?? '', output: { artifacts: [] } })
    )._unsafeUnwrap();
    expect(blocked.kind).toBe('blocked');
    expect(await code(v.continueToken ?? '', { output: { artifacts: [VALID_VERDICT] } })).toBe('TOKEN_STALE');
    // The retry token works.
    if (blocked.kind !== 'blocked') return;
    expectOk(
      (
        await engine.continueWorkflow({
          continueToken: blocked.retryContinueToken ?? '',
          output: { artifacts: [VALID_VERDICT] },
        })
      )._unsafeUnwrap(),
    );
  });
});

describe('hostile input', () => {
  it('blocks 10 MB notes with OUTPUT_TOO_LARGE and stores nothing large', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const r = (
      await h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: huge },
      })
    )._unsafeUnwrap();
    expect(r.kind === 'blocked' && r.blockers.map((b) => [b.code, b.pointer])).toEqual([
      ['OUTPUT_TOO_LARGE', '/output/notesMarkdown'],
    ]);
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    expect(Math.max(...events.map((e) => JSON.stringify(e).length))).toBeLessThan(10_000);
  });

  it('rejects a context nested 1000 deep with CONTEXT_TOO_DEEP and appends nothing', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const before = await eventCount(h, start.sessionId);
    let deep: JsonObject = { leaf: true };
    for (let i = 0; i < 1000; i++) deep = { next: deep };
    const r = await h.engine.continueWorkflow({
      continueToken: start.continueToken ?? '',
      output: { notesMarkdown: 'ok' },
      context: deep,
    });
    expect(r._unsafeUnwrapErr().code).toBe('CONTEXT_TOO_DEEP');
    expect(await eventCount(h, start.sessionId)).toBe(before);
    const atStart = await h.engine.startWorkflow({ workflowId: 'test.linear', context: deep });
    expect(atStart._unsafeUnwrapErr().code).toBe('CONTEXT_TOO_DEEP');
  });

  it('blocks artifacts of the wrong kind for an output contract', async () => {
    h = makeHarness([VERDICT_WORKFLOW]);
    const start = (await h.engine.startWorkflow({ workflowId: 'test.verdict' }))._unsafeUnwrap();
    const r = (
      await h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { artifacts: [{ kind: 'wr.loop_control', decision: 'stop' }] },
      })
    )._unsafeUnwrap();
    expect(r.kind).toBe('blocked');
    if (r.kind !== 'blocked') return;
    expect(r.blockers.some((b) => b.code === 'MISSING_REQUIRED_OUTPUT')).toBe(true);
  });

  it('rejects malformed output shapes with INPUT_INVALID', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const bad = { continueToken: start.continueToken ?? '', output: { notesMarkdown: 42 } };
    // @ts-expect-error deliberately wrong type, as an untyped client could send
    const r = await h.engine.continueWorkflow(bad);
    expect(r._unsafeUnwrapErr().code).toBe('INPUT_INVALID');
  });
});

describe('idempotency, races and forks', () => {
  it('replays an identical advance with the same response and no new events', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const call = {
      continueToken: start.continueToken ?? '',
      output: { notesMarkdown: 'one done' },
      context: { a: 1 },
    };
    const first = expectOk((await h.engine.continueWorkflow(call))._unsafeUnwrap());
    const count = await eventCount(h, start.sessionId);
    const second = expectOk((await h.engine.continueWorkflow(call))._unsafeUnwrap());
    expect(second.replayed).toBe(true);
    expect({ ...second, replayed: undefined }).toEqual({ ...first, replayed: undefined });
    expect(await eventCount(h, start.sessionId)).toBe(count);
  });

  it('lets exactly one of two concurrent different advances on one token win', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const token = start.continueToken ?? '';
    const [a, b] = await Promise.all([
      h.engine.continueWorkflow({ continueToken: token, output: { notesMarkdown: 'version A' } }),
      h.engine.continueWorkflow({ continueToken: token, output: { notesMarkdown: 'version B' } }),
    ]);
    const oks = [a, b].filter((r) => r.isOk() && r.value.kind === 'ok' && r.value.replayed !== true);
    const conflicts = [a, b].filter((r) => r.isErr() && r.error.code === 'ADVANCE_CONFLICT');
    expect(oks).toHaveLength(1);
    expect(conflicts).toHaveLength(1);
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    expect(events.filter((e) => e.kind === 'advance_recorded')).toHaveLength(1);
    expect(events.some((e) => e.kind === 'fork_created')).toBe(false);
  });

  it('applies two identical concurrent advances once and replays the other', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const call = { continueToken: start.continueToken ?? '', output: { notesMarkdown: 'same' } };
    const [a, b] = await Promise.all([h.engine.continueWorkflow(call), h.engine.continueWorkflow(call)]);
    const responses = [expectOk(a._unsafeUnwrap()), expectOk(b._unsafeUnwrap())];
    expect(responses.filter((r) => r.replayed === true)).toHaveLength(1);
    expect(responses[0]?.continueToken).toBe(responses[1]?.continueToken);
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    expect(events.filter((e) => e.kind === 'advance_recorded')).toHaveLength(1);
  });

  it('forks from an older token and leaves the later nodes of the old branch usable', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const two = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'first take' },
        })
      )._unsafeUnwrap(),
    );
    const three = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: two.continueToken ?? '',
          output: { notesMarkdown: 'two' },
        })
      )._unsafeUnwrap(),
    );
    expect(three.pending?.stepId).toBe('three');
    const fork = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'second take' },
        })
      )._unsafeUnwrap(),
    );
    expect(fork.pending?.stepId).toBe('two');
    expect(fork.continueToken).not.toBe(two.continueToken);
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    const forks = events.filter((e) => e.kind === 'fork_created');
    expect(forks).toHaveLength(1);
    const adv = events
      .filter((e) => e.kind === 'advance_recorded')
      .map((e) => e.kind === 'advance_recorded' && e.data.fork);
    expect(adv).toEqual([false, false, true]);
    // The old branch continues independently.
    const done = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: three.continueToken ?? '',
          output: { notesMarkdown: 'three' },
        })
      )._unsafeUnwrap(),
    );
    expect(done.isComplete).toBe(true);
    expect(
      await h.engine
        .continueWorkflow({ continueToken: fork.continueToken ?? '', output: { notesMarkdown: 'late' } })
        .then((r) => r.isErr() && r.error.code),
    ).toBe('SESSION_ENDED');
  });
});

describe('branches and unrelated concurrent writes', () => {
  it('keeps context set on one branch out of a fork', async () => {
    h = makeHarness([CHOICE_WORKFLOW]);
    const start = (await h.engine.startWorkflow({ workflowId: 'test.choice' }))._unsafeUnwrap();
    const a = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'go a' },
          context: { choice: 'A' },
        })
      )._unsafeUnwrap(),
    );
    const b = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'go b' },
          context: { other: 1 },
        })
      )._unsafeUnwrap(),
    );
    expect(a.pending?.prompt).toContain('Follow direction A.');
    expect(b.pending?.prompt).not.toContain('direction A');
    const again = expectOk(
      (await h.engine.continueWorkflow({ continueToken: a.continueToken ?? '' }))._unsafeUnwrap(),
    );
    expect(again.pending?.prompt).toContain('Follow direction A.');
  });

  it('applies an advance that races a checkpoint and one that races another branch', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const [advanced, checkpointed] = await Promise.all([
      h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: 'one' },
      }),
      h.engine.checkpointWorkflow({ checkpointToken: start.checkpointToken ?? '' }),
    ]);
    const two = expectOk(advanced._unsafeUnwrap());
    expect(checkpointed._unsafeUnwrap().resumeToken).toMatch(/^st_/);
    // Two different nodes advanced concurrently: both apply (one fork of node one, one step of node two).
    const [forked, onward] = await Promise.all([
      h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: 'one, again' },
      }),
      h.engine.continueWorkflow({ continueToken: two.continueToken ?? '', output: { notesMarkdown: 'two' } }),
    ]);
    expect(expectOk(forked._unsafeUnwrap()).pending?.stepId).toBe('two');
    expect(expectOk(onward._unsafeUnwrap()).pending?.stepId).toBe('three');
    expect((await h.store.verify(start.sessionId))._unsafeUnwrap().ok).toBe(true);
  });
});

describe('circuit breaker and store failures', () => {
  it('opens the circuit after maxConsecutiveBlocked blocked attempts', async () => {
    h = makeHarness([VERDICT_WORKFLOW], { maxConsecutiveBlocked: 3 });
    const start = (await h.engine.startWorkflow({ workflowId: 'test.verdict' }))._unsafeUnwrap();
    let token = start.continueToken ?? '';
    for (let i = 0; i < 2; i++) {
      const r = (
        await h.engine.continueWorkflow({ continueToken: token, output: { artifacts: [{ n: i }] } })
      )._unsafeUnwrap();
      if (r.kind !== 'blocked') throw new Error('expected blocked');
      token = r.retryContinueToken ?? '';
    }
    const third = await h.engine.continueWorkflow({
      continueToken: token,
      output: { artifacts: [{ n: 3 }] },
    });
    expect(third._unsafeUnwrapErr().code).toBe('CIRCUIT_OPEN');
    expect(third._unsafeUnwrapErr().details?.retryable).toBe(false);
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    const budget = events.find((e) => e.kind === 'budget_exceeded');
    expect(budget?.kind === 'budget_exceeded' && budget.data).toEqual({
      budget: 'blocked_attempts',
      limit: 3,
      observed: 3,
    });
    const after = await h.engine.continueWorkflow({
      continueToken: token,
      output: { artifacts: [VALID_VERDICT] },
    });
    expect(after._unsafeUnwrapErr().code).toMatch(/CIRCUIT_OPEN|TOKEN_STALE/);
  });

  it('maps a read-only store to STORE_ERROR and leaves the log intact', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const start = await startLinear(h.engine);
    const before = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    const ro = createSqliteSessionStore({ path: h.dbPath, readonly: true });
    if (ro.isErr()) throw new Error(ro.error.message);
    try {
      const engine = createEngine({
        store: ro.value,
        keyring: h.keyring,
        workflows: staticRegistry([LINEAR_WORKFLOW]),
      });
      const r = await engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: 'x' },
      });
      expect(r._unsafeUnwrapErr().code).toBe('STORE_ERROR');
      expect(r._unsafeUnwrapErr().details?.storeCode).toBe('STORE_READ_ONLY');
      const s = await engine.startWorkflow({ workflowId: 'test.linear' });
      expect(s._unsafeUnwrapErr().code).toBe('STORE_ERROR');
    } finally {
      ro.value.close();
    }
    expect((await h.store.readEvents(start.sessionId))._unsafeUnwrap()).toEqual(before);
    expect((await h.store.verify(start.sessionId))._unsafeUnwrap().ok).toBe(true);
    // The writable engine still advances afterwards.
    expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'x' },
        })
      )._unsafeUnwrap(),
    );
  });
});

describe('discovery and resume', () => {
  it('lists and inspects workflows', async () => {
    h = makeHarness([LINEAR_WORKFLOW, MAIN_WORKFLOW]);
    const list = (await h.engine.listWorkflows())._unsafeUnwrap();
    expect(list.workflows.map((w) => w.workflowId).sort()).toEqual(['test.linear', 'test.main']);
    expect(list.workflows.every((w) => w.workflowHash?.startsWith('sha256:'))).toBe(true);
    const inspected = (
      await h.engine.inspectWorkflow({ workflowId: 'test.main', mode: 'preview' })
    )._unsafeUnwrap();
    expect(inspected.workflowHash).toBe(
      list.workflows.find((w) => w.workflowId === 'test.main')?.workflowHash,
    );
    expect((await h.engine.inspectWorkflow({ workflowId: 'nope' }))._unsafeUnwrapErr().code).toBe(
      'WORKFLOW_NOT_FOUND',
    );
  });

  it('ranks resume candidates: exact id first, then text matches, each with a read-only token', async () => {
    h = makeHarness([LINEAR_WORKFLOW, MAIN_WORKFLOW]);
    const a = (
      await h.engine.startWorkflow({
        workflowId: 'test.linear',
        goal: 'fix the login bug',
        workspacePath: '/repo/a',
      })
    )._unsafeUnwrap();
    const b = (
      await h.engine.startWorkflow({
        workflowId: 'test.main',
        goal: 'write docs',
        workspacePath: '/repo/b',
        context: { files: [] },
      })
    )._unsafeUnwrap();
    const byText = (await h.engine.resumeSession({ query: 'login' }))._unsafeUnwrap();
    expect(byText.candidates[0]?.sessionId).toBe(a.sessionId);
    expect(byText.candidates.some((c) => c.sessionId === b.sessionId)).toBe(false);
    const byId = (await h.engine.resumeSession({ sessionId: b.sessionId }))._unsafeUnwrap();
    expect(byId.candidates[0]?.sessionId).toBe(b.sessionId);
    expect(byId.candidates[0]?.confidence).toBe('strong');
    const token = byId.candidates[0]?.resumeToken ?? '';
    expect(token).toMatch(/^st_/);
    const re = expectOk(
      (await h.engine.continueWorkflow({ continueToken: token, intent: 'rehydrate' }))._unsafeUnwrap(),
    );
    expect(re.pending?.stepId).toBe('intro');
    const recent = (await h.engine.resumeSession({}))._unsafeUnwrap();
    expect(recent.candidates.length).toBe(2);
    expect(recent.totalEligible).toBe(2);
  });
});

describe('sessions continued after a budget hit', () => {
  it('advances again after session_continued ends a failure, but never after an abort', async () => {
    h = makeHarness([LINEAR_WORKFLOW]);
    const { engine, store } = h;
    const append = async (sessionId: string, events: Parameters<typeof store.append>[0]['events']) => {
      const last = (await store.getSummary(sessionId))._unsafeUnwrap().lastSeq;
      (await store.append({ sessionId, expectedSeq: last, events }))._unsafeUnwrap();
    };
    const continued = {
      kind: 'session_continued',
      data: { actor: 'cli:ada', previousStatus: 'failed', budget: 'turns', limits: { maxTurns: 9 } },
    } as const;
    const start = await startLinear(engine);
    const ct = start.continueToken ?? '';
    await append(start.sessionId, [
      { kind: 'budget_exceeded', data: { budget: 'turns', limit: 1, observed: 1 } },
      { kind: 'session_completed', data: { outcome: 'failure', summary: 'budget exceeded: turns' } },
    ]);
    const refused = await engine.continueWorkflow({ continueToken: ct, output: { notesMarkdown: 'x' } });
    expect(refused.isErr() && refused.error.code).toBe('SESSION_ENDED');
    await append(start.sessionId, [continued]);
    const next = expectOk(
      (await engine.continueWorkflow({ continueToken: ct, output: { notesMarkdown: 'x' } }))._unsafeUnwrap(),
    );
    expect(next.pending?.stepId).not.toBe(start.pending?.stepId);

    const other = await startLinear(engine);
    await append(other.sessionId, [
      { kind: 'session_aborted', data: { reason: 'stop', actor: 'cli:ada' } },
      continued,
    ]);
    const aborted = await engine.continueWorkflow({
      continueToken: other.continueToken ?? '',
      output: { notesMarkdown: 'x' },
    });
    expect(aborted.isErr() && aborted.error.code).toBe('SESSION_ENDED');
  });
});
