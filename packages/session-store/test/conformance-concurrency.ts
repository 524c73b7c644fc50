import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../src/index.js';
import type { ConformanceHarness } from './conformance.js';
import { created, steer } from './events.js';

export function describeConcurrencyConformance(h: ConformanceHarness): void {
  describe('concurrency', () => {
    it('lets exactly one of two racing appenders with the same expectedSeq win, on two store instances', async () => {
      const { store } = h.ctx();
      const peer = h.ctx().openPeer();
      await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] });
      for (let round = 0; round < 20; round++) {
        const expectedSeq = round + 1;
        const results = await Promise.all([
          store.append({ sessionId: 'sess_a', expectedSeq, events: [steer(`left ${round}`)] }),
          peer.append({ sessionId: 'sess_a', expectedSeq, events: [steer(`right ${round}`)] }),
        ]);
        expect(results.filter((r) => r.isOk())).toHaveLength(1);
        expect(results.find((r) => r.isErr())?._unsafeUnwrapErr().code).toBe('SEQ_CONFLICT');
      }
      const events = (await peer.readEvents('sess_a'))._unsafeUnwrap();
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect((await store.verify('sess_a'))._unsafeUnwrap().ok).toBe(true);
    });

    it('creates a session once when two appenders race to create it', async () => {
      const { store } = h.ctx();
      const peer = h.ctx().openPeer();
      const results = await Promise.all([
        store.append({ sessionId: 'sess_new', expectedSeq: 0, events: [created({ title: 'left' })] }),
        peer.append({ sessionId: 'sess_new', expectedSeq: 0, events: [created({ title: 'right' })] }),
      ]);
      expect(results.filter((r) => r.isOk())).toHaveLength(1);
      expect(results.find((r) => r.isErr())?._unsafeUnwrapErr().code).toBe('SESSION_EXISTS');
    });

    it('keeps every session gap-free and verifiable under any sequence of appends, replays and conflicts (property)', async () => {
      const command = fc.record({
        session: fc.integer({ min: 0, max: 2 }),
        /** 0 = the right seq; otherwise an offset making it stale or ahead. */
        seqError: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -3, max: 3 })),
        size: fc.integer({ min: 1, max: 3 }),
        key: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        usePeer: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
          const ctx = await h.make();
          const stores: SessionStore[] = [ctx.store, ctx.openPeer()];
          /** Model: per session, the last seq and the content already stored under each key. */
          const model = new Map<string, { lastSeq: number; keys: Map<string, string> }>();
          for (const [i, c] of commands.entries()) {
            const sessionId = `sess_p${c.session}`;
            const state = model.get(sessionId);
            const lastSeq = state?.lastSeq ?? 0;
            const expectedSeq = Math.max(0, lastSeq + c.seqError);
            const events =
              state === undefined && c.seqError === 0
                ? [created(), ...Array.from({ length: c.size - 1 }, () => steer(`c${i}`))]
                : Array.from({ length: c.size }, (_, j) => steer(`c${i}.${j}`));
            const key = c.key === undefined ? undefined : `k${c.key}`;
            const content = JSON.stringify(events);
            const r = await stores[c.usePeer ? 1 : 0]!.append({
              sessionId,
              expectedSeq,
              events,
              idempotencyKey: key,
            });
            const previous = key === undefined ? undefined : state?.keys.get(key);
            if (previous !== undefined) {
              if (previous === content) expect(r._unsafeUnwrap().replayed).toBe(true);
              else expect(r._unsafeUnwrapErr().code).toBe('IDEMPOTENCY_KEY_CONFLICT');
              continue;
            }
            const valid =
              expectedSeq === lastSeq && (state !== undefined || events[0]!.kind === 'session_created');
            expect(r.isOk()).toBe(valid);
            if (r.isOk()) {
              const next = state ?? { lastSeq: 0, keys: new Map<string, string>() };
              next.lastSeq += events.length;
              if (key !== undefined) next.keys.set(key, content);
              model.set(sessionId, next);
              expect(r.value.lastSeq).toBe(next.lastSeq);
            }
          }
          for (const [sessionId, state] of model) {
            const read = (await ctx.store.readEvents(sessionId))._unsafeUnwrap();
            expect(read.map((e) => e.seq)).toEqual(Array.from({ length: state.lastSeq }, (_, i) => i + 1));
            expect((await stores[1]!.verify(sessionId))._unsafeUnwrap().ok).toBe(true);
            expect((await ctx.store.getSummary(sessionId))._unsafeUnwrap().lastSeq).toBe(state.lastSeq);
          }
          await ctx.cleanup();
        }),
        { numRuns: 40 },
      );
    });
  });
}
