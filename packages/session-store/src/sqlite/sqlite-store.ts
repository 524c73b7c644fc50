// Over 400 lines on purpose (scripts/size-allowlist.json): the SQLite backend of the SessionStore port,
// method for method beside the in-memory one (append with hash chain, reads, listings, projections).
import type { Clock, IdGenerator, JsonValue, Logger, Result, SessionEvent } from '@worktrain/contracts';
import { err, ok, randomIds, silentLogger, systemClock } from '@worktrain/contracts';
import { openDatabase } from '@worktrain/contracts/sqlite';
import Database from 'better-sqlite3';
import type { PreparedAppend } from '../append-core.js';
import { buildEvents, DEFAULT_MAX_EVENT_BYTES, prepareAppend } from '../append-core.js';
import { mapSqliteError, storeError } from '../errors.js';
import { normaliseListQuery } from '../listing.js';
import type {
  AppendInput,
  AppendResult,
  ListSessionsQuery,
  ReadEventsOptions,
  SessionStoreError,
  SessionSummary,
  VerifyResult,
} from '../port.js';
import { snapshotJson } from '../snapshots.js';
import { SubscriberRegistry } from '../subscribers.js';
import { reduceSessionSummary, summaryRowChanged } from '../summary.js';
import { toAsync } from '../util.js';
import { verifyChain } from '../verify.js';
import { buildListSql, CONTAINS_FUNCTION } from './list-query.js';
import { PendingNotifications } from './pending-notifications.js';
import type { EventRow, RawEventRow, SummaryRow } from './rows.js';
import { eventFromRow, eventsFromRawRows, eventToParams, summaryFromRow, summaryToParams } from './rows.js';
import { fromDatabaseError, MAX_SEQ, MAX_SESSION_NO, prepareDatabase } from './schema.js';
import type { SqliteSessionStore, SqliteSessionStoreOptions } from './sqlite-types.js';
import type { Statements } from './statements.js';
import { createStatements, summaryUpdateIndex } from './statements.js';

/**
 * Opens (creating and migrating if needed) the SQLite session store. The file may be shared with other
 * WorkTrain packages (the queue): tables are namespaced (`session_events`, `sessions`, `session_batches`,
 * `workflow_snapshots`, `session_store_migrations`) and `application_id` marks the file as WorkTrain's.
 *
 * Durability: WAL + synchronous=FULL; each append is one `BEGIN IMMEDIATE` transaction, so once `append`
 * resolves ok the events survive SIGKILL and power loss, and a failed append writes nothing.
 *
 * Errors: NOT_A_WORKTRAIN_DATABASE (another application's file, garbage, or a newer schema),
 * STORE_READ_ONLY (a new or outdated file opened read-only; `details.schemaVersion` 0 means the file has no
 * session tables yet, e.g. only the queue has used it), STORE_CORRUPT, STORE_IO (cannot open).
 */
export function createSqliteSessionStore(
  options: SqliteSessionStoreOptions,
): Result<SqliteSessionStore, SessionStoreError> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  let db: Database.Database;
  const owned = 'path' in options;
  let readOnly: boolean;
  if ('path' in options) {
    // Opened (pragmas, ownership; read-only: nothing written, no -wal left) by the one SQLite foundation;
    // the session tables are checked or migrated below, also for a connection the caller passes in.
    readOnly = options.readonly ?? false;
    const opened = openDatabase({ path: options.path, readOnly });
    if (opened.isErr()) return err(fromDatabaseError(opened.error));
    db = opened.value.db;
  } else {
    db = options.database;
    readOnly = db.readonly;
  }
  const prepared = prepareDatabase(db, clock, readOnly);
  if (prepared.isErr()) {
    if (owned) db.close();
    return err(prepared.error);
  }
  db.function(CONTAINS_FUNCTION, { deterministic: true }, (haystack: unknown, needle: unknown) =>
    typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle)
      ? 1
      : 0,
  );
  return ok(
    new SqliteStore(db, owned, {
      clock,
      ids: options.ids ?? randomIds,
      logger,
      maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
    }),
  );
}

interface Deps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly maxEventBytes: number;
}

class SqliteStore implements SqliteSessionStore {
  private readonly stmts: Statements;
  private readonly subscribers: SubscriberRegistry;
  private readonly pending: PendingNotifications;
  private readonly listCache = new Map<string, Database.Statement>();
  private readonly appendTxn: (batch: PreparedAppend) => Result<AppendResult, SessionStoreError>;
  private readonly heads = new HeadCache(HEAD_CACHE_SESSIONS);
  /** The head written by the append transaction in progress; cached by appendSync once it committed. */
  private committedHead: CachedHead | undefined;
  private closed = false;

  constructor(
    readonly database: Database.Database,
    private readonly owned: boolean,
    private readonly deps: Deps,
  ) {
    this.stmts = createStatements(database);
    this.subscribers = new SubscriberRegistry(deps.logger);
    this.pending = new PendingNotifications(database, this.stmts, this.subscribers);
    const txn = database.transaction((batch: PreparedAppend) => this.appendInTransaction(batch));
    this.appendTxn = (batch) => txn.immediate(batch);
  }

  appendSync(input: AppendInput): Result<AppendResult, SessionStoreError> {
    if (this.closed) return err(closedError());
    const prepared = prepareAppend(input, this.deps.maxEventBytes);
    if (prepared.isErr()) return err(prepared.error);
    const { sessionId } = prepared.value;
    const insideCallerTransaction = this.database.inTransaction;
    this.committedHead = undefined;
    const result = this.guard('append', sessionId, () => this.appendTxn(prepared.value));
    const head = this.committedHead;
    this.committedHead = undefined;
    if (result.isErr() || insideCallerTransaction) {
      // Nothing committed yet (the caller's transaction may still roll back) or the outcome is unknown.
      this.heads.delete(sessionId);
    } else if (head !== undefined) {
      this.heads.remember(sessionId, head);
    }
    if (result.isOk() && !result.value.replayed) {
      this.pending.add(result.value.events, !insideCallerTransaction);
    }
    return result;
  }

  append(input: AppendInput) {
    return toAsync(this.appendSync(input));
  }

  /**
   * The body of the append transaction. With this connection's cached head of the session (see
   * {@link HeadCache}) and a matching expectedSeq it reads nothing: the insert of seq lastSeq+1 either
   * succeeds — so no other connection appended since — or hits the (session_id, seq) primary key, in which
   * case the head is read from the database and the append re-checked there.
   */
  private appendInTransaction(batch: PreparedAppend): Result<AppendResult, SessionStoreError> {
    const at = this.deps.clock.now();
    const cached = this.heads.get(batch.sessionId);
    if (cached !== undefined && cached.summary.lastSeq === batch.expectedSeq) {
      const fast = this.appendAfterCachedHead(batch, cached, at);
      if (fast !== STALE_HEAD) return fast;
      this.heads.delete(batch.sessionId);
    }
    return this.appendAfterStoredHead(batch, at);
  }

  private appendAfterCachedHead(
    batch: PreparedAppend,
    cached: CachedHead,
    at: number,
  ): Result<AppendResult, SessionStoreError> | typeof STALE_HEAD {
    if (batch.idempotencyKey !== null) {
      const replay = this.replayOf(batch);
      if (replay !== undefined) return replay;
    }
    const head = { lastSeq: cached.summary.lastSeq, lastHash: cached.lastHash };
    const built = buildEvents(batch, head, at, this.deps.ids);
    if (built.isErr()) return err(built.error);
    const tooLong = checkSeqRange(batch.sessionId, built.value);
    if (tooLong !== undefined) return err(tooLong);
    try {
      this.insertEvent(cached.sessionNo, built.value[0]!, batch.events[0]!.dataJson);
    } catch (thrown) {
      if (isPrimaryKeyConflict(thrown)) return STALE_HEAD;
      throw thrown;
    }
    return ok(this.writeRest(batch, built.value, cached.summary, cached.sessionNo));
  }

  private appendAfterStoredHead(batch: PreparedAppend, at: number): Result<AppendResult, SessionStoreError> {
    const { sessionId } = batch;
    const summaryRow = this.stmts.getSummary.get(sessionId) as SummaryRow | undefined;
    if (batch.idempotencyKey !== null && summaryRow !== undefined) {
      const replay = this.replayOf(batch);
      if (replay !== undefined) return replay;
    }
    if (summaryRow === undefined) {
      if (batch.expectedSeq !== 0) {
        // The caller believes the session exists. Usually it does not (SESSION_NOT_FOUND below); an edit
        // behind the store's back may have removed its summary row but left its events (a table scan:
        // only this failing path pays it).
        const orphan = this.stmts.getOrphanHead.get(sessionId) as { seq: number } | undefined;
        if (orphan !== undefined) {
          return err(
            storeError(
              'STORE_CORRUPT',
              `The summary row of session ${sessionId} does not match its event log`,
              {
                sessionId,
                logSeq: orphan.seq,
                summaryRow: false,
              },
            ),
          );
        }
      }
      const built = buildEvents(batch, null, at, this.deps.ids);
      if (built.isErr()) return err(built.error);
      return this.writeNewSession(batch, built.value);
    }
    const headRow = this.stmts.getHead.get(summaryRow.session_no, summaryRow.session_no) as
      | { seq: number; hash: string }
      | undefined;
    if (headRow === undefined) {
      // Only an edit behind the store's back can leave a summary row without its log.
      return err(
        storeError('STORE_CORRUPT', `The summary row of session ${sessionId} does not match its event log`, {
          sessionId,
          logSeq: 0,
          summaryRow: true,
        }),
      );
    }
    const built = buildEvents(batch, { lastSeq: headRow.seq, lastHash: headRow.hash }, at, this.deps.ids);
    if (built.isErr()) return err(built.error);
    const tooLong = checkSeqRange(sessionId, built.value);
    if (tooLong !== undefined) return err(tooLong);
    this.insertEvent(summaryRow.session_no, built.value[0]!, batch.events[0]!.dataJson);
    return ok(this.writeRest(batch, built.value, summaryFromRow(summaryRow), summaryRow.session_no));
  }

  /**
   * The first append of a session: its summary row first (which numbers the session, see schema v4), then
   * its events and idempotency record. A session id whose events exist without a summary row (an edit
   * behind the store's back) fails the insert of seq 1 on the primary key → STORE_CORRUPT.
   */
  private writeNewSession(
    batch: PreparedAppend,
    events: readonly SessionEvent[],
  ): Result<AppendResult, SessionStoreError> {
    const { no } = this.stmts.nextSessionNo.get() as { no: number };
    if (no > MAX_SESSION_NO) {
      return err(
        storeError('STORE_FULL', `The store holds ${MAX_SESSION_NO} sessions, the most one file can number`, {
          sessionId: batch.sessionId,
        }),
      );
    }
    let summary = reduceSessionSummary(null, events[0]!);
    for (let i = 1; i < events.length; i++) summary = reduceSessionSummary(summary, events[i]!);
    this.stmts.insertSummary.run(summaryToParams(summary, no));
    for (let i = 0; i < events.length; i++) this.insertEvent(no, events[i]!, batch.events[i]!.dataJson);
    this.recordBatch(batch, events);
    this.committedHead = { summary, lastHash: events[events.length - 1]!.hash, sessionNo: no };
    return ok({ events, replayed: false, lastSeq: summary.lastSeq });
  }

  private insertEvent(sessionNo: number, event: SessionEvent, dataJson: string): void {
    this.stmts.insertEvent.run(eventToParams(sessionNo, event, dataJson));
  }

  private recordBatch(batch: PreparedAppend, events: readonly SessionEvent[]): void {
    if (batch.idempotencyKey === null) return;
    this.stmts.insertBatch.run(
      batch.sessionId,
      batch.idempotencyKey,
      events[0]!.seq,
      events[events.length - 1]!.seq,
      batch.digest,
    );
  }

  /**
   * Writes events 2..n of a batch whose first event is already inserted, the summary row (only the columns
   * that changed; nothing when only lastSeq moved, see `summaryRowChanged`) and the idempotency record;
   * remembers the new head for {@link appendSync} to cache once the transaction has committed.
   */
  private writeRest(
    batch: PreparedAppend,
    events: readonly SessionEvent[],
    previous: SessionSummary,
    sessionNo: number,
  ): AppendResult {
    let summary = reduceSessionSummary(previous, events[0]!);
    for (let i = 1; i < events.length; i++) {
      const event = events[i]!;
      this.insertEvent(sessionNo, event, batch.events[i]!.dataJson);
      summary = reduceSessionSummary(summary, event);
    }
    if (summaryRowChanged(previous, summary)) {
      const statusChanged = summary.status !== previous.status;
      const updatedAtChanged = summary.updatedAt !== previous.updatedAt;
      const params: (string | number | null)[] = [summary.currentStepId, summary.headNodeId];
      if (statusChanged) params.push(summary.status);
      if (updatedAtChanged) params.push(summary.updatedAt);
      params.push(summary.sessionId);
      this.stmts.updateSummary[summaryUpdateIndex(statusChanged, updatedAtChanged)]!.run(params);
    }
    this.recordBatch(batch, events);
    this.committedHead = { summary, lastHash: events[events.length - 1]!.hash, sessionNo };
    return { events, replayed: false, lastSeq: summary.lastSeq };
  }

  /**
   * The stored result of an earlier append with the same idempotency key (`replayed: true`), an
   * IDEMPOTENCY_KEY_CONFLICT if that append carried different events, or undefined when the key is new.
   */
  private replayOf(batch: PreparedAppend): Result<AppendResult, SessionStoreError> | undefined {
    const { sessionId, idempotencyKey } = batch;
    const previous = this.stmts.getBatch.get(sessionId, idempotencyKey) as
      | { first_seq: number; last_seq: number; digest: string }
      | undefined;
    if (previous === undefined) return undefined;
    if (previous.digest !== batch.digest) {
      return err(
        storeError(
          'IDEMPOTENCY_KEY_CONFLICT',
          `Idempotency key ${idempotencyKey} was already used in session ${sessionId} for different events`,
          { sessionId, idempotencyKey, firstSeq: previous.first_seq },
        ),
      );
    }
    const rows = this.stmts.readRange.all(
      sessionId,
      previous.first_seq - 1,
      previous.last_seq - previous.first_seq + 1,
    ) as EventRow[];
    const events: SessionEvent[] = [];
    for (const row of rows) {
      const event = parseRow(() => eventFromRow(row), sessionId, row.seq);
      if (event.isErr()) return err(event.error);
      events.push(event.value);
    }
    return ok({ events, replayed: true, lastSeq: previous.last_seq });
  }

  readEvents(sessionId: string, options: ReadEventsOptions = {}) {
    return toAsync(this.readEventsSync(sessionId, options));
  }

  /** Synchronous twin of `readEvents`. */
  readEventsSync(
    sessionId: string,
    options: ReadEventsOptions = {},
  ): Result<readonly SessionEvent[], SessionStoreError> {
    return this.guard('readEvents', sessionId, () => {
      const after = Math.max(0, Math.floor(options.afterSeq ?? 0));
      const limit = options.limit === undefined ? -1 : Math.max(0, Math.floor(options.limit));
      const events: SessionEvent[] = [];
      const rows = this.stmts.readRangeRaw.iterate(sessionId, after, limit) as IterableIterator<RawEventRow>;
      // A return from inside the loop closes the iterator (and with it the statement).
      const damagedSeq = eventsFromRawRows(sessionId, rows, events);
      if (damagedSeq !== null) {
        return err(
          storeError('STORE_CORRUPT', `Event ${damagedSeq} of session ${sessionId} holds invalid JSON`, {
            sessionId,
            seq: damagedSeq,
          }),
        );
      }
      if (events.length === 0 && this.stmts.getSummary.get(sessionId) === undefined)
        return err(notFound(sessionId));
      return ok(events);
    });
  }

  getSummary(sessionId: string) {
    return toAsync(
      this.guard('getSummary', sessionId, () => {
        const row = this.stmts.getSummary.get(sessionId) as SummaryRow | undefined;
        return row === undefined ? err(notFound(sessionId)) : ok(summaryFromRow(row));
      }),
    );
  }

  listSessions(query?: ListSessionsQuery) {
    return toAsync(
      this.guard('listSessions', undefined, () => {
        const { sql, params } = buildListSql(normaliseListQuery(query));
        let stmt = this.listCache.get(sql);
        if (stmt === undefined) {
          stmt = this.database.prepare(sql);
          this.listCache.set(sql, stmt);
        }
        return ok((stmt.all(...params) as SummaryRow[]).map(summaryFromRow));
      }),
    );
  }

  verify(sessionId: string) {
    return toAsync(
      this.guard('verify', sessionId, (): Result<VerifyResult, SessionStoreError> => {
        let rows = this.stmts.readRange.all(sessionId, 0, -1) as EventRow[];
        // No summary row (an edit behind the store's back): still verify whatever events carry the id.
        if (rows.length === 0) rows = this.stmts.readOrphanEvents.all(sessionId) as EventRow[];
        if (rows.length === 0) return err(notFound(sessionId));
        const events: SessionEvent[] = [];
        for (const row of rows) {
          try {
            events.push(eventFromRow(row));
          } catch {
            // Unparseable data: the chain up to here decides; if it holds, this row is the first broken one.
            const prefix = verifyChain(sessionId, events);
            if (!prefix.ok) return ok({ ...prefix, events: rows.length });
            return ok({
              ok: false,
              sessionId,
              events: rows.length,
              brokenAtSeq: events.length + 1,
              reason: 'invalid_event',
            });
          }
        }
        return ok(verifyChain(sessionId, events));
      }),
    );
  }

  subscribe(sessionId: string, listener: (event: SessionEvent) => void) {
    return this.closed ? () => {} : this.subscribers.subscribe(sessionId, listener);
  }

  putWorkflowSnapshot(hash: string, snapshot: JsonValue) {
    return toAsync(
      this.guard('putWorkflowSnapshot', undefined, (): Result<void, SessionStoreError> => {
        const json = snapshotJson(hash, snapshot);
        if (json.isErr()) return err(json.error);
        this.stmts.putSnapshot.run(hash, json.value, Math.floor(this.deps.clock.now()));
        return ok(undefined);
      }),
    );
  }

  getWorkflowSnapshot(hash: string) {
    return toAsync(
      this.guard('getWorkflowSnapshot', undefined, (): Result<JsonValue, SessionStoreError> => {
        const row = this.stmts.getSnapshot.get(hash) as { json: string } | undefined;
        if (row === undefined)
          return err(storeError('SNAPSHOT_NOT_FOUND', `No workflow snapshot ${hash}`, { hash }));
        try {
          return ok(JSON.parse(row.json) as JsonValue);
        } catch {
          return err(storeError('STORE_CORRUPT', `Workflow snapshot ${hash} holds invalid JSON`, { hash }));
        }
      }),
    );
  }

  close(): Result<void, SessionStoreError> {
    if (this.closed) return ok(undefined);
    this.closed = true;
    this.subscribers.clear();
    this.pending.clear();
    this.heads.clear();
    if (!this.owned) return ok(undefined);
    try {
      this.database.close();
      return ok(undefined);
    } catch (thrown) {
      const mapped = mapSqliteError(thrown, 'close');
      if (mapped === undefined) throw thrown;
      return err(mapped);
    }
  }

  /** Runs a storage operation, mapping SQLite exceptions to error codes (other exceptions are bugs: rethrown). */
  private guard<T>(
    operation: string,
    sessionId: string | undefined,
    fn: () => Result<T, SessionStoreError>,
  ): Result<T, SessionStoreError> {
    if (this.closed || !this.database.open) return err(closedError());
    try {
      return fn();
    } catch (thrown) {
      const mapped = mapSqliteError(thrown, operation);
      if (mapped === undefined) throw thrown;
      this.deps.logger.error(
        { sessionId, operation, code: mapped.code, details: mapped.details },
        mapped.message,
      );
      return err(mapped);
    }
  }
}

/** Sessions whose head one connection keeps in memory (least recently appended to are dropped first). */
const HEAD_CACHE_SESSIONS = 1024;

/** Returned by the cached-head path when another connection appended since: re-read the head. */
const STALE_HEAD = Symbol('stale head');

/** What this connection last committed to a session: its summary row (incl. lastSeq) and last event hash. */
interface CachedHead {
  readonly summary: SessionSummary;
  readonly lastHash: string;
  /** The session's number (schema v4: its events are rowids `sessionNo * 2^32 + seq`). */
  readonly sessionNo: number;
}

/** STORE_FULL when a batch would take a session past seq {@link MAX_SEQ} (its rowid range), else undefined. */
function checkSeqRange(sessionId: string, events: readonly SessionEvent[]): SessionStoreError | undefined {
  const last = events[events.length - 1]!.seq;
  return last <= MAX_SEQ
    ? undefined
    : storeError(
        'STORE_FULL',
        `Session ${sessionId} would pass ${MAX_SEQ} events, the most one session holds`,
        {
          sessionId,
          seq: last,
        },
      );
}

/**
 * Heads of the sessions this connection appended to, so the next append needs no reads. Only filled after
 * a commit of this connection's own transaction (never inside a caller's transaction, which may still roll
 * back), dropped on any failed append. Another process appending is detected by the insert's primary-key
 * conflict (sequences are contiguous and never deleted, so seq lastSeq+1 is free exactly when nobody
 * appended since).
 */
class HeadCache {
  private readonly entries = new Map<string, CachedHead>();

  constructor(private readonly capacity: number) {}

  get(sessionId: string): CachedHead | undefined {
    return this.entries.get(sessionId);
  }

  remember(sessionId: string, head: CachedHead): void {
    this.entries.delete(sessionId);
    this.entries.set(sessionId, head);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  clear(): void {
    this.entries.clear();
  }
}

function isPrimaryKeyConflict(thrown: unknown): boolean {
  return thrown instanceof Database.SqliteError && thrown.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Rebuilds an event from a row, turning unparsable stored JSON into STORE_CORRUPT. */
function parseRow(
  build: () => SessionEvent,
  sessionId: string,
  seq: number,
): Result<SessionEvent, SessionStoreError> {
  try {
    return ok(build());
  } catch {
    return err(
      storeError('STORE_CORRUPT', `Event ${seq} of session ${sessionId} holds invalid JSON`, {
        sessionId,
        seq,
      }),
    );
  }
}

function notFound(sessionId: string): SessionStoreError {
  return storeError('SESSION_NOT_FOUND', `No session ${sessionId}`, { sessionId });
}

function closedError(): SessionStoreError {
  return storeError('STORE_IO', 'The session store is closed');
}
