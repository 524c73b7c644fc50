import type { IdGenerator, JsonValue, ManualClock, SessionEvent } from '@worktrain/contracts';
import { GENESIS_HASH, manualClock, sequentialIds } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../src/index.js';
import { projectSession } from '../src/index.js';
import { describeConcurrencyConformance } from './conformance-concurrency.js';
import { describeListingConformance } from './conformance-listing.js';
import { describeSnapshots, describeSubscriptions } from './conformance-subscriptions.js';
import { advance, blocked, completed, created, node, notes, steer } from './events.js';

/** What a backend gives the conformance suite for one test. */
export interface ConformanceContext {
  readonly store: SessionStore;
  /** Another store instance over the same data (a second connection; the memory store returns itself). */
  openPeer(): SessionStore;
  /**
   * Replaces the stored `data` of one event behind the store's back (as an attacker editing the file would)
   * and returns a store that reads the altered data.
   */
  tamperEventData(sessionId: string, seq: number, data: JsonValue): Promise<SessionStore>;
  /** Closes everything the context opened and removes its files. */
  cleanup(): Promise<void>;
}

export interface ConformanceDeps {
  readonly clock: ManualClock;
  readonly ids: IdGenerator;
  /** When set, the store must be created with this event size limit. */
  readonly maxEventBytes?: number;
}

export type ConformanceFactory = (deps: ConformanceDeps) => Promise<ConformanceContext>;

/** Helpers the suite's parts share: a fresh context per test plus small unwrapping utilities. */
export interface ConformanceHarness {
  ctx(): ConformanceContext;
  clock(): ManualClock;
  make(deps?: Partial<ConformanceDeps>): Promise<ConformanceContext>;
}

/**
 * The behaviour every {@link SessionStore} adapter must show. Call from a backend's test file:
 * `describeSessionStoreConformance('sqlite', async (deps) => ({ store, openPeer, tamperEventData, cleanup }))`.
 */
export function describeSessionStoreConformance(name: string, factory: ConformanceFactory): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let current: ConformanceContext | undefined;
    let clock: ManualClock;
    const extra: ConformanceContext[] = [];
    const harness: ConformanceHarness = {
      ctx: () => current!,
      clock: () => clock,
      make: async (deps) => {
        const made = await factory({ clock: manualClock(), ids: sequentialIds(), ...deps });
        extra.push(made);
        return made;
      },
    };
    beforeEach(async () => {
      clock = manualClock(Date.UTC(2026, 0, 1));
      current = await factory({ clock, ids: sequentialIds() });
    });
    afterEach(async () => {
      await current?.cleanup();
      for (const made of extra.splice(0)) await made.cleanup();
    });

    describeAppendAndRead(harness);
    describeIdempotency(harness);
    describeVerify(harness);
    describeSummaries(harness);
    describeSubscriptions(harness);
    describeSnapshots(harness);
    describeListingConformance(harness);
    describeConcurrencyConformance(harness);
  });
}

async function createSession(store: SessionStore, sessionId: string): Promise<SessionEvent[]> {
  const r = await store.append({ sessionId, expectedSeq: 0, events: [created(), node('n1', 'step-1')] });
  return [...r._unsafeUnwrap().events];
}

function describeAppendAndRead(h: ConformanceHarness): void {
  describe('append and read', () => {
    it('assigns gap-free seqs from 1 and reads them back in order', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const r = await store.append({
        sessionId: 'sess_a',
        expectedSeq: 2,
        events: [steer('one'), steer('two')],
      });
      expect(r._unsafeUnwrap().lastSeq).toBe(4);
      const events = (await store.readEvents('sess_a'))._unsafeUnwrap();
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(events.map((e) => e.kind)).toEqual([
        'session_created',
        'node_created',
        'steer_injected',
        'steer_injected',
      ]);
      expect(events[3]!.data).toEqual({ message: 'two', actor: 'tester' });
    });

    it('returns exactly the stored events from append, chained from the genesis hash', async () => {
      const { store } = h.ctx();
      const appended = await createSession(store, 'sess_a');
      const read = (await store.readEvents('sess_a'))._unsafeUnwrap();
      expect(read).toEqual(appended);
      expect(read[0]!.prevHash).toBe(GENESIS_HASH);
      expect(read[1]!.prevHash).toBe(read[0]!.hash);
      expect(read[0]!.at).toBe(h.clock().now());
      expect(read[0]!.v).toBe(1);
      expect(read[0]!.idempotencyKey).toBeNull();
    });

    it('reads a window with afterSeq and limit', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      await store.append({
        sessionId: 'sess_a',
        expectedSeq: 2,
        events: [steer('3'), steer('4'), steer('5')],
      });
      const window = (await store.readEvents('sess_a', { afterSeq: 2, limit: 2 }))._unsafeUnwrap();
      expect(window.map((e) => e.seq)).toEqual([3, 4]);
      expect((await store.readEvents('sess_a', { afterSeq: 5 }))._unsafeUnwrap()).toEqual([]);
    });

    it('rejects a stale expectedSeq with SEQ_CONFLICT and writes nothing', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const r = await store.append({ sessionId: 'sess_a', expectedSeq: 1, events: [steer('late')] });
      expect(r._unsafeUnwrapErr().code).toBe('SEQ_CONFLICT');
      expect(r._unsafeUnwrapErr().details).toMatchObject({ expected: 1, actual: 2 });
      expect((await store.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(2);
    });

    it('rejects expectedSeq 0 on an existing session with SESSION_EXISTS', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const r = await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] });
      expect(r._unsafeUnwrapErr().code).toBe('SESSION_EXISTS');
    });

    it('rejects expectedSeq > 0 on an unknown session with SESSION_NOT_FOUND', async () => {
      const r = await h.ctx().store.append({ sessionId: 'sess_none', expectedSeq: 3, events: [steer('x')] });
      expect(r._unsafeUnwrapErr().code).toBe('SESSION_NOT_FOUND');
    });

    it('requires session_created first and only first', async () => {
      const { store } = h.ctx();
      const first = await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [steer('hi')] });
      expect(first._unsafeUnwrapErr()).toMatchObject({ code: 'INVALID_EVENT', details: { index: 0 } });
      await createSession(store, 'sess_a');
      const again = await store.append({
        sessionId: 'sess_a',
        expectedSeq: 2,
        events: [steer('ok'), created()],
      });
      expect(again._unsafeUnwrapErr()).toMatchObject({ code: 'INVALID_EVENT', details: { index: 1 } });
      expect((await store.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(2);
    });

    it('rejects an event that fails its schema with INVALID_EVENT, its index and zod issues, writing none of the batch', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const bad = { kind: 'steer_injected', data: { message: 42, actor: 'x' } } as unknown as ReturnType<
        typeof steer
      >;
      const r = await store.append({ sessionId: 'sess_a', expectedSeq: 2, events: [steer('fine'), bad] });
      const e = r._unsafeUnwrapErr();
      expect(e.code).toBe('INVALID_EVENT');
      expect(e.details?.index).toBe(1);
      expect(Array.isArray(e.details?.issues) && e.details.issues.length > 0).toBe(true);
      expect((await store.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(2);
    });

    it('rejects an unknown event kind and an empty batch with INVALID_EVENT', async () => {
      const { store } = h.ctx();
      const unknownKind = { kind: 'telepathy', data: {} } as unknown as ReturnType<typeof steer>;
      const r1 = await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [unknownKind] });
      expect(r1._unsafeUnwrapErr().code).toBe('INVALID_EVENT');
      const r2 = await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [] });
      expect(r2._unsafeUnwrapErr().code).toBe('INVALID_EVENT');
    });

    it('rejects an event over maxEventBytes with EVENT_TOO_LARGE', async () => {
      const { store } = await h.make({ maxEventBytes: 2048 });
      await createSession(store, 'sess_a');
      const r = await store.append({
        sessionId: 'sess_a',
        expectedSeq: 2,
        events: [steer('x'.repeat(4096))],
      });
      expect(r._unsafeUnwrapErr()).toMatchObject({
        code: 'EVENT_TOO_LARGE',
        details: { index: 0, limit: 2048 },
      });
      const small = await store.append({
        sessionId: 'sess_a',
        expectedSeq: 2,
        events: [steer('x'.repeat(1000))],
      });
      expect(small.isOk()).toBe(true);
    });

    it('reports SESSION_NOT_FOUND for reads of an unknown session', async () => {
      const { store } = h.ctx();
      expect((await store.readEvents('sess_none'))._unsafeUnwrapErr().code).toBe('SESSION_NOT_FOUND');
      expect((await store.getSummary('sess_none'))._unsafeUnwrapErr().code).toBe('SESSION_NOT_FOUND');
      expect((await store.verify('sess_none'))._unsafeUnwrapErr().code).toBe('SESSION_NOT_FOUND');
    });

    it('fails every operation with STORE_IO after close', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      expect(store.close().isOk()).toBe(true);
      expect((await store.readEvents('sess_a'))._unsafeUnwrapErr().code).toBe('STORE_IO');
      expect(
        (await store.append({ sessionId: 'sess_b', expectedSeq: 0, events: [created()] }))._unsafeUnwrapErr()
          .code,
      ).toBe('STORE_IO');
      expect(store.close().isOk()).toBe(true);
    });
  });
}

function describeIdempotency(h: ConformanceHarness): void {
  describe('idempotency keys', () => {
    it('replays a repeated batch: same events, replayed true, nothing new written', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const input = {
        sessionId: 'sess_a',
        expectedSeq: 2,
        idempotencyKey: 'step-1-output',
        events: [steer('a'), steer('b')],
      };
      const first = (await store.append(input))._unsafeUnwrap();
      expect(first.replayed).toBe(false);
      expect(first.events.every((e) => e.idempotencyKey === 'step-1-output')).toBe(true);
      h.clock().advance(1000);
      const second = (await store.append(input))._unsafeUnwrap();
      expect(second).toEqual({ events: first.events, replayed: true, lastSeq: 4 });
      expect((await store.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(4);
    });

    it('replays even when expectedSeq has become stale', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const input = { sessionId: 'sess_a', expectedSeq: 2, idempotencyKey: 'k', events: [steer('a')] };
      await store.append(input);
      await store.append({ sessionId: 'sess_a', expectedSeq: 3, events: [steer('later')] });
      const replay = (await store.append(input))._unsafeUnwrap();
      expect(replay.replayed).toBe(true);
      expect(replay.lastSeq).toBe(3);
      expect(replay.events.map((e) => e.seq)).toEqual([3]);
    });

    it('replays the creating batch of a session', async () => {
      const { store } = h.ctx();
      const input = { sessionId: 'sess_a', expectedSeq: 0, idempotencyKey: 'create', events: [created()] };
      const first = (await store.append(input))._unsafeUnwrap();
      const again = (await store.append(input))._unsafeUnwrap();
      expect(again.replayed).toBe(true);
      expect(again.events).toEqual(first.events);
    });

    it('rejects the same key with different content with IDEMPOTENCY_KEY_CONFLICT', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      await store.append({ sessionId: 'sess_a', expectedSeq: 2, idempotencyKey: 'k', events: [steer('a')] });
      const r = await store.append({
        sessionId: 'sess_a',
        expectedSeq: 3,
        idempotencyKey: 'k',
        events: [steer('b')],
      });
      expect(r._unsafeUnwrapErr().code).toBe('IDEMPOTENCY_KEY_CONFLICT');
      expect((await store.readEvents('sess_a'))._unsafeUnwrap()).toHaveLength(3);
    });

    it('scopes keys to their session', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      await createSession(store, 'sess_b');
      await store.append({ sessionId: 'sess_a', expectedSeq: 2, idempotencyKey: 'k', events: [steer('a')] });
      const other = (
        await store.append({ sessionId: 'sess_b', expectedSeq: 2, idempotencyKey: 'k', events: [steer('b')] })
      )._unsafeUnwrap();
      expect(other.replayed).toBe(false);
      expect(other.events[0]!.sessionId).toBe('sess_b');
    });
  });
}

function describeVerify(h: ConformanceHarness): void {
  describe('verify', () => {
    it('passes on an untouched log and reports the head hash', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const r = (
        await store.append({ sessionId: 'sess_a', expectedSeq: 2, events: [steer('a')] })
      )._unsafeUnwrap();
      const v = (await store.verify('sess_a'))._unsafeUnwrap();
      expect(v).toEqual({ ok: true, sessionId: 'sess_a', events: 3, headHash: r.events[0]!.hash });
    });

    it('fails at the seq whose data was edited behind the store', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      await store.append({
        sessionId: 'sess_a',
        expectedSeq: 2,
        events: [steer('a'), steer('b'), steer('c')],
      });
      const tampered = await h.ctx().tamperEventData('sess_a', 4, { message: 'B!', actor: 'tester' });
      const v = (await tampered.verify('sess_a'))._unsafeUnwrap();
      expect(v).toEqual({
        ok: false,
        sessionId: 'sess_a',
        events: 5,
        brokenAtSeq: 4,
        reason: 'hash_mismatch',
      });
    });
  });
}

function describeSummaries(h: ConformanceHarness): void {
  describe('summaries', () => {
    it('keeps the summary row equal to the projection of the log through a run', async () => {
      const { store } = h.ctx();
      await createSession(store, 'sess_a');
      const statuses: string[] = [];
      let seq = 2;
      for (const batch of [
        [blocked('n1', 'step-1')],
        [advance('n1', 'n2'), node('n2', 'step-2', 'step', 'n1')],
        [notes('n2', 'step-2', 'done')],
        [node('n3', null, 'complete', 'n2')],
        [completed('failure')],
      ]) {
        h.clock().advance(10);
        seq = (await store.append({ sessionId: 'sess_a', expectedSeq: seq, events: batch }))._unsafeUnwrap()
          .lastSeq;
        const summary = (await store.getSummary('sess_a'))._unsafeUnwrap();
        const events = (await store.readEvents('sess_a'))._unsafeUnwrap();
        expect(summary).toEqual(projectSession(events).summary);
        statuses.push(summary.status);
      }
      expect(statuses).toEqual(['blocked', 'running', 'running', 'completed', 'failed']);
      const final = (await store.getSummary('sess_a'))._unsafeUnwrap();
      expect(final).toMatchObject({ headNodeId: 'n3', currentStepId: null, lastSeq: 8, title: 'Login fix' });
      expect(final.updatedAt - final.createdAt).toBe(50);
    });
  });
}
