import { errAsync, manualClock, sequentialIds } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContinueResponse, Engine } from '../src/api.js';
import { createEngine } from '../src/engine/index.js';
import { createMemoryKeyring } from '../src/tokens/index.js';
import { type Harness, makeHarness, staticRegistry } from './helpers/engine-harness.js';
import { LINEAR_WORKFLOW, MAIN_WORKFLOW, VALID_VERDICT } from './helpers/test-workflows.js';

/** The store with some methods replaced (the rest delegate to it, bound). */
function withOverrides(store: SessionStore, overrides: Partial<SessionStore>): SessionStore {
  return {
    append: (input) => store.append(input),
    readEvents: (id, options) => store.readEvents(id, options),
    getSummary: (id) => store.getSummary(id),
    listSessions: (query) => store.listSessions(query),
    verify: (id) => store.verify(id),
    subscribe: (id, listener) => store.subscribe(id, listener),
    putWorkflowSnapshot: (hash, snapshot) => store.putWorkflowSnapshot(hash, snapshot),
    getWorkflowSnapshot: (hash) => store.getWorkflowSnapshot(hash),
    close: () => store.close(),
    ...overrides,
  };
}

const harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses.splice(0)) h.close();
});
function harness(...args: Parameters<typeof makeHarness>): Harness {
  const h = makeHarness(...args);
  harnesses.push(h);
  return h;
}

function expectOk(r: ContinueResponse): Extract<ContinueResponse, { kind: 'ok' }> {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}

async function runMain(engine: Engine): Promise<string> {
  const start = (
    await engine.startWorkflow({
      workflowId: 'test.main',
      context: { topic: 't', files: ['a', 'b'] },
      source: 'test',
    })
  )._unsafeUnwrap();
  let r: ContinueResponse = { ...start, kind: 'ok' };
  const outputs: Record<string, object> = {
    verdict: { artifacts: [VALID_VERDICT] },
    report: { notesMarkdown: 'Summary: fine' },
  };
  while (r.kind === 'ok' && !r.isComplete) {
    const stepId: string = r.pending?.stepId ?? '';
    r = (
      await engine.continueWorkflow({
        continueToken: r.continueToken ?? '',
        output: outputs[stepId] ?? { notesMarkdown: `did ${stepId}` },
      })
    )._unsafeUnwrap();
  }
  return start.sessionId;
}

describe('determinism', () => {
  it('gives identical event logs for identical inputs, ids, clock and keys', async () => {
    const keys = [{ id: 'k_test0001', secret: new Uint8Array(32).fill(7) }];
    const logs: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const h = harness([MAIN_WORKFLOW], undefined, { ids: sequentialIds(), clock: manualClock(), keys });
      const sessionId = await runMain(h.engine);
      const events = (await h.store.readEvents(sessionId))._unsafeUnwrap();
      logs.push(
        events.map((e) => ({ kind: e.kind, data: e.data, seq: e.seq, idempotencyKey: e.idempotencyKey })),
      );
    }
    expect(logs[1]).toEqual(logs[0]);
  });
});

describe('store limits and failures', () => {
  it('turns an output the store refuses as too large into a blocked OUTPUT_TOO_LARGE', async () => {
    const h = harness([LINEAR_WORKFLOW], undefined, { maxEventBytes: 4096 });
    const start = (await h.engine.startWorkflow({ workflowId: 'test.linear' }))._unsafeUnwrap();
    const r = (
      await h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: 'n'.repeat(8000) },
      })
    )._unsafeUnwrap();
    expect(r.kind === 'blocked' && r.blockers.map((b) => [b.code, b.pointer])).toEqual([
      ['OUTPUT_TOO_LARGE', '/output'],
    ]);
    if (r.kind !== 'blocked') return;
    expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: r.retryContinueToken ?? '',
          output: { notesMarkdown: 'short' },
        })
      )._unsafeUnwrap(),
    );
  });

  it('returns errors as values when the store throws or fails, never rejecting', async () => {
    const h = harness([LINEAR_WORKFLOW]);
    const start = (await h.engine.startWorkflow({ workflowId: 'test.linear' }))._unsafeUnwrap();
    const throwing = withOverrides(h.store, {
      readEvents: () => {
        throw new Error('disk on fire');
      },
      listSessions: () => errAsync({ code: 'STORE_IO', message: 'io failed' }),
    });
    const engine = createEngine({
      store: throwing,
      keyring: h.keyring,
      workflows: staticRegistry([LINEAR_WORKFLOW]),
    });
    const r = await engine.continueWorkflow({
      continueToken: start.continueToken ?? '',
      output: { notesMarkdown: 'x' },
    });
    expect(r._unsafeUnwrapErr()).toMatchObject({
      code: 'INTERNAL_ERROR',
      details: { operation: expect.any(String) },
    });
    const resumed = await engine.resumeSession({ query: 'x' });
    expect(resumed._unsafeUnwrapErr()).toMatchObject({
      code: 'STORE_ERROR',
      details: { storeCode: 'STORE_IO' },
    });
  });

  it('refuses to run a pinned snapshot whose content no longer matches its hash', async () => {
    const h = harness([LINEAR_WORKFLOW]);
    const start = (await h.engine.startWorkflow({ workflowId: 'test.linear' }))._unsafeUnwrap();
    const tampering = withOverrides(h.store, {
      getWorkflowSnapshot: (hash) =>
        h.store.getWorkflowSnapshot(hash).map((snapshot) => {
          const copy = JSON.parse(JSON.stringify(snapshot));
          copy.name = 'tampered';
          return copy;
        }),
    });
    const engine = createEngine({
      store: tampering,
      keyring: h.keyring,
      workflows: staticRegistry([LINEAR_WORKFLOW]),
    });
    const r = await engine.continueWorkflow({
      continueToken: start.continueToken ?? '',
      output: { notesMarkdown: 'x' },
    });
    expect(r._unsafeUnwrapErr().code).toBe('SNAPSHOT_MISSING');
  });

  it('rejects garbage inputs from untyped callers with INPUT_INVALID or token codes', async () => {
    const h = harness([LINEAR_WORKFLOW]);
    const engine = createEngine({
      store: h.store,
      keyring: createMemoryKeyring(),
      workflows: staticRegistry([LINEAR_WORKFLOW]),
    });
    const start = (await engine.startWorkflow({ workflowId: 'test.linear' }))._unsafeUnwrap();
    // Untyped callers (JSON from the wire) can send anything; each method must answer with an error value.
    const calls: Record<string, (input: unknown) => Promise<{ isErr(): boolean; error?: { code: string } }>> =
      {
        startWorkflow: async (input) => engine.startWorkflow(input as Parameters<Engine['startWorkflow']>[0]),
        continueWorkflow: async (input) =>
          engine.continueWorkflow(input as Parameters<Engine['continueWorkflow']>[0]),
        checkpointWorkflow: async (input) =>
          engine.checkpointWorkflow(input as Parameters<Engine['checkpointWorkflow']>[0]),
        resolveGate: async (input) => engine.resolveGate(input as Parameters<Engine['resolveGate']>[0]),
        inspectWorkflow: async (input) =>
          engine.inspectWorkflow(input as Parameters<Engine['inspectWorkflow']>[0]),
      };
    const codes = async (method: string, input: unknown) => {
      const r = await calls[method]?.(input);
      return r?.isErr() ? r.error?.code : 'ok';
    };
    expect(await codes('startWorkflow', { workflowId: 42 })).toBe('INPUT_INVALID');
    expect(await codes('startWorkflow', { workflowId: 'test.linear', context: [1, 2] })).toBe(
      'INPUT_INVALID',
    );
    expect(await codes('continueWorkflow', { continueToken: 7 })).toBe('TOKEN_MALFORMED');
    expect(await codes('continueWorkflow', { continueToken: start.continueToken, intent: 'jump' })).toBe(
      'INPUT_INVALID',
    );
    expect(
      await codes('continueWorkflow', { continueToken: start.continueToken, output: { artifacts: 'x' } }),
    ).toBe('INPUT_INVALID');
    expect(
      await codes('continueWorkflow', {
        continueToken: start.continueToken,
        intent: 'rehydrate',
        output: { notesMarkdown: 'x' },
      }),
    ).toBe('INPUT_INVALID');
    expect(await codes('checkpointWorkflow', {})).toBe('TOKEN_MALFORMED');
    expect(
      await codes('resolveGate', { gateToken: start.continueToken, verdict: 'approved', actor: 'a' }),
    ).toBe('TOKEN_WRONG_KIND');
    expect(await codes('startWorkflow', { workflowId: 'missing' })).toBe('WORKFLOW_NOT_FOUND');
    expect(await codes('startWorkflow', { workflowId: 'test.linear', mode: 'turbo' })).toBe('INPUT_INVALID');
    expect(await codes('startWorkflow', { workflowId: 'test.linear', source: 'carrier-pigeon' })).toBe(
      'INPUT_INVALID',
    );
    expect(await codes('startWorkflow', null)).toBe('INPUT_INVALID');
    expect(await codes('continueWorkflow', null)).toBe('INPUT_INVALID');
    expect(await codes('inspectWorkflow', { workflowId: 3 })).toBe('INPUT_INVALID');
  });
});
