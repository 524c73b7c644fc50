import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../src/index.js';
import type { ConformanceHarness } from './conformance.js';
import { created, node, steer } from './events.js';

async function createSession(store: SessionStore, sessionId: string): Promise<void> {
  (
    await store.append({ sessionId, expectedSeq: 0, events: [created(), node('n1', 'step-1')] })
  )._unsafeUnwrap();
}

export function describeSubscriptions(h: ConformanceHarness): void {
  describe('subscribe', () => {
    it('delivers committed events in seq order, per session and to "*", until unsubscribed', async () => {
      const { store } = h.ctx();
      const one: string[] = [];
      const all: string[] = [];
      const stopOne = store.subscribe('sess_a', (e) => one.push(`${e.sessionId}:${e.seq}`));
      store.subscribe('*', (e) => all.push(`${e.sessionId}:${e.seq}`));
      await createSession(store, 'sess_a');
      await createSession(store, 'sess_b');
      await store.append({ sessionId: 'sess_a', expectedSeq: 2, events: [steer('x')] });
      stopOne();
      await store.append({ sessionId: 'sess_a', expectedSeq: 3, events: [steer('y')] });
      expect(one).toEqual(['sess_a:1', 'sess_a:2', 'sess_a:3']);
      expect(all).toEqual(['sess_a:1', 'sess_a:2', 'sess_b:1', 'sess_b:2', 'sess_a:3', 'sess_a:4']);
    });

    it('does not redeliver replays or failed appends, and survives a throwing listener', async () => {
      const { store } = h.ctx();
      const seen: number[] = [];
      store.subscribe('sess_a', () => {
        throw new Error('listener bug');
      });
      store.subscribe('sess_a', (e) => seen.push(e.seq));
      const input = { sessionId: 'sess_a', expectedSeq: 0, idempotencyKey: 'c', events: [created()] };
      expect((await store.append(input)).isOk()).toBe(true);
      expect((await store.append(input))._unsafeUnwrap().replayed).toBe(true);
      expect((await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created()] })).isErr()).toBe(
        true,
      );
      expect(seen).toEqual([1]);
    });

    it('keeps order when a listener appends while being notified', async () => {
      const { store } = h.ctx();
      const seen: string[] = [];
      store.subscribe('*', (e) => {
        seen.push(`${e.sessionId}:${e.seq}`);
        if (e.sessionId === 'sess_a' && e.seq === 1) {
          void store.append({ sessionId: 'sess_b', expectedSeq: 0, events: [created()] });
        }
      });
      await store.append({ sessionId: 'sess_a', expectedSeq: 0, events: [created(), steer('x')] });
      expect(seen).toEqual(['sess_a:1', 'sess_a:2', 'sess_b:1']);
    });
  });
}

export function describeSnapshots(h: ConformanceHarness): void {
  describe('workflow snapshots', () => {
    it('stores a snapshot by hash, idempotently, and reads it back', async () => {
      const { store } = h.ctx();
      const snapshot = { id: 'coding-task', steps: [{ id: 'step-1', prompt: 'Do it' }], n: 1.5 };
      expect((await store.putWorkflowSnapshot('sha256:abc', snapshot)).isOk()).toBe(true);
      expect((await store.putWorkflowSnapshot('sha256:abc', snapshot)).isOk()).toBe(true);
      expect((await store.getWorkflowSnapshot('sha256:abc'))._unsafeUnwrap()).toEqual(snapshot);
    });

    it('reports SNAPSHOT_NOT_FOUND for an unknown hash', async () => {
      const r = await h.ctx().store.getWorkflowSnapshot('sha256:none');
      expect(r._unsafeUnwrapErr().code).toBe('SNAPSHOT_NOT_FOUND');
    });
  });
}
