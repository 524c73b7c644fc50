import type { IdGenerator, NewSessionEvent, Result, SessionEvent } from '@worktrain/contracts';
import {
  canonicalJson,
  err,
  GENESIS_HASH,
  jsonDepth,
  NewSessionEventSchema,
  ok,
  SESSION_EVENT_VERSION,
  utf8Bytes,
} from '@worktrain/contracts';
import * as z from 'zod';
import { storeError } from './errors.js';
import { batchDigestWithCanonicalData, eventHashWithCanonicalData } from './event-hash.js';
import type { AppendInput, SessionStoreError } from './port.js';

/** Default cap on one event's serialised size (kind + data JSON, UTF-8 bytes): 1 MiB. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
/** Deeper JSON than this is rejected before schema validation (keeps hostile input off the stack). */
export const MAX_EVENT_DEPTH = 128;
/** Most events one append may carry. */
export const MAX_BATCH_EVENTS = 10_000;

const AppendEnvelopeSchema = z.object({
  sessionId: z
    .string()
    .min(1)
    .max(128)
    .refine((id) => id !== '*', "'*' is reserved for subscribe-to-all"),
  expectedSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  idempotencyKey: z.string().min(1).max(256).optional(),
  events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS),
});

/**
 * True when `input` certainly passes {@link AppendEnvelopeSchema} (same rules, checked by hand: the common
 * case skips zod's object and array copies). Anything else goes through the schema, which gives the same
 * accept/reject decision and the error details, so bad input is rejected exactly as before.
 */
function isPlainValidEnvelope(input: AppendInput): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const { sessionId, expectedSeq, idempotencyKey, events } = input;
  return (
    typeof sessionId === 'string' &&
    sessionId.length >= 1 &&
    sessionId.length <= 128 &&
    sessionId !== '*' &&
    Number.isSafeInteger(expectedSeq) &&
    expectedSeq >= 0 &&
    (idempotencyKey === undefined ||
      (typeof idempotencyKey === 'string' && idempotencyKey.length >= 1 && idempotencyKey.length <= 256)) &&
    Array.isArray(events) &&
    events.length >= 1 &&
    events.length <= MAX_BATCH_EVENTS
  );
}

/** One validated event of a batch, with its data already serialised (what is stored and hashed). */
export interface PreparedEvent {
  readonly kind: NewSessionEvent['kind'];
  /** JSON text of `data` (as stored). */
  readonly dataJson: string;
  /** `dataJson` parsed back: the normalised data (no undefined, no unknown keys) that is hashed and returned. */
  readonly data: unknown;
  /** RFC 8785 canonical JSON of `data`, computed once for the event hash and the batch digest. */
  readonly canonicalData: string;
}

/** A validated append, before the store looks at the session's current state. */
export interface PreparedAppend {
  readonly sessionId: string;
  readonly expectedSeq: number;
  readonly idempotencyKey: string | null;
  readonly events: readonly PreparedEvent[];
  /**
   * {@link batchDigest} of the normalised events, compared on idempotent replay; null when the append has
   * no idempotency key (nothing to compare it with, so it is not computed).
   */
  readonly digest: string | null;
}

/**
 * Validates an append input without touching storage: envelope (sessionId 1–128 chars, expectedSeq a
 * non-negative integer, idempotencyKey 1–256 chars, 1–10 000 events), each event's JSON depth
 * (≤ {@link MAX_EVENT_DEPTH}), schema (`NewSessionEventSchema`) and size (`maxEventBytes`, UTF-8 bytes of
 * kind + data JSON). Errors: INVALID_EVENT (details: index — null for the envelope — and zod issues),
 * EVENT_TOO_LARGE (details: index, bytes, limit).
 */
export function prepareAppend(
  input: AppendInput,
  maxEventBytes: number,
): Result<PreparedAppend, SessionStoreError> {
  const envelope = isPlainValidEnvelope(input)
    ? { success: true as const, data: input }
    : AppendEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    return err(
      storeError(
        'INVALID_EVENT',
        `Invalid append input: ${envelope.error.issues[0]?.message ?? 'bad shape'}`,
        {
          index: null,
          issues: envelope.error.issues,
        },
      ),
    );
  }
  const events: PreparedEvent[] = [];
  for (let index = 0; index < envelope.data.events.length; index++) {
    const raw = envelope.data.events[index];
    const depth = jsonDepth(raw, MAX_EVENT_DEPTH + 2);
    if (depth > MAX_EVENT_DEPTH + 2) {
      return err(
        storeError('INVALID_EVENT', `Event ${index} is nested deeper than ${MAX_EVENT_DEPTH} levels`, {
          index,
          issues: [{ code: 'too_deep', path: [], message: `nesting depth exceeds ${MAX_EVENT_DEPTH}` }],
        }),
      );
    }
    const parsed = NewSessionEventSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first === undefined ? '' : ` at ${first.path.join('.') || '(root)'}: ${first.message}`;
      return err(
        storeError('INVALID_EVENT', `Event ${index} does not match its schema${where}`, {
          index,
          issues: parsed.error.issues,
        }),
      );
    }
    const dataJson = JSON.stringify(parsed.data.data);
    const bytes = utf8Bytes(dataJson) + utf8Bytes(parsed.data.kind);
    if (bytes > maxEventBytes) {
      return err(
        storeError(
          'EVENT_TOO_LARGE',
          `Event ${index} is ${bytes} bytes; the limit is ${maxEventBytes} bytes`,
          {
            index,
            bytes,
            limit: maxEventBytes,
          },
        ),
      );
    }
    const data: unknown = JSON.parse(dataJson);
    events.push({ kind: parsed.data.kind, dataJson, data, canonicalData: canonicalJson(data) });
  }
  const idempotencyKey = envelope.data.idempotencyKey ?? null;
  return ok({
    sessionId: envelope.data.sessionId,
    expectedSeq: envelope.data.expectedSeq,
    idempotencyKey,
    events,
    digest: idempotencyKey === null ? null : batchDigestWithCanonicalData(events),
  });
}

/** The session's current end of log, as read inside the append's transaction (null = no such session). */
export interface SessionHead {
  readonly lastSeq: number;
  readonly lastHash: string;
}

/**
 * Checks a prepared append against the session's head and builds the stored events (envelope, hash chain).
 * Errors: SESSION_NOT_FOUND (expectedSeq > 0 for a session with no events), SESSION_EXISTS (expectedSeq 0
 * for an existing session), SEQ_CONFLICT (details: expected, actual), INVALID_EVENT (a new session must
 * start with `session_created`, and `session_created` may appear only as seq 1).
 */
export function buildEvents(
  prepared: PreparedAppend,
  head: SessionHead | null,
  at: number,
  ids: IdGenerator,
): Result<SessionEvent[], SessionStoreError> {
  const { sessionId, expectedSeq } = prepared;
  if (head === null && expectedSeq > 0) {
    return err(
      storeError('SESSION_NOT_FOUND', `Session ${sessionId} has no events (expectedSeq ${expectedSeq})`, {
        sessionId,
        expected: expectedSeq,
        actual: 0,
      }),
    );
  }
  if (head !== null && expectedSeq === 0) {
    return err(
      storeError('SESSION_EXISTS', `Session ${sessionId} already exists (last seq ${head.lastSeq})`, {
        sessionId,
        actual: head.lastSeq,
      }),
    );
  }
  if (head !== null && head.lastSeq !== expectedSeq) {
    return err(
      storeError(
        'SEQ_CONFLICT',
        `Session ${sessionId} is at seq ${head.lastSeq}, not ${expectedSeq}: another writer appended; re-read and retry`,
        { sessionId, expected: expectedSeq, actual: head.lastSeq },
      ),
    );
  }
  const firstSeq = (head?.lastSeq ?? 0) + 1;
  const out: SessionEvent[] = [];
  let prevHash = head?.lastHash ?? GENESIS_HASH;
  for (let i = 0; i < prepared.events.length; i++) {
    const { kind, data, canonicalData } = prepared.events[i]!;
    const seq = firstSeq + i;
    if ((kind === 'session_created') !== (seq === 1)) {
      const message =
        seq === 1
          ? `The first event of session ${sessionId} must be session_created, not ${kind}`
          : `session_created may only be the first event of a session (event ${i} would be seq ${seq})`;
      return err(storeError('INVALID_EVENT', message, { index: i, issues: [] }));
    }
    const event = {
      v: SESSION_EVENT_VERSION,
      sessionId,
      seq,
      eventId: ids.next('event'),
      at: Math.floor(at),
      kind,
      data,
      idempotencyKey: prepared.idempotencyKey,
      prevHash,
      hash: '',
    };
    // The hash covers every field but itself (eventHashWithCanonicalData reads only those).
    event.hash = eventHashWithCanonicalData(event as Omit<SessionEvent, 'hash'>, canonicalData);
    out.push(event as SessionEvent);
    prevHash = event.hash;
  }
  return ok(out);
}
