import type { Logger, SessionEvent } from '@worktrain/contracts';
import type { Unsubscribe } from './port.js';

type Listener = (event: SessionEvent) => void;

/**
 * In-process fan-out of committed events to subscribers, per session id or '*' (all sessions). Delivery is
 * synchronous and in the order `publish` is called (also when a
 * listener appends from inside its callback); a listener that throws is logged and does not stop the
 * others or the append that published.
 */
export class SubscriberRegistry {
  private readonly bySession = new Map<string, Set<Listener>>();
  private readonly backlog: SessionEvent[] = [];
  private delivering = false;

  constructor(private readonly logger: Logger) {}

  subscribe(sessionId: string, listener: Listener): Unsubscribe {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry: Listener = (event) => listener(event);
    let set = this.bySession.get(sessionId);
    if (set === undefined) {
      set = new Set();
      this.bySession.set(sessionId, set);
    }
    set.add(entry);
    return () => {
      const current = this.bySession.get(sessionId);
      if (current === undefined) return;
      current.delete(entry);
      if (current.size === 0) this.bySession.delete(sessionId);
    };
  }

  publish(events: readonly SessionEvent[]): void {
    if (this.bySession.size === 0) return;
    // A listener may append (and so publish) while being called: queue, so delivery stays in append order.
    this.backlog.push(...events);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let event = this.backlog.shift(); event !== undefined; event = this.backlog.shift())
        this.deliver(event);
    } finally {
      this.delivering = false;
    }
  }

  private deliver(event: SessionEvent): void {
    // Snapshot the sets so a listener that unsubscribes (or subscribes) while being called is safe.
    const listeners = [...(this.bySession.get(event.sessionId) ?? []), ...(this.bySession.get('*') ?? [])];
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (thrown) {
        this.logger.error(
          {
            sessionId: event.sessionId,
            seq: event.seq,
            err: thrown instanceof Error ? thrown.message : String(thrown),
          },
          'session store subscriber threw; continuing',
        );
      }
    }
  }

  clear(): void {
    this.bySession.clear();
    this.backlog.length = 0;
  }
}
