/**
 * Seals over a session's hash chain (issue #15), as pure functions. The session log (`@worktrain/session-store`)
 * is hash-chained, so an edit of one event shows — unless the editor recomputes every later hash too, which
 * anyone with write access to `worktrain.db` can. A seal is the daemon's Ed25519 signature over the chain's
 * head `(sessionId, seq, headHash)` when a session ends: a rewrite that re-hashes the chain changes the
 * hash at the sealed seq, and re-signing it needs the private key in `keys/signing/`.
 *
 * What a seal does not prove: that nothing was appended after it (later events are reported as unsealed),
 * that seals were not deleted (a session whose seals are gone reads as unsealed, like one that ended before
 * seals existed), or anything against someone who holds the private signing key (they can re-sign).
 */
import type { KeyObject } from 'node:crypto';
import type { SessionEvent } from '@worktrain/contracts';
import { verifyChain } from '@worktrain/session-store';
import * as z from 'zod';
import { HashSchema } from '../proof/schema.js';
import { verifySignature } from '../signing/keyring.js';

/** The head of a session's chain: the event at `seq` and its hash (`sha256:<hex>`). */
export interface SessionHead {
  readonly sessionId: string;
  /** Seq of the last event covered (1-based, as the session store numbers events). */
  readonly seq: number;
  readonly headHash: string;
}

/** One stored seal: the head it covers, the key that signed it and when (ISO 8601). */
export const SessionSealSchema = z.strictObject({
  sessionId: z.string().min(1).max(200),
  seq: z.number().int().positive(),
  headHash: HashSchema,
  alg: z.literal('Ed25519'),
  /** The signing key's id (RFC 7638 thumbprint, see `keyIdOf`); "kid" in `sessions verify`'s output. */
  keyId: z.string().min(1).max(100),
  /** base64url, 64 bytes decoded. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url Ed25519 signature'),
  /** When it was sealed. */
  at: z.string().datetime({ offset: true }),
});
export type SessionSeal = z.infer<typeof SessionSealSchema>;

/**
 * The bytes a session seal signs: `worktrain-session-seal:v1:<sessionId>:<seq>:<headHash>`. The prefix
 * separates it from a proof seal's message (`worktrain-proof-seal:v1:…`), so neither can stand for the other.
 */
export function sessionSealMessage(sessionId: string, seq: number, headHash: string): Buffer {
  return Buffer.from(`worktrain-session-seal:v1:${sessionId}:${seq}:${headHash}`, 'utf8');
}

/** The seal of `head`, signed by `sign` (a keyring's `sign`); `at` is an ISO 8601 time. */
export function signSessionHead(
  head: SessionHead,
  sign: (message: Buffer) => { keyId: string; signature: string },
  at: string,
): SessionSeal {
  const { keyId, signature } = sign(sessionSealMessage(head.sessionId, head.seq, head.headHash));
  return { ...pickHead(head), alg: 'Ed25519', keyId, signature, at };
}

function pickHead(head: SessionHead): SessionHead {
  return { sessionId: head.sessionId, seq: head.seq, headHash: head.headHash };
}

/** Why a seal fails. */
export type SessionSealProblemCode =
  | 'SCHEMA' // a stored seal does not parse
  | 'SESSION_ID' // the seal names another session
  | 'BEYOND_LOG' // the seal covers a seq the log does not have (events were removed)
  | 'CHAIN_BROKEN' // the chain is broken at or before the sealed seq
  | 'SEAL_HEAD' // the recomputed hash at the sealed seq differs: the log was rewritten and re-hashed
  | 'SEAL_UNKNOWN_KEY' // the seal names a key outside the trusted public keys
  | 'SEAL_SIGNATURE'; // the signature does not verify

export interface SessionSealProblem {
  readonly code: SessionSealProblemCode;
  /** The sealed seq concerned, when the seal parsed. */
  readonly seq?: number;
  readonly message: string;
}

/**
 * What {@link verifySessionSeals} found:
 * - `ok`: every stored seal verifies; `seq`/`keyId`/`headHash`/`at` are the highest one's, and
 *   `unsealedEvents` counts events appended after it (e.g. a session continued later).
 * - `none`: no seal is stored; `reason` says whether the session is still running or ended unsealed.
 * - `invalid`: at least one seal fails (`problems`); never outweighed by another valid seal.
 */
export type SessionSealVerification =
  | {
      readonly status: 'ok';
      readonly sessionId: string;
      readonly seq: number;
      readonly keyId: string;
      readonly headHash: string;
      readonly at: string;
      readonly seals: number;
      readonly unsealedEvents: number;
    }
  | {
      readonly status: 'none';
      readonly sessionId: string;
      readonly reason: 'running' | 'ended_unsealed';
      readonly message: string;
    }
  | {
      readonly status: 'invalid';
      readonly sessionId: string;
      readonly seals: number;
      readonly problems: readonly SessionSealProblem[];
    };

const ENDING_KINDS = new Set(['session_completed', 'session_aborted']);

/**
 * Verifies the stored `seals` of `sessionId` against its `events` (the whole log, in seq order, as read
 * from the session store) and the trusted `publicKeys` (by key id). For each seal: it parses and names
 * this session; the chain recomputed from the stored events is intact up to the sealed seq (`verifyChain`
 * of the session store: every hash recomputed, not read) and its hash there equals the sealed `headHash`;
 * the seal's key is trusted and its Ed25519 signature over {@link sessionSealMessage} verifies. Pure.
 */
export function verifySessionSeals(
  sessionId: string,
  events: readonly SessionEvent[],
  seals: readonly unknown[],
  publicKeys: ReadonlyMap<string, KeyObject>,
): SessionSealVerification {
  if (seals.length === 0) {
    const ended = events.some((e) => ENDING_KINDS.has(e.kind));
    return ended
      ? {
          status: 'none',
          sessionId,
          reason: 'ended_unsealed',
          message:
            'the session ended without a seal: it ended before seals existed, the daemon could not seal it (see its log), or its seals were removed',
        }
      : { status: 'none', sessionId, reason: 'running', message: 'the session has not ended yet' };
  }
  // The prefix of the log whose recomputed chain is intact: up to the first broken seq.
  const chain = verifyChain(sessionId, events);
  const intactThrough = chain.ok ? events.length : chain.brokenAtSeq - 1;
  const problems: SessionSealProblem[] = [];
  let best: SessionSeal | undefined;
  for (const raw of seals) {
    const parsed = SessionSealSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push({
        code: 'SCHEMA',
        message: `A seal is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
      });
      continue;
    }
    const s = parsed.data;
    const problem = checkSeal(s, sessionId, events, intactThrough, publicKeys);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    if (best === undefined || s.seq > best.seq) best = s;
  }
  if (problems.length > 0 || best === undefined)
    return { status: 'invalid', sessionId, seals: seals.length, problems };
  return {
    status: 'ok',
    sessionId,
    seq: best.seq,
    keyId: best.keyId,
    headHash: best.headHash,
    at: best.at,
    seals: seals.length,
    unsealedEvents: Math.max(0, events.length - best.seq),
  };
}

function checkSeal(
  s: SessionSeal,
  sessionId: string,
  events: readonly SessionEvent[],
  intactThrough: number,
  publicKeys: ReadonlyMap<string, KeyObject>,
): SessionSealProblem | undefined {
  const seq = s.seq;
  if (s.sessionId !== sessionId)
    return { code: 'SESSION_ID', seq, message: `The seal of seq ${seq} belongs to ${s.sessionId}.` };
  if (seq > events.length)
    return {
      code: 'BEYOND_LOG',
      seq,
      message: `The seal covers seq ${seq} but the log has ${events.length} events: events were removed.`,
    };
  if (seq > intactThrough)
    return {
      code: 'CHAIN_BROKEN',
      seq,
      message: `The hash chain is broken at seq ${intactThrough + 1}, inside the sealed part (through ${seq}).`,
    };
  // Intact through `seq`: the stored hash there equals the recomputed one.
  const recomputed = events[seq - 1]?.hash;
  if (recomputed !== s.headHash)
    return {
      code: 'SEAL_HEAD',
      seq,
      message: `The recomputed chain head at seq ${seq} differs from the sealed one: the log was rewritten and re-hashed.`,
    };
  const key = publicKeys.get(s.keyId);
  if (key === undefined)
    return {
      code: 'SEAL_UNKNOWN_KEY',
      seq,
      message: `The seal of seq ${seq} names key ${s.keyId}, which is not among the trusted public keys.`,
    };
  if (!verifySignature(key, sessionSealMessage(s.sessionId, seq, s.headHash), s.signature))
    return { code: 'SEAL_SIGNATURE', seq, message: `The signature of the seal of seq ${seq} is invalid.` };
  return undefined;
}
