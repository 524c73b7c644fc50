/**
 * The engine's session cache (issue #14): an advance reads only the events after the cached log's last
 * seq, so what it reads does not grow with the session; and a cached engine answers exactly as one that
 * reads the whole log, whoever appended to the session in between (another engine on the same store, or
 * another connection to the same SQLite file, i.e. another process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@worktrain/contracts';
import {
  createMemorySessionStore,
  createSqliteSessionStore,
  type SessionStore,
} from '@worktrain/session-store';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContinueResponse, Engine, SessionCacheLimits } from '../src/api.js';
import { createEngine } from '../src/engine/index.js';
import { createMemoryKeyring } from '../src/tokens/index.js';
import { staticRegistry } from './helpers/engine-harness.js';

/** A loop of three steps run 1 000 times: 3 000 steps, prompts that show the context. */
const LONG_WORKFLOW: JsonObject = {
  id: 'test.long',
  name: 'Long',
  description: 'A long loop for measuring reads per advance.',
  version: '1.0.0',
  steps: [
    {
      id: 'loop',
      type: 'loop',
      title: 'Iterate',
      loop: { type: 'for', count: 1000, maxIterations: 1000 },
      body: [
        { id: 'step-a', title: 'A', prompt: 'A {{currentIteration}} on {{topic}}.' },
        { id: 'step-b', title: 'B', prompt: 'B on {{topic}} with {{extra}}.' },
        { id: 'step-c', title: 'C', prompt: 'C.' },
      ],
    },
  ],
};

interface Reads {
  calls: number;
  full: number;
  events: number;
}

/** The store port with every readEvents call counted (calls, full reads, events returned). */
function countingStore(inner: () => SessionStore): { store: SessionStore; reads: Reads } {
  const reads: Reads = { calls: 0, full: 0, events: 0 };
  const store: SessionStore = {
    append: (input) => inner().append(input),
    readEvents: (sessionId, options) => {
      reads.calls++;
      if (options?.afterSeq === undefined) reads.full++;
      return inner()
        .readEvents(sessionId, options)
        .map((events) => {
          reads.events += events.length;
          return events;
        });
    },
    getSummary: (sessionId) => inner().getSummary(sessionId),
    listSessions: (query) => inner().listSessions(query),
    verify: (sessionId) => inner().verify(sessionId),
    subscribe: (sessionId, listener) => inner().subscribe(sessionId, listener),
    putWorkflowSnapshot: (hash, snapshot) => inner().putWorkflowSnapshot(hash, snapshot),
    getWorkflowSnapshot: (hash) => inner().getWorkflowSnapshot(hash),
    close: () => inner().close(),
  };
  return { store, reads };
}

const keyring = createMemoryKeyring();

function engineOver(store: SessionStore, sessionCache?: Partial<SessionCacheLimits>): Engine {
  return createEngine({
    store,
    keyring,
    workflows: staticRegistry([LONG_WORKFLOW]),
    ...(sessionCache === undefined ? {} : { sessionCache }),
  });
}

function tokenOf(response: ContinueResponse): string {
  if (response.kind === 'gate_checkpoint' || response.continueToken === undefined)
    throw new Error(`no continue token in ${JSON.stringify(response)}`);
  return response.continueToken;
}

async function start(engine: Engine): Promise<{ sessionId: string; token: string }> {
  const started = (
    await engine.startWorkflow({ workflowId: 'test.long', context: { topic: 'caching', extra: 1 } })
  )._unsafeUnwrap();
  return { sessionId: started.sessionId, token: started.continueToken ?? '' };
}

async function advance(engine: Engine, token: string, n: number, context?: JsonObject): Promise<string> {
  const result = await engine.continueWorkflow({
    continueToken: token,
    output: { notesMarkdown: `did ${n}` },
    ...(context === undefined ? {} : { context }),
  });
  return tokenOf(result._unsafeUnwrap());
}

/** The reads one advance makes. */
async function readsOfOneAdvance(
  engine: Engine,
  reads: Reads,
  token: string,
): Promise<{ reads: Reads; token: string }> {
  const before = { ...reads };
  const next = await advance(engine, token, -1);
  return {
    reads: {
      calls: reads.calls - before.calls,
      full: reads.full - before.full,
      events: reads.events - before.events,
    },
    token: next,
  };
}

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('session cache: reads per advance', () => {
  it('reads the same number of events per advance at step 100 and at step 2 000', async () => {
    const { store, reads } = countingStore(() => memory);
    const memory = createMemorySessionStore();
    const engine = engineOver(store);
    let { token } = await start(engine);
    for (let i = 1; i < 100; i++) token = await advance(engine, token, i);
    const at100 = await readsOfOneAdvance(engine, reads, token);
    token = at100.token;
    for (let i = 101; i < 2000; i++)
      token = await advance(engine, token, i, i % 7 === 0 ? { extra: i } : undefined);
    const at2000 = await readsOfOneAdvance(engine, reads, token);

    expect(at2000.reads).toEqual(at100.reads);
    // One read per advance, of one event: the cached last one, whose hash proves the history unchanged.
    expect(at2000.reads).toEqual({ calls: 1, full: 0, events: 1 });
    // The same advance without the cache reads the whole log (over 6 000 events here).
    const uncached = engineOver(store, { maxSessions: 0 });
    const whole = await readsOfOneAdvance(uncached, reads, at2000.token);
    expect(whole.reads.full).toBe(1);
    expect(whole.reads.events).toBeGreaterThan(6000);
  }, 60_000);

  it('reads only the events another engine appended since its last call', async () => {
    const memory = createMemorySessionStore();
    const a = countingStore(() => memory);
    const b = countingStore(() => memory);
    const engineA = engineOver(a.store);
    const engineB = engineOver(b.store);
    const started = await start(engineA);
    const count = async () => (await memory.readEvents(started.sessionId))._unsafeUnwrap().length;
    const token = await advance(engineA, started.token, 1);
    const before = await count();
    const first = await readsOfOneAdvance(engineB, b.reads, token);
    const second = await readsOfOneAdvance(engineB, b.reads, first.token);
    const appendedByB = (await count()) - before;
    const onA = await readsOfOneAdvance(engineA, a.reads, second.token);

    expect(first.reads).toEqual({ calls: 1, full: 1, events: before });
    expect(second.reads).toEqual({ calls: 1, full: 0, events: 1 });
    expect(onA.reads).toEqual({ calls: 1, full: 0, events: appendedByB + 1 });
  });
});

/** What a session looks like through `engine`: the rehydrated response for `token` (deterministic). */
async function rehydrated(engine: Engine, token: string): Promise<unknown> {
  const result = await engine.continueWorkflow({ continueToken: token, intent: 'rehydrate' });
  return result.isOk() ? result.value : { error: result.error.code };
}

describe('session cache: agrees with a full read', () => {
  it('two engines on one SQLite file (two connections) advancing alternately see what a fresh load sees', async () => {
    dir = mkdtempSync(join(tmpdir(), 'worktrain-cache-'));
    const path = join(dir, 'worktrain.db');
    const open = () => createSqliteSessionStore({ path })._unsafeUnwrap();
    const [storeA, storeB, storeC] = [open(), open(), open()];
    try {
      const a = countingStore(() => storeA);
      const engines = [engineOver(a.store), engineOver(storeB)];
      const fresh = engineOver(storeC, { maxSessions: 0 });
      let { token } = await start(engines[0] as Engine);
      for (let i = 1; i <= 24; i++) {
        const engine = engines[i % 2] as Engine;
        if (i % 5 === 0) {
          // A blocked attempt (notes are required) moves the attempt counter; continue with the retry token.
          const blocked = (
            await engine.continueWorkflow({ continueToken: token, output: { notesMarkdown: ' ' } })
          )._unsafeUnwrap();
          expect(blocked.kind).toBe('blocked');
          token = tokenOf(blocked);
        } else {
          token = await advance(
            engine,
            token,
            i,
            i % 3 === 0 ? { topic: `topic ${i}`, [`k${i}`]: i } : undefined,
          );
        }
        const expected = await rehydrated(fresh, token);
        for (const e of engines) expect(await rehydrated(e, token)).toEqual(expected);
      }
      // Engine A started the session, so it never read it in full, only the other engine's batches.
      expect(a.reads.full).toBe(0);
    } finally {
      for (const s of [storeA, storeB, storeC]) s.close();
    }
  });

  type Op =
    | { readonly kind: 'advance'; readonly engine: number; readonly token: number; readonly ctx: number }
    | { readonly kind: 'blocked'; readonly engine: number; readonly token: number }
    | { readonly kind: 'checkpoint'; readonly engine: number; readonly token: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        engine: fc.nat(1),
        token: fc.nat(30),
        ctx: fc.nat(4),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('blocked' as const), engine: fc.nat(1), token: fc.nat(30) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('checkpoint' as const),
        engine: fc.nat(1),
        token: fc.nat(30),
      }),
    },
  );

  it('after any sequence of advances, forks, blocks and checkpoints by two engines, each answers as a fresh load', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 20 }), async (ops) => {
        const store = createMemorySessionStore();
        // Engine 1 keeps only one session with few events: it keeps being evicted and reloaded.
        const engines = [engineOver(store), engineOver(store, { maxSessions: 1, maxEvents: 40 })];
        const fresh = engineOver(store, { maxSessions: 0 });
        const started = await start(engines[0] as Engine);
        await start(engines[1] as Engine); // another session, competing for engine 1's cache
        const tokens = [started.token];
        for (const op of ops) {
          const engine = engines[op.engine] as Engine;
          // Mostly the newest token (a linear run); an older one forks or is stale.
          const token = op.token % 3 === 0 ? (tokens[op.token % tokens.length] ?? '') : (tokens.at(-1) ?? '');
          if (op.kind === 'checkpoint') {
            const ck = await engine.continueWorkflow({ continueToken: token, intent: 'rehydrate' });
            if (ck.isOk() && ck.value.kind !== 'gate_checkpoint' && ck.value.checkpointToken !== undefined)
              await engine.checkpointWorkflow({ checkpointToken: ck.value.checkpointToken });
          } else {
            const result = await engine.continueWorkflow({
              continueToken: token,
              output: { notesMarkdown: op.kind === 'blocked' ? '' : 'done' },
              ...(op.kind === 'advance' && op.ctx > 0
                ? {
                    context:
                      op.ctx === 4 ? { topic: `t${tokens.length}` } : { [`k${op.ctx}`]: tokens.length },
                  }
                : {}),
            });
            if (result.isOk() && result.value.kind !== 'gate_checkpoint' && result.value.continueToken)
              tokens.push(result.value.continueToken);
          }
          for (const t of [tokens.at(-1) ?? '', tokens[op.token % tokens.length] ?? '']) {
            const expected = await rehydrated(fresh, t);
            for (const e of engines) expect(await rehydrated(e, t)).toEqual(expected);
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe('session cache: bounds', () => {
  it('evicts the least recently used session beyond maxSessions and reads it in full next time', async () => {
    const memory = createMemorySessionStore();
    const { store, reads } = countingStore(() => memory);
    const engine = engineOver(store, { maxSessions: 2 });
    const one = await start(engine);
    const two = await start(engine);
    const three = await start(engine);
    expect((await readsOfOneAdvance(engine, reads, three.token)).reads.full).toBe(0);
    expect((await readsOfOneAdvance(engine, reads, two.token)).reads.full).toBe(0);
    expect((await readsOfOneAdvance(engine, reads, one.token)).reads.full).toBe(1);
  });

  it('does not cache a session with more events than maxEvents', async () => {
    const memory = createMemorySessionStore();
    const { store, reads } = countingStore(() => memory);
    const engine = engineOver(store, { maxEvents: 8 });
    let { token } = await start(engine);
    for (let i = 0; i < 3; i++) token = await advance(engine, token, i);
    expect((await readsOfOneAdvance(engine, reads, token)).reads.full).toBe(1);
  });

  it('reads the whole log again when the stored history is not the one it cached', async () => {
    // The store is swapped for a copy taken one advance earlier (a restored backup), and another writer
    // then records a different advance there: same seqs, different events.
    const first = createMemorySessionStore();
    let current = first;
    const { store, reads } = countingStore(() => current);
    const engine = engineOver(store);
    const started = await start(engine);
    const token = await advance(engine, started.token, 1);
    const backup = (await first.readEvents(started.sessionId))._unsafeUnwrap();
    await advance(engine, token, 2);
    const hash = backup[0]?.kind === 'session_created' ? backup[0].data.workflowHash : '';
    current = createMemorySessionStore({ initialEvents: backup });
    current.putWorkflowSnapshot(hash, (await first.getWorkflowSnapshot(hash))._unsafeUnwrap());
    const otherBranch = await advance(engineOver(current), token, 3);
    const before = reads.full;

    expect(await rehydrated(engine, otherBranch)).toEqual(
      await rehydrated(engineOver(current, { maxSessions: 0 }), otherBranch),
    );
    expect(reads.full).toBe(before + 1);
  });
});
