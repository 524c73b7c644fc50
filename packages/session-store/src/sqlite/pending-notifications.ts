import type { SessionEvent } from '@worktrain/contracts';
import type Database from 'better-sqlite3';
import type { SubscriberRegistry } from '../subscribers.js';
import type { Statements } from './statements.js';

interface Entry {
  readonly events: readonly SessionEvent[];
  /** True when the events are known committed; false while a caller's outer transaction may roll back. */
  confirmed: boolean;
}

/**
 * Delivers appended events to subscribers strictly in append order, and only once committed. Events
 * appended inside a caller's transaction are held until that transaction has ended (better-sqlite3
 * transactions are synchronous, so this is checked on the next tick), then delivered if their rows are in
 * the database (committed) or dropped (rolled back).
 */
export class PendingNotifications {
  private readonly queue: Entry[] = [];
  private scheduled = false;
  /** Re-checks since the head entry was queued while a caller's transaction was open. */
  private attempts = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly stmts: Statements,
    private readonly subscribers: SubscriberRegistry,
  ) {}

  add(events: readonly SessionEvent[], confirmed: boolean): void {
    this.queue.push({ events, confirmed });
    this.flush();
  }

  clear(): void {
    this.queue.length = 0;
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!head.confirmed) {
        if (!this.db.open) {
          this.clear();
          return;
        }
        if (this.db.inTransaction) {
          this.schedule();
          return;
        }
        const last = head.events[head.events.length - 1]!;
        if (this.storedHash(last.sessionId, last.seq) !== last.hash) {
          this.attempts = 0;
          this.queue.shift();
          continue;
        }
        head.confirmed = true;
        this.attempts = 0;
      }
      this.queue.shift();
      this.subscribers.publish(head.events);
    }
  }

  private storedHash(sessionId: string, seq: number): string | undefined {
    try {
      const row = this.stmts.getHash.get(sessionId, seq) as { hash: string } | undefined;
      return row?.hash;
    } catch {
      // Cannot confirm the commit (connection failing): treat as not committed rather than guess.
      return undefined;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const retry = () => {
      this.scheduled = false;
      this.flush();
    };
    // Usually the caller's transaction ended within the same tick; one still open across ticks (manual
    // BEGIN) is re-checked every 10 ms without keeping the process alive.
    if (this.attempts++ === 0) setImmediate(retry);
    else setTimeout(retry, 10).unref();
  }
}
