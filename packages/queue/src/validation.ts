import { computeBackoff, err, type JsonValue, makeError, ok, type Result } from '@worktrain/contracts';
import type {
  ClaimInput,
  EnqueueInput,
  FailureClass,
  ListFilter,
  PurgeInput,
  QueueError,
  QueueOptions,
  ReleaseLeasesInput,
  StatsFilter,
  TaskError,
} from './queue.js';
import { FAILURE_CLASSES, TASK_STATES } from './queue.js';

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly maxPayloadBytes: number;
  readonly defaultMaxAttempts: number;
  readonly maxLeaseMs: number;
  readonly defaultLeaseMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly random: () => number;
}

export function resolveOptions(options: QueueOptions = {}): ResolvedOptions {
  return {
    maxPayloadBytes: options.maxPayloadBytes ?? 256 * 1024,
    defaultMaxAttempts: options.defaultMaxAttempts ?? 5,
    maxLeaseMs: options.maxLeaseMs ?? 3_600_000,
    defaultLeaseMs: options.defaultLeaseMs ?? 30_000,
    backoffBaseMs: options.backoff?.baseMs ?? 1_000,
    backoffMaxMs: options.backoff?.maxMs ?? 3_600_000,
    random: options.random ?? Math.random,
  };
}

/** A validated enqueue request, ready to be written. `runAt` is absolute when known, else `delayMs`. */
export interface NormalizedEnqueue {
  readonly queue: string;
  readonly payloadJson: string;
  readonly priority: number;
  readonly runAt: number | null;
  readonly delayMs: number;
  readonly dedupeKey: string | null;
  readonly maxAttempts: number;
  readonly actor: string;
}

const MAX_DEPTH = 64;
const NAME_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Checks that `value` is a plain JSON value (no functions, BigInt, symbols, undefined, NaN/Infinity,
 * cycles, class instances other than plain objects/arrays), at most {@link MAX_DEPTH} deep. Iterative.
 */
export function checkJson(value: unknown): string | null {
  const stack: Array<[unknown, number, string]> = [[value, 0, '$']];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${path} is ${String(v)}, which JSON cannot represent`;
      continue;
    }
    if (typeof v !== 'object') return `${path} is a ${typeof v}, which is not JSON`;
    if (depth >= MAX_DEPTH) return `${path} is nested deeper than ${MAX_DEPTH} levels`;
    if (seen.has(v)) return `${path} is a circular reference`;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], depth + 1, `${path}[${i}]`]);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      return `${path} is a class instance, not a plain object`;
    for (const [k, child] of Object.entries(v)) stack.push([child, depth + 1, `${path}.${k}`]);
  }
  return null;
}

function invalid(message: string, details?: Record<string, unknown>): QueueError {
  return makeError('INVALID_ARGUMENT', message, details);
}

/** Validates a queue name: 1–128 characters of `[A-Za-z0-9_.:-]`. */
export function checkQueueName(queue: unknown): Result<string, QueueError> {
  if (typeof queue !== 'string' || !NAME_RE.test(queue)) {
    return err(invalid('queue must be 1–128 characters of [A-Za-z0-9_.:-]', { queue: String(queue) }));
  }
  return ok(queue);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Validates and normalises one enqueue request.
 * Errors: INVALID_ARGUMENT, PAYLOAD_INVALID, PAYLOAD_TOO_LARGE, INVALID_DELAY.
 */
export function normalizeEnqueue(
  input: EnqueueInput,
  opts: ResolvedOptions,
): Result<NormalizedEnqueue, QueueError> {
  const q = checkQueueName(input.queue);
  if (q.isErr()) return err(q.error);
  const problem = checkJson(input.payload);
  if (problem !== null) return err(makeError('PAYLOAD_INVALID', `payload is not JSON: ${problem}`));
  const payloadJson = JSON.stringify(input.payload);
  if (payloadJson === undefined) return err(makeError('PAYLOAD_INVALID', 'payload is not JSON'));
  const bytes = Buffer.byteLength(payloadJson, 'utf8');
  if (bytes > opts.maxPayloadBytes) {
    return err(
      makeError('PAYLOAD_TOO_LARGE', `payload is ${bytes} bytes; the limit is ${opts.maxPayloadBytes}`, {
        bytes,
        limit: opts.maxPayloadBytes,
      }),
    );
  }
  const priority = input.priority ?? 0;
  if (!isInt(priority, -1_000_000, 1_000_000)) return err(invalid('priority must be an integer in ±1e6'));
  if (input.runAt !== undefined && input.delayMs !== undefined) {
    return err(makeError('INVALID_DELAY', 'give either runAt or delayMs, not both'));
  }
  const delayMs = input.delayMs ?? 0;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    return err(makeError('INVALID_DELAY', `delayMs must be a finite number ≥ 0, got ${String(delayMs)}`));
  }
  const runAt = input.runAt ?? null;
  if (runAt !== null && (typeof runAt !== 'number' || !Number.isFinite(runAt) || runAt < 0)) {
    return err(makeError('INVALID_DELAY', `runAt must be a non-negative ms timestamp, got ${String(runAt)}`));
  }
  const dedupeKey = input.dedupeKey ?? null;
  if (
    dedupeKey !== null &&
    (typeof dedupeKey !== 'string' || dedupeKey.length < 1 || dedupeKey.length > 512)
  ) {
    return err(invalid('dedupeKey must be a string of 1–512 characters'));
  }
  const maxAttempts = input.maxAttempts ?? opts.defaultMaxAttempts;
  if (!isInt(maxAttempts, 1, 1000)) return err(invalid('maxAttempts must be an integer in 1…1000'));
  const actor = input.actor ?? 'system';
  if (typeof actor !== 'string' || actor.length === 0)
    return err(invalid('actor must be a non-empty string'));
  return ok({
    queue: q.value,
    payloadJson,
    priority,
    runAt: runAt === null ? null : Math.round(runAt),
    delayMs: Math.round(delayMs),
    dedupeKey,
    maxAttempts,
    actor,
  });
}

/** Validates claim arguments. Errors: INVALID_ARGUMENT. */
export function checkClaim(input: ClaimInput, opts: ResolvedOptions): Result<ClaimInput, QueueError> {
  const q = checkQueueName(input.queue);
  if (q.isErr()) return err(q.error);
  if (typeof input.workerId !== 'string' || input.workerId.length === 0 || input.workerId.length > 200) {
    return err(invalid('workerId must be a string of 1–200 characters'));
  }
  if (!isInt(input.n, 1, 1000)) return err(invalid('n must be an integer in 1…1000'));
  return checkLeaseMs(input.leaseMs, opts).map(() => input);
}

/** Validates a lease length against `maxLeaseMs` (the max-lease cap). Errors: INVALID_ARGUMENT. */
export function checkLeaseMs(leaseMs: unknown, opts: ResolvedOptions): Result<number, QueueError> {
  if (!isInt(leaseMs, 1, opts.maxLeaseMs)) {
    return err(invalid(`leaseMs must be an integer in 1…${opts.maxLeaseMs}`, { leaseMs: String(leaseMs) }));
  }
  return ok(leaseMs);
}

/** Validates a failure record. Errors: INVALID_ARGUMENT. */
export function checkTaskError(error: TaskError): Result<TaskError, QueueError> {
  if (!FAILURE_CLASSES.includes(error?.class as FailureClass)) {
    return err(invalid(`error.class must be one of ${FAILURE_CLASSES.join(', ')}`));
  }
  if (typeof error.message !== 'string') return err(invalid('error.message must be a string'));
  return ok({ class: error.class, message: error.message.slice(0, 4000) });
}

/** Validates list filters and fills the default limit. Errors: INVALID_ARGUMENT. */
export function checkListFilter(
  filter: ListFilter = {},
): Result<Required<Pick<ListFilter, 'limit'>> & ListFilter, QueueError> {
  const limit = filter.limit ?? 100;
  if (!isInt(limit, 1, 1000)) return err(invalid('limit must be an integer in 1…1000'));
  if (filter.state !== undefined && !TASK_STATES.includes(filter.state)) {
    return err(invalid(`state must be one of ${TASK_STATES.join(', ')}`));
  }
  if (filter.queue !== undefined) {
    const q = checkQueueName(filter.queue);
    if (q.isErr()) return err(q.error);
  }
  if (filter.since !== undefined && (!Number.isFinite(filter.since) || filter.since < 0)) {
    return err(invalid('since must be a non-negative ms timestamp'));
  }
  return ok({ ...filter, limit });
}

/** {@link PurgeInput} checked, with defaults: states both, no queue / since / limit (null). */
export interface CheckedPurge {
  readonly olderThanMs: number;
  readonly states: ReadonlyArray<'succeeded' | 'dead'>;
  readonly queue: string | null;
  readonly since: number | null;
  readonly limit: number | null;
}

/** Validates a purge request (shared by every backend). Errors: INVALID_ARGUMENT. */
export function checkPurgeInput(input: PurgeInput): Result<CheckedPurge, QueueError> {
  if (!Number.isFinite(input.olderThanMs) || input.olderThanMs < 0) {
    return err(invalid('olderThanMs must be a finite number ≥ 0'));
  }
  const states = input.states ?? ['succeeded', 'dead'];
  if (states.length === 0 || states.some((s) => s !== 'succeeded' && s !== 'dead')) {
    return err(invalid('states must be a non-empty subset of succeeded, dead'));
  }
  if (input.queue !== undefined) {
    const q = checkQueueName(input.queue);
    if (q.isErr()) return err(q.error);
  }
  if (input.since !== undefined && (!Number.isFinite(input.since) || input.since < 0)) {
    return err(invalid('since must be a non-negative ms timestamp'));
  }
  if (input.limit !== undefined && !isInt(input.limit, 1, Number.MAX_SAFE_INTEGER)) {
    return err(invalid('limit must be a positive integer'));
  }
  return ok({
    olderThanMs: Math.round(input.olderThanMs),
    states,
    queue: input.queue ?? null,
    since: input.since === undefined ? null : Math.round(input.since),
    limit: input.limit ?? null,
  });
}

/** Validates a stats filter. Errors: INVALID_ARGUMENT (queue name). */
export function checkStatsFilter(filter: StatsFilter = {}): Result<{ queue: string | null }, QueueError> {
  if (filter.queue === undefined) return ok({ queue: null });
  return checkQueueName(filter.queue).map((queue) => ({ queue }));
}

/**
 * What happens after a failed attempt: `dead` for validation/cancelled failures, non-retryable failures or
 * exhausted attempts; otherwise `retry` after `delayMs` = min(maxMs, baseMs·2^(attempt−1)) × uniform[0.5, 1)
 * ("equal jitter", AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 */
export function retryDecision(
  attempt: number,
  maxAttempts: number,
  failure: TaskError,
  retryable: boolean | undefined,
  opts: ResolvedOptions,
): { kind: 'dead' } | { kind: 'retry'; delayMs: number } {
  const classRetryable = failure.class === 'execution' || failure.class === 'timeout';
  if (retryable === false || !classRetryable || attempt >= maxAttempts) return { kind: 'dead' };
  // Equal jitter: min(maxMs, baseMs·2^(attempt−1)) × uniform[0.5, 1]. The PostgreSQL backend computes the
  // same formula in SQL (postgres/sql.ts, `fail`) with the same random draw.
  const delayMs = computeBackoff(
    attempt - 1,
    { baseMs: opts.backoffBaseMs, capMs: opts.backoffMaxMs, jitter: 'equal' },
    { random: opts.random },
  );
  return { kind: 'retry', delayMs };
}

/** Parses a stored payload; storage only ever holds what `normalizeEnqueue` produced. */
export function parsePayload(json: string): JsonValue {
  return JSON.parse(json) as JsonValue;
}

export function checkReason(reason: unknown): Result<string, QueueError> {
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 2000) {
    return err(invalid('reason must be a non-empty string of at most 2000 characters'));
  }
  return ok(reason);
}

/** Validates {@link ReleaseLeasesInput}: a reason and non-empty worker ids. */
export function checkRelease(input: ReleaseLeasesInput): Result<ReleaseLeasesInput, QueueError> {
  const r = checkReason(input.reason);
  if (r.isErr()) return err(r.error);
  if (!Array.isArray(input.workerIds) || input.workerIds.some((w) => typeof w !== 'string' || w === ''))
    return err(invalid('workerIds must be non-empty strings'));
  return ok(input);
}

export function checkDelay(delayMs: unknown): Result<number, QueueError> {
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    return err(makeError('INVALID_DELAY', `delayMs must be a finite number ≥ 0, got ${String(delayMs)}`));
  }
  return ok(Math.round(delayMs));
}
