import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { followSessionEvents } from './follow.js';
import { createMemorySessionStore } from './memory/memory-store.js';

const created: NewSessionEvent = {
  kind: 'session_created',
  data: {
    workflowId: 'wf',
    workflowVersion: '1',
    workflowHash: 'sha256:w',
    title: 'T',
    workspacePath: null,
    parentSessionId: null,
    source: 'daemon',
    context: {},
  },
};
const note = (reason: string): NewSessionEvent => ({
  kind: 'decision_trace',
  data: { nodeId: null, decision: 'note', reason, data: {} },
});
const completed: NewSessionEvent = {
  kind: 'session_completed',
  data: { outcome: 'success', summary: 'done' },
};

async function storeWith(events: readonly NewSessionEvent[]) {
  const store = createMemorySessionStore();
  (await store.append({ sessionId: 'sess_x', expectedSeq: 0, events: [...events] }))._unsafeUnwrap();
  return store;
}

describe('followSessionEvents', () => {
  it('emits what is there, then what another writer appends while it waits, until the session ends', async () => {
    const store = await storeWith([created, note('a')]);
    const pages: number[][] = [];
    const waits: number[] = [];
    const writes = [[note('b')], [completed]];
    const r = await followSessionEvents(
      store,
      {
        sessionId: 'sess_x',
        pollMs: 25,
        sleep: async (ms) => {
          waits.push(ms);
          const next = writes.shift();
          const head = (await store.getSummary('sess_x'))._unsafeUnwrap().lastSeq;
          if (next) await store.append({ sessionId: 'sess_x', expectedSeq: head, events: next });
        },
      },
      (events: readonly SessionEvent[]) => pages.push(events.map((e) => e.seq)),
    );
    expect(r._unsafeUnwrap()).toEqual({ emitted: 4 });
    expect(pages).toEqual([[1, 2], [3], [4]]);
    expect(waits).toEqual([25, 25]);
  });

  it('starts after afterSeq and stops at the limit without waiting', async () => {
    const store = await storeWith([created, note('a'), note('b'), note('c')]);
    const seen: number[] = [];
    const r = await followSessionEvents(
      store,
      { sessionId: 'sess_x', afterSeq: 1, limit: 2, sleep: () => Promise.reject(new Error('no wait')) },
      (events) => seen.push(...events.map((e) => e.seq)),
    );
    expect(r._unsafeUnwrap()).toEqual({ emitted: 2 });
    expect(seen).toEqual([2, 3]);
  });

  it('stops once the signal is aborted, and returns at once for an ended session', async () => {
    const running = await storeWith([created]);
    const controller = new AbortController();
    const r = await followSessionEvents(
      running,
      { sessionId: 'sess_x', signal: controller.signal, sleep: async () => controller.abort() },
      () => {},
    );
    expect(r._unsafeUnwrap()).toEqual({ emitted: 1 });
    const ended = await storeWith([created, completed]);
    const once = await followSessionEvents(
      ended,
      { sessionId: 'sess_x', afterSeq: 2, sleep: async () => {} },
      () => {},
    );
    expect(once._unsafeUnwrap()).toEqual({ emitted: 0 });
  });

  it("fails with the store's SESSION_NOT_FOUND for an unknown session", async () => {
    const store = createMemorySessionStore();
    const r = await followSessionEvents(store, { sessionId: 'sess_nope', sleep: async () => {} }, () => {});
    expect(r._unsafeUnwrapErr().code).toBe('SESSION_NOT_FOUND');
  });
});
