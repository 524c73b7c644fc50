import type { SessionEvent } from '@worktrain/contracts';
import { createMemorySessionStore } from '../src/index.js';
import { describeSessionStoreConformance } from './conformance.js';

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
