import type {
  Clock,
  IdGenerator,
  JsonValue,
  Logger,
  Result,
  ResultAsync,
  SessionEvent,
} from '@worktrain/contracts';
import { err, ok, randomIds, silentLogger, systemClock } from '@worktrain/contracts';
import { buildEvents, DEFAULT_MAX_EVENT_BYTES, prepareAppend } from '../append-core.js';
import { storeError } from '../errors.js';
import { batchDigest } from '../event-hash.js';
import { compareForListing, containsFolded, matchesSummaryFilters, normaliseListQuery } from '../listing.js';
import type {
  AppendInput,
  AppendResult,
  ListSessionsQuery,
  ReadEventsOptions,
  SessionStore,
  SessionStoreError,
  SessionSummary,
  Unsubscribe,
  VerifyResult,
} from '../port.js';
import { snapshotJson } from '../snapshots.js';
import { SubscriberRegistry } from '../subscribers.js';
import { reduceSessionSummary } from '../summary.js';
import { deepFreeze, toAsync } from '../util.js';
import { verifyChain } from '../verify.js';

/** Options of {@link createMemorySessionStore}; every field is optional. */
export interface MemorySessionStoreOptions {
  /** Source of event times (`at`, ms since epoch). Default: the system clock. */
  readonly clock?: Clock;
  /** Source of event ids (`evt_…`). Default: random ids. */
  readonly ids?: IdGenerator;
  /** Structured logger (subscriber failures). Default: silent. */
  readonly logger?: Logger;
  /** Largest accepted event, UTF-8 bytes of kind + data JSON. Default 1 MiB (1 048 576). */
  readonly maxEventBytes?: number;
  /**
   * Stored events to start from (e.g. a log exported with `readEvents` from another store), kept exactly
   * as given — not re-validated, not re-hashed — so `verify` reports any damage in them. Each session's
   * events must start with `session_created` (ordered by seq).
   */
  readonly initialEvents?: readonly SessionEvent[];
}

/** The in-memory store: the {@link SessionStore} port plus a synchronous append. */
export interface MemorySessionStore extends SessionStore {
  /** Synchronous twin of `append`, same rules and errors; subscribers are notified before it returns. */
  appendSync(input: AppendInput): Result<AppendResult, SessionStoreError>;
}

interface BatchRecord {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly digest: string | null;
}

interface SessionState {
  events: SessionEvent[];
  summary: SessionSummary;
  readonly batches: Map<string, BatchRecord>;
}

/**
 * Creates an in-memory {@link SessionStore} with the same behaviour as the SQLite store (it passes the same
 * conformance suite): validation, size cap, optimistic concurrency, idempotent replay, hash chain,
 * summaries, listing, subscriptions and snapshots. Nothing survives the process; meant for tests and
 * embedding. Errors are those of the port; after `close()` every operation fails with STORE_IO.
 *
 * @throws {Error} when `initialEvents` holds a session whose first event is not `session_created`.
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): MemorySessionStore {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const logger = options.logger ?? silentLogger;
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const sessions = new Map<string, SessionState>();
  const snapshots = new Map<string, string>();
  const subscribers = new SubscriberRegistry(logger);
  let closed = false;

  seed(sessions, options.initialEvents ?? []);

  const closedError = (): SessionStoreError => storeError('STORE_IO', 'The session store is closed');

  function sessionOrError(sessionId: string): Result<SessionState, SessionStoreError> {
    if (closed) return err(closedError());
    const state = sessions.get(sessionId);
    return state === undefined
      ? err(storeError('SESSION_NOT_FOUND', `No session ${sessionId}`, { sessionId }))
      : ok(state);
  }

  function appendSync(input: AppendInput): Result<AppendResult, SessionStoreError> {
    if (closed) return err(closedError());
    const prepared = prepareAppend(input, maxEventBytes);
    if (prepared.isErr()) return err(prepared.error);
    const batch = prepared.value;
    const state = sessions.get(batch.sessionId);
    if (batch.idempotencyKey !== null && state !== undefined) {
      const previous = state.batches.get(batch.idempotencyKey);
      if (previous !== undefined) {
        if (previous.digest !== batch.digest) {
          return err(
            storeError(
              'IDEMPOTENCY_KEY_CONFLICT',
              `Idempotency key ${batch.idempotencyKey} was already used in session ${batch.sessionId} for different events`,
              {
                sessionId: batch.sessionId,
                idempotencyKey: batch.idempotencyKey,
                firstSeq: previous.firstSeq,
              },
            ),
          );
        }
        const events = state.events.slice(previous.firstSeq - 1, previous.lastSeq);
        return ok({ events, replayed: true, lastSeq: previous.lastSeq });
      }
    }
    const head = state === undefined ? null : { lastSeq: state.summary.lastSeq, lastHash: lastHash(state) };
    const built = buildEvents(batch, head, clock.now(), ids);
    if (built.isErr()) return err(built.error);
    const events = built.value.map(deepFreeze);
    let summary = state?.summary ?? null;
    for (const event of events) summary = reduceSessionSummary(summary, event);
    const next: SessionState = state ?? { events: [], summary: summary!, batches: new Map() };
    next.events.push(...events);
    next.summary = summary!;
    if (batch.idempotencyKey !== null) {
      next.batches.set(batch.idempotencyKey, {
        firstSeq: events[0]!.seq,
        lastSeq: events[events.length - 1]!.seq,
        digest: batch.digest,
      });
    }
    sessions.set(batch.sessionId, next);
    subscribers.publish(events);
    return ok({ events, replayed: false, lastSeq: next.summary.lastSeq });
  }

  function readEvents(
    sessionId: string,
    opts: ReadEventsOptions = {},
  ): Result<readonly SessionEvent[], SessionStoreError> {
    return sessionOrError(sessionId).map((state) => {
      const from = Math.max(0, Math.floor(opts.afterSeq ?? 0));
      const to = opts.limit === undefined ? undefined : from + Math.max(0, Math.floor(opts.limit));
      return state.events.slice(from, to);
    });
  }

  function listSessions(query?: ListSessionsQuery): Result<readonly SessionSummary[], SessionStoreError> {
    if (closed) return err(closedError());
    const q = normaliseListQuery(query);
    const matches: SessionSummary[] = [];
    for (const state of sessions.values()) {
      if (!matchesSummaryFilters(state.summary, q)) continue;
      if (q.needle !== undefined && !matchesText(state, q.needle)) continue;
      matches.push(state.summary);
    }
    matches.sort(compareForListing);
    return ok(matches.slice(q.offset, q.offset + q.limit));
  }

  function putWorkflowSnapshot(hash: string, snapshot: JsonValue): Result<void, SessionStoreError> {
    if (closed) return err(closedError());
    const json = snapshotJson(hash, snapshot);
    if (json.isErr()) return err(json.error);
    if (!snapshots.has(hash)) snapshots.set(hash, json.value);
    return ok(undefined);
  }

  function getWorkflowSnapshot(hash: string): Result<JsonValue, SessionStoreError> {
    if (closed) return err(closedError());
    const json = snapshots.get(hash);
    return json === undefined
      ? err(storeError('SNAPSHOT_NOT_FOUND', `No workflow snapshot ${hash}`, { hash }))
      : ok(JSON.parse(json) as JsonValue);
  }

  return {
    appendSync,
    append: (input) => toAsync(appendSync(input)),
    readEvents: (sessionId, opts) => toAsync(readEvents(sessionId, opts)),
    getSummary: (sessionId) => toAsync(sessionOrError(sessionId).map((s) => s.summary)),
    listSessions: (query) => toAsync(listSessions(query)),
    verify: (sessionId): ResultAsync<VerifyResult, SessionStoreError> =>
      toAsync(sessionOrError(sessionId).map((s) => verifyChain(sessionId, s.events))),
    subscribe: (sessionId, listener): Unsubscribe =>
      closed ? () => {} : subscribers.subscribe(sessionId, listener),
    putWorkflowSnapshot: (hash, snapshot) => toAsync(putWorkflowSnapshot(hash, snapshot)),
    getWorkflowSnapshot: (hash) => toAsync(getWorkflowSnapshot(hash)),
    close: () => {
      closed = true;
      subscribers.clear();
      return ok(undefined);
    },
  };
}

function lastHash(state: SessionState): string {
  return state.events[state.events.length - 1]!.hash;
}

function matchesText(state: SessionState, needle: string): boolean {
  const s = state.summary;
  if (
    containsFolded(s.title, needle) ||
    containsFolded(s.goal, needle) ||
    containsFolded(s.workflowId, needle)
  ) {
    return true;
  }
  return state.events.some(
    (e) => e.kind === 'output_appended' && containsFolded(e.data.notesMarkdown, needle),
  );
}

function seed(sessions: Map<string, SessionState>, initial: readonly SessionEvent[]): void {
  const grouped = new Map<string, SessionEvent[]>();
  for (const event of initial) {
    const list = grouped.get(event.sessionId) ?? [];
    list.push(deepFreeze(structuredClone(event)));
    grouped.set(event.sessionId, list);
  }
  for (const [sessionId, events] of grouped) {
    events.sort((a, b) => a.seq - b.seq);
    let summary: SessionSummary | null = null;
    for (const event of events) summary = reduceSessionSummary(summary, event);
    const batches = new Map<string, BatchRecord>();
    let i = 0;
    while (i < events.length) {
      const key = events[i]!.idempotencyKey;
      let j = i;
      while (j + 1 < events.length && key !== null && events[j + 1]!.idempotencyKey === key) j++;
      if (key !== null && !batches.has(key)) {
        batches.set(key, {
          firstSeq: events[i]!.seq,
          lastSeq: events[j]!.seq,
          digest: batchDigest(events.slice(i, j + 1)),
        });
      }
      i = j + 1;
    }
    sessions.set(sessionId, { events, summary: summary!, batches });
  }
}
