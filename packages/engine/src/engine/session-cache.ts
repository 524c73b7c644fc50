/**
 * The engine's session cache: indexed logs (`SessionLog`) of recently used sessions, least recently used
 * evicted first, bounded by a session count and a total event count (`SessionCacheLimits`).
 *
 * Every read still asks the store, but only from the cached log's last event on
 * (`readEvents(sessionId, { afterSeq: lastSeq - 1 })`), so an advance reads O(events appended since this
 * engine last looked) plus that one event — just the one when this engine wrote the last batch itself —
 * instead of the whole log. Events appended by another process (the CLI, a second MCP server, the daemon)
 * are picked up by that same read. The re-read last event must carry the hash the cache holds (the hash
 * chain makes it stand for the whole history before it), and the new events must chain onto it; otherwise
 * (a store restored from a backup, a log rewritten) the cached log is dropped and the session read in full.
 * The store stays the only source of truth: the cache holds nothing the store has not committed.
 */
import { err, makeError, ok, type Result, type SessionEvent } from '@worktrain/contracts';
import type { EngineError, SessionCacheLimits } from '../api.js';
import { type EngineDeps, storeError } from './core.js';
import { SessionLog } from './session-log.js';
import { type SessionView, viewOf } from './session-view.js';

/**
 * Defaults of the session cache. 64 sessions, 100 000 events in all (a session of 1 000 steps holds about
 * 3 000–5 000 events; memory is about 1 KiB per cached event). A session longer than `maxEvents` is never
 * cached: each call reads it in full.
 */
export const DEFAULT_SESSION_CACHE: SessionCacheLimits = Object.freeze({
  maxSessions: 64,
  maxEvents: 100_000,
});

/** Defaults overridden by the given fields (negative or non-finite values are ignored; 0 turns it off). */
export function resolveSessionCacheLimits(
  overrides: Partial<SessionCacheLimits> | undefined,
): SessionCacheLimits {
  const pick = (value: number | undefined, fallback: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
  return {
    maxSessions: pick(overrides?.maxSessions, DEFAULT_SESSION_CACHE.maxSessions),
    maxEvents: pick(overrides?.maxEvents, DEFAULT_SESSION_CACHE.maxEvents),
  };
}

export class SessionCache {
  /** Logs by session id, least recently used first; each with the event count it was last counted at. */
  private readonly entries = new Map<string, { log: SessionLog; counted: number }>();
  private totalEvents = 0;

  constructor(readonly limits: SessionCacheLimits) {}

  get size(): number {
    return this.entries.size;
  }

  get events(): number {
    return this.totalEvents;
  }

  /** The cached log of a session (marked as most recently used), if any. */
  get(sessionId: string): SessionLog | undefined {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) return undefined;
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    return entry.log;
  }

  delete(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) return;
    this.entries.delete(sessionId);
    this.totalEvents -= entry.counted;
  }

  /**
   * Keeps `log` as its session's most recently used entry (or re-counts it after it grew), then evicts
   * least recently used sessions until both bounds hold. An irregular log, or one over `maxEvents` alone,
   * is not kept. A log that is no longer the session's cached one (replaced after a full read) is left out.
   */
  remember(log: SessionLog): void {
    const current = this.entries.get(log.sessionId);
    if (current !== undefined && current.log !== log) return;
    this.delete(log.sessionId);
    const count = log.events.length;
    if (this.limits.maxSessions === 0 || log.irregular || count > this.limits.maxEvents) return;
    this.entries.set(log.sessionId, { log, counted: count });
    this.totalEvents += count;
    for (const [sessionId] of this.entries) {
      if (this.entries.size <= this.limits.maxSessions && this.totalEvents <= this.limits.maxEvents) break;
      this.delete(sessionId);
    }
  }
}

async function readFull(deps: EngineDeps, sessionId: string): Promise<Result<SessionView, EngineError>> {
  const events = await deps.store.readEvents(sessionId);
  if (events.isErr()) return err(storeError(events.error));
  if (events.value.length === 0)
    return err(makeError('SESSION_NOT_FOUND', `Session ${sessionId} has no events.`));
  const log = SessionLog.build(sessionId, events.value);
  deps.sessions.delete(sessionId);
  deps.sessions.remember(log);
  return ok(viewOf(log));
}

/**
 * The session as the store has it now: the cached log brought up to date with the events after its last
 * seq, or a full read when nothing is cached (or the new events do not chain onto the cached log).
 */
export async function readView(
  deps: EngineDeps,
  sessionId: string,
): Promise<Result<SessionView, EngineError>> {
  const cached = deps.sessions.get(sessionId);
  if (cached === undefined) return readFull(deps, sessionId);
  // Read from the cached last event on: its hash, matching, proves the store still holds the history the
  // cache was built from (the hash chain covers every earlier event).
  const lastHash = cached.events[cached.events.length - 1]?.hash;
  const fresh = await deps.store.readEvents(sessionId, { afterSeq: cached.lastSeq - 1 });
  if (fresh.isErr()) {
    deps.sessions.delete(sessionId);
    return err(storeError(fresh.error));
  }
  const overlap = fresh.value[0];
  if (overlap?.seq !== cached.lastSeq || overlap.hash !== lastHash || !cached.ingest(fresh.value)) {
    deps.logger.warn(
      { sessionId, cachedSeq: cached.lastSeq },
      'session log does not continue the cached one; reading it in full',
    );
    return readFull(deps, sessionId);
  }
  deps.sessions.remember(cached);
  return ok(viewOf(cached));
}

/** The view of a session this engine just created with `events` (its whole log), now cached. */
export function viewOfNewSession(
  deps: EngineDeps,
  sessionId: string,
  events: readonly SessionEvent[],
): SessionView {
  const log = SessionLog.build(sessionId, events);
  deps.sessions.remember(log);
  return viewOf(log);
}

/**
 * The view right after this engine appended `appended` on top of `view` (expectedSeq = view.lastSeq): the
 * same log with the batch ingested, bounded at the batch's last event. Never reads the store.
 */
export function viewAfterAppend(
  deps: EngineDeps,
  view: SessionView,
  appended: readonly SessionEvent[],
): SessionView {
  const last = appended[appended.length - 1]?.seq ?? view.lastSeq;
  if (view.log.ingest(appended)) {
    deps.sessions.remember(view.log);
    return viewOf(view.log, last);
  }
  // Only an irregular log (never cached) gets here: rebuild it the way a full read would.
  return viewOf(
    SessionLog.build(view.sessionId, [...view.log.events.filter((e) => e.seq <= view.lastSeq), ...appended]),
  );
}
