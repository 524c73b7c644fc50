import type {
  JsonObject,
  JsonValue,
  NewSessionEvent,
  Result,
  ResultAsync,
  SessionEvent,
  WorkTrainError,
} from '@worktrain/contracts';

/**
 * Error codes of the session store. Closed union; every adapter maps its library exceptions onto these.
 * - SEQ_CONFLICT: `expectedSeq` is not the session's current last seq (details: expected, actual).
 * - SESSION_NOT_FOUND: no event exists for the session id (also: append with expectedSeq > 0 to an unknown
 *   session).
 * - SESSION_EXISTS: append with expectedSeq 0 to a session that already has events.
 * - IDEMPOTENCY_KEY_CONFLICT: the key was used before for a different batch.
 * - INVALID_EVENT: an event failed its zod schema (details: index, issues); also a malformed append
 *   envelope (details.index null), a new session not starting with `session_created`, or a malformed
 *   snapshot put.
 * - EVENT_TOO_LARGE: an event's serialised form exceeds the configured limit (details: bytes, limit).
 * - STORE_READ_ONLY / STORE_FULL / STORE_IO: the database cannot be written (read-only, disk full, other IO;
 *   STORE_IO also for any operation after `close()`).
 * - STORE_CORRUPT / NOT_A_WORKTRAIN_DATABASE: the file is damaged or is not ours.
 * - SNAPSHOT_NOT_FOUND: no workflow snapshot stored under the hash.
 */
export type SessionStoreErrorCode =
  | 'SEQ_CONFLICT'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_EXISTS'
  | 'IDEMPOTENCY_KEY_CONFLICT'
  | 'INVALID_EVENT'
  | 'EVENT_TOO_LARGE'
  | 'STORE_READ_ONLY'
  | 'STORE_FULL'
  | 'STORE_IO'
  | 'STORE_CORRUPT'
  | 'NOT_A_WORKTRAIN_DATABASE'
  | 'SNAPSHOT_NOT_FOUND';
export type SessionStoreError = WorkTrainError<SessionStoreErrorCode>;

/** Input of {@link SessionStore.append}. */
export interface AppendInput {
  readonly sessionId: string;
  /**
   * The seq of the last event the caller saw (0 for a new session). The append fails with SEQ_CONFLICT
   * when another writer appended in between (optimistic concurrency).
   */
  readonly expectedSeq: number;
  /**
   * Idempotency key of the batch. Replaying an append with a key already stored for this session returns
   * the originally stored events with `replayed: true` and writes nothing (even if expectedSeq is stale).
   */
  readonly idempotencyKey?: string;
  /** At least one event; all are written in one transaction or none is. */
  readonly events: readonly NewSessionEvent[];
}

export interface AppendResult {
  readonly events: readonly SessionEvent[];
  /** True when the idempotency key matched an earlier batch and nothing new was written. */
  readonly replayed: boolean;
  /**
   * Seq of the last event of this batch: the expectedSeq for the caller's next append. On a replay it is
   * the original batch's last seq, which may be behind the session's head (the next append then gets
   * SEQ_CONFLICT and the caller re-reads).
   */
  readonly lastSeq: number;
}

/** Summary row of a session, kept up to date in the same transaction as each append. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly workflowId: string;
  readonly workflowHash: string;
  readonly title: string | null;
  readonly goal: string | null;
  readonly workspacePath: string | null;
  readonly parentSessionId: string | null;
  readonly source: string;
  readonly status: SessionStatus;
  /** Step id pending at the session's head node, or null when complete/aborted. */
  readonly currentStepId: string | null;
  readonly headNodeId: string | null;
  readonly lastSeq: number;
  /** ms since epoch */
  readonly createdAt: number;
  /**
   * ms since epoch; 1 s granularity: the time of the last event that changed status, head node or current
   * step, or of a later event at least 1 000 ms after it (never more than 1 s behind the latest event; see
   * `reduceSessionSummary`).
   */
  readonly updatedAt: number;
}

export type SessionStatus = 'running' | 'blocked' | 'awaiting_approval' | 'completed' | 'failed' | 'aborted';

export interface ListSessionsQuery {
  readonly status?: readonly SessionStatus[];
  readonly workflowId?: string;
  readonly workspacePath?: string;
  readonly parentSessionId?: string;
  /** Case-insensitive substring match over title, goal, workflow id and notes. */
  readonly text?: string;
  /** Only sessions updated at or after this time (ms since epoch). */
  readonly updatedSince?: number;
  /** Default 50, max 1000. Ordered by updatedAt descending (1 s granularity), then session id. */
  readonly limit?: number;
  readonly offset?: number;
}

/** Read options for {@link SessionStore.readEvents}. */
export interface ReadEventsOptions {
  /** Return events with seq > afterSeq (default 0 = from the start). */
  readonly afterSeq?: number;
  readonly limit?: number;
}

/** Result of {@link SessionStore.verify}: the hash chain re-computed from the stored events. */
export type VerifyResult =
  | { readonly ok: true; readonly sessionId: string; readonly events: number; readonly headHash: string }
  | {
      readonly ok: false;
      readonly sessionId: string;
      readonly events: number;
      /** First seq whose stored hash/prevHash/seq does not match the recomputed chain. */
      readonly brokenAtSeq: number;
      readonly reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'invalid_event';
    };

/** Handle returned by subscribe; call to stop receiving events. */
export type Unsubscribe = () => void;

/**
 * The session store port: an append-only, ordered, hash-chained event log per session, with a summary
 * projection for listing. Implemented by the SQLite backend (default) and an in-memory backend; a
 * PostgreSQL backend implements the same port. All adapters pass one conformance suite.
 *
 * Durability: once `append` resolves ok, the events survive SIGKILL and power loss (SQLite: WAL +
 * synchronous=FULL).
 */
export interface SessionStore {
  append(input: AppendInput): ResultAsync<AppendResult, SessionStoreError>;
  readEvents(
    sessionId: string,
    options?: ReadEventsOptions,
  ): ResultAsync<readonly SessionEvent[], SessionStoreError>;
  getSummary(sessionId: string): ResultAsync<SessionSummary, SessionStoreError>;
  listSessions(query?: ListSessionsQuery): ResultAsync<readonly SessionSummary[], SessionStoreError>;
  verify(sessionId: string): ResultAsync<VerifyResult, SessionStoreError>;
  /**
   * Calls `listener` for every event appended to `sessionId` (or to any session when `sessionId` is '*')
   * after the subscription, in seq order per session. In-process only; the daemon's SSE builds on it.
   */
  subscribe(sessionId: string | '*', listener: (event: SessionEvent) => void): Unsubscribe;
  /** Stores a pinned workflow snapshot (idempotent by hash). */
  putWorkflowSnapshot(hash: string, snapshot: JsonValue): ResultAsync<void, SessionStoreError>;
  getWorkflowSnapshot(hash: string): ResultAsync<JsonValue, SessionStoreError>;
  close(): Result<void, SessionStoreError>;
}

/** Projection of one session's full log (pure function of the events, see `projectSession`). */
/** Why a `failed` session failed, as shown to operators (`sessions list|show`, the daemon API). */
export interface SessionFailure {
  /** The failure's reason (the dead letter's reason, or the run's own failure summary). */
  readonly reason: string;
  /** How to carry on, when the log says (a dead letter's `next`: `worktrain sessions continue <id>` …). */
  readonly hint: string | null;
  /** The dead-lettered task, when the task died. */
  readonly taskId: string | null;
  /** Seq of the event that says so. */
  readonly seq: number;
}

export interface SessionProjection {
  readonly summary: SessionSummary;
  /** Why the session failed (the dead letter's reason and how to carry on), when it is `failed`; else null. */
  readonly failure: SessionFailure | null;
  /**
   * How the agent's commands were confined in the session's latest run (the `decision_trace`
   * `sandbox_enforced` / `sandbox_off` each run records), or null when no agent run recorded one.
   * `reason` is the backend line or, for `off`, the warning.
   */
  readonly sandbox: { readonly enforced: boolean; readonly reason: string; readonly seq: number } | null;
  /** Run DAG: every node and the edge to its parent. */
  readonly nodes: readonly {
    readonly nodeId: string;
    readonly parentNodeId: string | null;
    readonly nodeKind: 'step' | 'checkpoint' | 'gate' | 'complete';
    readonly stepId: string | null;
    readonly seq: number;
  }[];
  readonly outputs: readonly {
    readonly nodeId: string;
    readonly stepId: string;
    readonly notesMarkdown?: string;
    readonly seq: number;
  }[];
  readonly artifacts: readonly {
    readonly nodeId: string;
    readonly stepId: string;
    readonly artifact: JsonValue;
    readonly seq: number;
  }[];
  /** Context after all context_set events (later values override earlier ones). */
  readonly context: JsonObject;
  readonly metrics: {
    readonly events: number;
    readonly advances: number;
    readonly blockedAttempts: number;
    readonly llmTurns: number;
    readonly toolCalls: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number;
  };
}
