import type { JsonValue, ResultAsync, WorkTrainError } from '@worktrain/contracts';

/**
 * Lifecycle of a task.
 * - `pending`: waiting to be claimed once `runAt` has passed.
 * - `leased`: claimed by a worker (`leaseOwner`) until `leasedUntil`; only the holder of `leaseToken` may
 *   heartbeat, complete or fail it.
 * - `succeeded`: completed (terminal).
 * - `failed`: the last attempt failed (or its lease expired) and the task waits for its retry at `runAt`;
 *   it is claimable again exactly like `pending`.
 * - `dead`: a dead letter (terminal until an operator `requeue`s it); `lastError.class` says why.
 */
export const TASK_STATES = ['pending', 'leased', 'succeeded', 'failed', 'dead'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States in which a task is "unfinished": its dedupe key is reserved and it may still run. */
export const UNFINISHED_STATES: readonly TaskState[] = ['pending', 'leased', 'failed'];

/**
 * Why an attempt failed or a task was dead-lettered.
 * - `validation`: the input is wrong; retrying cannot help, so the task is dead-lettered at once.
 * - `execution`: the handler failed; retried with backoff until `maxAttempts`.
 * - `timeout`: the handler (or its lease) ran out of time; retried like `execution`.
 * - `cancelled`: an operator or the caller cancelled it; dead-lettered at once.
 */
export const FAILURE_CLASSES = ['validation', 'execution', 'timeout', 'cancelled'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export interface TaskError {
  readonly class: FailureClass;
  readonly message: string;
}

/** A task as stored. Times are milliseconds since the Unix epoch (the database clock on PostgreSQL). */
export interface Task {
  readonly id: string;
  readonly queue: string;
  readonly payload: JsonValue;
  /** Higher runs first. */
  readonly priority: number;
  readonly runAt: number;
  readonly dedupeKey: string | null;
  /** Number of times the task has been claimed (1 during its first run). */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly state: TaskState;
  /** The fencing token of the current (or last) lease; only its holder may complete/fail/heartbeat. */
  readonly leaseToken: string | null;
  /** Worker id of the current (or last) lease holder. */
  readonly leaseOwner: string | null;
  readonly leasedUntil: number | null;
  readonly lastError: TaskError | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the task became `succeeded` or `dead`; null while unfinished. */
  readonly finishedAt: number | null;
}

/** A task handed to a worker by `claim`: its lease fields are set. */
export interface LeasedTask extends Task {
  readonly state: 'leased';
  readonly leaseToken: string;
  readonly leaseOwner: string;
  readonly leasedUntil: number;
}

/** One row of the audit trail: every state transition, who caused it and why. */
export interface AuditEntry {
  readonly taskId: string;
  /** Worker id, operator name, or `system` (sweeper, enqueue). */
  readonly actor: string;
  /** null for the creating transition. */
  readonly from: TaskState | null;
  readonly to: TaskState;
  readonly at: number;
  readonly reason: string | null;
}

export type QueueErrorCode =
  | 'TASK_NOT_FOUND'
  /** The lease token is stale, the lease expired, or the task is no longer leased. */
  | 'LEASE_LOST'
  | 'PAYLOAD_TOO_LARGE'
  /** Not a JSON value: functions, BigInt, NaN/Infinity, undefined, symbols, cycles, too deep. */
  | 'PAYLOAD_INVALID'
  /** The dedupe key is held by an unfinished task of another queue. */
  | 'DEDUPE_KEY_CONFLICT'
  /** Negative or non-finite delay / runAt. */
  | 'INVALID_DELAY'
  /** Any other argument out of range (queue name, n, leaseMs, maxAttempts, limit…). */
  | 'INVALID_ARGUMENT'
  /** The operation does not apply in the task's state (e.g. requeue of a task that is not dead). */
  | 'INVALID_STATE'
  /** `drain()` was called: no new claims. */
  | 'QUEUE_DRAINING'
  | 'QUEUE_CLOSED'
  | 'NOT_A_WORKTRAIN_DATABASE'
  /** The database cannot be reached (PostgreSQL down, SQLite locked past busy_timeout). Not acknowledged. */
  | 'STORE_UNAVAILABLE'
  /** Any other storage failure (disk full, read-only, IO error, migration failure). Not acknowledged. */
  | 'STORE_IO';

export type QueueError = WorkTrainError<QueueErrorCode>;

export interface EnqueueInput {
  readonly queue: string;
  /** Any JSON value up to `maxPayloadBytes` serialised (default 256 KiB). */
  readonly payload: unknown;
  /** Higher runs first; integer, default 0. */
  readonly priority?: number;
  /** Earliest run time (ms epoch). Mutually exclusive with `delayMs`. */
  readonly runAt?: number;
  /** Delay from now in ms (≥ 0). */
  readonly delayMs?: number;
  /** While a task with this key is unfinished, enqueueing again returns it instead of a new task. */
  readonly dedupeKey?: string;
  /** Attempts before dead-lettering; default from the queue options (5). */
  readonly maxAttempts?: number;
  /** Audit actor; default `system`. */
  readonly actor?: string;
}

export interface EnqueueResult {
  readonly task: Task;
  /** false when an unfinished task with the same dedupe key already existed and was returned. */
  readonly created: boolean;
}

export interface ClaimInput {
  readonly queue: string;
  /** Unique id of the worker process/instance, recorded as `leaseOwner`. */
  readonly workerId: string;
  /** Maximum number of tasks (1 … 1000). */
  readonly n: number;
  /** Lease length in ms (1 … `maxLeaseMs`). */
  readonly leaseMs: number;
}

export interface LeaseRef {
  readonly taskId: string;
  readonly leaseToken: string;
}

export interface HeartbeatInput extends LeaseRef {
  /** New lease length from now in ms (capped by `maxLeaseMs`); default the queue's `defaultLeaseMs`. */
  readonly leaseMs?: number;
}

export interface FailInput extends LeaseRef {
  readonly error: TaskError;
  /** false forces a dead letter even if attempts remain. Default: retry `execution`/`timeout` failures. */
  readonly retryable?: boolean;
}

export interface CancelInput {
  readonly taskId: string;
  readonly reason: string;
  readonly actor?: string;
}

export interface RequeueInput {
  readonly taskId: string;
  /** Recorded in the audit trail. */
  readonly reason: string;
  readonly actor?: string;
  /** Delay before it becomes claimable (ms, ≥ 0), default 0. */
  readonly delayMs?: number;
}

/**
 * Input of {@link TaskQueue.releaseLeases}: the leases held by workers known to be dead (e.g. a daemon that
 * restarted on the same data directory while its previous process is certainly gone).
 */
export interface ReleaseLeasesInput {
  /** Lease owners whose leases end now; leases of any other owner are untouched. */
  readonly workerIds: readonly string[];
  /** Recorded in the audit trail and as the task's last error. */
  readonly reason: string;
  /** Audit actor; default `system`. */
  readonly actor?: string;
}

export interface ListFilter {
  readonly queue?: string;
  readonly state?: TaskState;
  /** Only tasks updated at or after this time (ms epoch). */
  readonly since?: number;
  /** 1 … 1000, default 100. Newest first. */
  readonly limit?: number;
}

export interface PurgeInput {
  /** Delete finished tasks (succeeded, dead) finished more than this many ms ago. */
  readonly olderThanMs: number;
  /** Which finished states to purge; default both. */
  readonly states?: ReadonlyArray<'succeeded' | 'dead'>;
  /** Only tasks of this queue; default every queue. */
  readonly queue?: string;
  /**
   * Only tasks that finished at or after this time (ms epoch); with `olderThanMs` it bounds a window
   * `[since, now − olderThanMs]`. Default: no lower bound.
   */
  readonly since?: number;
  /**
   * Purge at most this many tasks (a positive integer), the oldest finished first; the rest stay for a later
   * purge. Default: no limit.
   */
  readonly limit?: number;
  /** If set, the purged tasks and their audit trail are appended to this JSONL file first. */
  readonly archivePath?: string;
  /**
   * Count (and return up to {@link PURGE_PREVIEW_LIMIT} of) the tasks that would be purged, with `since` and
   * `limit` applied as on a real purge; delete and archive nothing.
   */
  readonly dryRun?: boolean;
}

/** Most tasks a dry-run purge returns in `wouldPurge`. */
export const PURGE_PREVIEW_LIMIT = 1000;

export interface PurgeResult {
  /** Tasks deleted; on a dry run, tasks that would be deleted. */
  readonly purged: number;
  /** The archive written; null when none was asked for, and always null on a dry run (nothing written). */
  readonly archivePath: string | null;
  /** Dry run only: the tasks that would be purged (oldest finished first), at most {@link PURGE_PREVIEW_LIMIT}. */
  readonly wouldPurge?: Task[];
}

export interface SweepResult {
  /** Expired leases returned to `failed` for another attempt. */
  readonly requeued: number;
  /** Expired leases whose attempts were exhausted, now dead letters (class `timeout`). */
  readonly deadLettered: number;
}

export type StateCounts = Record<TaskState, number>;

/** Filter of {@link TaskQueue.stats}. */
export interface StatsFilter {
  /**
   * Only this queue: `queues` has at most this one entry, and `total` and `oldestReadyAgeMs` count only its
   * tasks. A queue without tasks (or never used) gives `queues: {}`, zero totals and a null age, not an error.
   */
  readonly queue?: string;
}

export interface QueueStats {
  readonly queues: Record<string, StateCounts>;
  readonly total: StateCounts;
  /** Age in ms of the oldest claimable task, or null if none. */
  readonly oldestReadyAgeMs: number | null;
}

export interface DrainResult {
  /** Leases handed out by this handle and not yet completed/failed when drain returned. */
  readonly inFlight: number;
}

/**
 * The durable task queue port. Implemented by the SQLite backend (default), the PostgreSQL backend
 * (scale-out) and an in-memory backend (tests); all pass one conformance suite.
 *
 * Guarantees: once `enqueue`/`complete`/`fail`/`heartbeat`/`claim` resolve ok, the change is durable
 * (survives SIGKILL and power loss). Handlers run at least once. `complete`, `fail` and `heartbeat` are fenced
 * by the lease token: a worker whose lease expired or was superseded gets `LEASE_LOST` and changes nothing.
 */
export interface TaskQueue {
  enqueue(input: EnqueueInput): ResultAsync<EnqueueResult, QueueError>;
  /** All-or-nothing: one transaction; any invalid input fails the whole call before anything is written. */
  enqueueMany(inputs: readonly EnqueueInput[]): ResultAsync<EnqueueResult[], QueueError>;
  /** Leases up to `n` ready tasks of `queue`, highest priority first, then oldest `runAt`. */
  claim(input: ClaimInput): ResultAsync<LeasedTask[], QueueError>;
  /** Extends a lease; returns the new `leasedUntil`. */
  heartbeat(input: HeartbeatInput): ResultAsync<{ leasedUntil: number }, QueueError>;
  /** Marks a leased task succeeded. Idempotent for the same token. */
  complete(input: LeaseRef): ResultAsync<Task, QueueError>;
  /** Records a failed attempt: retry with jittered exponential backoff, or dead letter. */
  fail(input: FailInput): ResultAsync<Task, QueueError>;
  /** Dead-letters an unfinished task with class `cancelled`; a current lease holder loses its lease. */
  cancel(input: CancelInput): ResultAsync<Task, QueueError>;
  /** Puts a dead letter back to `pending` with a fresh attempt budget; the reason is audited. */
  requeue(input: RequeueInput): ResultAsync<Task, QueueError>;
  /** Returns expired leases to `failed` (or `dead` when attempts are exhausted). */
  sweepExpiredLeases(): ResultAsync<SweepResult, QueueError>;
  /**
   * Ends the leases held by `workerIds` now instead of at expiry, with the same outcome as the sweeper
   * (`failed` for another attempt, or `dead` when attempts are exhausted; class `timeout`) and the given
   * audit reason. Only for owners that are certainly dead: a live owner loses its lease (LEASE_LOST on its
   * next heartbeat or completion). Errors: INVALID_ARGUMENT (empty reason or worker id).
   */
  releaseLeases(input: ReleaseLeasesInput): ResultAsync<SweepResult, QueueError>;
  /**
   * Wakes this handle's `waitForTasks(queue)` at once. For tasks enqueued on the same database outside
   * this handle (e.g. `enqueueSync` inside another store's transaction), which it cannot see otherwise.
   */
  notifyEnqueued(queue: string): void;
  get(taskId: string): ResultAsync<Task, QueueError>;
  list(filter?: ListFilter): ResultAsync<Task[], QueueError>;
  /** Audit trail of one task, oldest first. */
  history(taskId: string): ResultAsync<AuditEntry[], QueueError>;
  /** Counts per queue and state; with `filter.queue`, of that queue only. Errors: INVALID_ARGUMENT (queue name). */
  stats(filter?: StatsFilter): ResultAsync<QueueStats, QueueError>;
  /**
   * Retention purge of finished tasks (see {@link PurgeInput}). Errors: INVALID_ARGUMENT (olderThanMs, states,
   * queue, since, limit), STORE_IO (archive not writable).
   */
  purge(input: PurgeInput): ResultAsync<PurgeResult, QueueError>;
  /**
   * Stops handing out leases from this handle (`claim` → `QUEUE_DRAINING`) and waits until every lease it
   * handed out is completed or failed, or `timeoutMs` passes.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
  /** Resolves when tasks may be ready on `queue` (a local enqueue or a NOTIFY) or after `timeoutMs`. */
  waitForTasks(queue: string, timeoutMs: number): Promise<void>;
  /** Releases connections and timers. Further calls return `QUEUE_CLOSED`. */
  close(): Promise<void>;
}

/** Options shared by every backend. */
export interface QueueOptions {
  /** Serialized payload limit in bytes (UTF-8). Default 262 144 (256 KiB). */
  readonly maxPayloadBytes?: number;
  /** Default `maxAttempts` for new tasks. Default 5. */
  readonly defaultMaxAttempts?: number;
  /** Cap on any lease or heartbeat extension, ms. Default 3 600 000 (1 h). */
  readonly maxLeaseMs?: number;
  /** Lease used by `heartbeat` without `leaseMs`, ms. Default 30 000. */
  readonly defaultLeaseMs?: number;
  /** Retry backoff: delay = min(maxMs, baseMs·2^(attempt−1)) × uniform[0.5, 1). Defaults 1 000 / 3 600 000. */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Random source in [0,1) for jitter; injected so tests are deterministic. Default Math.random. */
  readonly random?: () => number;
}
