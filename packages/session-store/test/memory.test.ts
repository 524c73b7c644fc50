import type { SessionEvent } from '@worktrain/contracts';
import { silentLogger } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { createMemorySessionStore, DEFAULT_MAX_EVENT_BYTES } from '../src/index.js';
import { describeSessionStoreConformance } from './conformance.js';
import { created, steer } from './events.js';

describeSessionStoreConformance('memory', async ({ clock, ids, maxEventBytes }) => {
  const store = createMemorySessionStore({ clock, ids, maxEventBytes });
  return {
    store,
    openPeer: () => store,
    tamperEventData: async (sessionId, seq, data) => {
      const events = (await store.readEvents(sessionId))._unsafeUnwrap();
      const altered = events.map((e) => (e.seq === seq ? ({ ...e, data } as SessionEvent) : e));
      return createMemorySessionStore({ clock, ids, initialEvents: altered });
    },
    cleanup: async () => {
      store.close();
    },
  };
});

describe('memory store specifics', () => {
  it('starts from an exported log, verifies it, and continues its chain', async () => {
    const source = createMemorySessionStore();
    await source.append({
      sessionId: 'sess_a',
      expectedSeq: 0,
      idempotencyKey: 'c',
      events: [created(), steer('a')],
    });
    const exported = (await source.readEvents('sess_a'))._unsafeUnwrap();
    const copy = createMemorySessionStore({ initialEvents: exported });
    expect((await copy.verify('sess_a'))._unsafeUnwrap().ok).toBe(true);
    expect((await copy.getSummary('sess_a'))._unsafeUnwrap()).toEqual(
      (await source.getSummary('sess_a'))._unsafeUnwrap(),
    );
    const replay = await copy.append({
      sessionId: 'sess_a',
      expectedSeq: 0,
      idempotencyKey: 'c',
      events: [created(), steer('a')],
    });
    expect(replay._unsafeUnwrap().replayed).toBe(true);
    await copy.append({ sessionId: 'sess_a', expectedSeq: 2, events: [steer('b')] });
    expect((await copy.verify('sess_a'))._unsafeUnwrap()).toMatchObject({ ok: true, events: 3 });
  });

  it('rejects an event over the default 1 MiB limit', async () => {
    const store = createMemorySessionStore();
    await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] });
    const big = await store.append({
      sessionId: 'sess_a',
      expectedSeq: 1,
      events: [steer('x'.repeat(DEFAULT_MAX_EVENT_BYTES))],
    });
    expect(big._unsafeUnwrapErr()).toMatchObject({ code: 'EVENT_TOO_LARGE', details: { limit: 1_048_576 } });
    const fits = await store.append({
      sessionId: 'sess_a',
      expectedSeq: 1,
      events: [steer('x'.repeat(DEFAULT_MAX_EVENT_BYTES - 100))],
    });
    expect(fits.isOk()).toBe(true);
  });

  it('logs a throwing subscriber with the session id and keeps delivering', async () => {
    const logged: Record<string, unknown>[] = [];
    const logger = { ...silentLogger, error: (fields: Record<string, unknown>) => void logged.push(fields) };
    const store = createMemorySessionStore({ logger });
    const seen: number[] = [];
    store.subscribe('*', () => {
      throw new Error('subscriber bug');
    });
    store.subscribe('*', (e) => seen.push(e.seq));
    await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created(), steer('a')] });
    expect(seen).toEqual([1, 2]);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ sessionId: 'sess_a', seq: 1, err: 'subscriber bug' });
  });

  it('does not let a caller mutate stored events', async () => {
    const store = createMemorySessionStore();
    const r = (
      await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] })
    )._unsafeUnwrap();
    expect(() => {
      (r.events[0]!.data as { workflowId: string }).workflowId = 'evil';
    }).toThrow(TypeError);
    expect((await store.verify('sess_a'))._unsafeUnwrap().ok).toBe(true);
  });
});
