/**
 * Following a session's event log from another process: emit the events after a sequence number, then
 * poll the store for new ones until the session has ended and every event is out, a limit is reached or the
 * caller aborts. Polling (not `subscribe`) because the writer is usually another process (the daemon, an
 * MCP server) on the same database file.
 */
import { err, ok, type Result, type SessionEvent } from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from './port.js';
import { isTerminalStatus } from './summary.js';

export interface FollowSessionOptions {
  readonly sessionId: string;
  /** Only events with seq > afterSeq (default 0: from the start). */
  readonly afterSeq?: number;
  /** Stop after emitting this many events (default: no limit). */
  readonly limit?: number;
  /** Wait between two polls once caught up, ms (default 500). */
  readonly pollMs?: number;
  /** How to wait `ms` (injected so tests control time). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Stops following once aborted (checked after each poll). */
  readonly signal?: AbortSignal;
}

/**
 * Emits the session's events in order, each page as read, until (a) the session is completed, failed or
 * aborted and its last event was emitted, (b) `limit` events were emitted, or (c) `signal` is aborted.
 * Returns the number of events emitted. Errors: the store's (SESSION_NOT_FOUND for an unknown session,
 * STORE_IO…), from the first poll that fails.
 */
export async function followSessionEvents(
  store: Pick<SessionStore, 'getSummary' | 'readEvents'>,
  opts: FollowSessionOptions,
  emit: (events: readonly SessionEvent[]) => void,
): Promise<Result<{ readonly emitted: number }, SessionStoreError>> {
  let afterSeq = opts.afterSeq ?? 0;
  let emitted = 0;
  while (true) {
    const summary = await store.getSummary(opts.sessionId);
    if (summary.isErr()) return err(summary.error);
    const events = await store.readEvents(opts.sessionId, { afterSeq });
    if (events.isErr()) return err(events.error);
    if (events.value.length > 0) {
      const page = opts.limit !== undefined ? events.value.slice(0, opts.limit - emitted) : events.value;
      emit(page);
      emitted += page.length;
      afterSeq = page[page.length - 1]?.seq ?? afterSeq;
    }
    const caughtUp = afterSeq >= summary.value.lastSeq;
    if (opts.limit !== undefined && emitted >= opts.limit) return ok({ emitted });
    if (caughtUp && isTerminalStatus(summary.value.status)) return ok({ emitted });
    if (opts.signal?.aborted) return ok({ emitted });
    if (caughtUp) await opts.sleep(opts.pollMs ?? 500);
  }
}
