/**
 * The proof record's chain, as pure functions: building the next entry and verifying a whole record
 * (entries and seals) against a set of public keys. Stores call {@link nextProofEntry}; `worktrain verify`
 * calls {@link verifyProof}.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalHash, type JsonObject } from '@worktrain/contracts';
import { verifySignature } from '../signing/keyring.js';
import {
  type Evidence,
  type EvidenceKind,
  type ProofEntry,
  type ProofEntryInput,
  ProofEntrySchema,
  type ProofSeal,
  ProofSealSchema,
  sealMessage,
} from './schema.js';

/** A piece of evidence with its hash computed. */
export function evidence(kind: EvidenceKind, data: JsonObject): Evidence {
  return { kind, data, hash: canonicalHash(data) };
}

/** The hash of an entry: the canonical hash of every field but `hash`. */
export function proofEntryHash(entry: Omit<ProofEntry, 'hash'>): string {
  return canonicalHash(entry);
}

/**
 * The entry that follows `previous` (undefined for the first, which must be gate `opened` with a subject).
 * `at` is an ISO 8601 time. Pure; the store checks `previous` is the head.
 */
export function nextProofEntry(
  proofId: string,
  previous: ProofEntry | undefined,
  input: ProofEntryInput,
  at: string,
): ProofEntry {
  const body: Omit<ProofEntry, 'hash'> = {
    v: 1,
    proofId,
    seq: previous === undefined ? 0 : previous.seq + 1,
    gate: input.gate,
    verdict: input.verdict,
    evidence: (input.evidence ?? []).map((e) => evidence(e.kind, e.data)),
    actor: { ...input.actor },
    ...(input.subject === undefined ? {} : { subject: { ...input.subject } }),
    ...(input.note === undefined ? {} : { note: input.note }),
    at,
    prevHash: previous?.hash ?? null,
  };
  return { ...body, hash: proofEntryHash(body) };
}

/** The seal of `head`, signed by `sign` (a keyring's). */
export function sealProof(
  head: ProofEntry,
  sign: (message: Buffer) => { keyId: string; signature: string },
  at: string,
): ProofSeal {
  const { keyId, signature } = sign(sealMessage(head.proofId, head.seq, head.hash));
  return { proofId: head.proofId, seq: head.seq, headHash: head.hash, alg: 'Ed25519', keyId, signature, at };
}

/** Why a record fails verification. */
export type ProofProblemCode =
  | 'EMPTY'
  | 'SCHEMA'
  | 'PROOF_ID'
  | 'SEQ'
  | 'FIRST_ENTRY'
  | 'PREV_HASH'
  | 'ENTRY_HASH'
  | 'EVIDENCE_HASH'
  | 'NO_SEAL'
  | 'SEAL_HEAD'
  | 'SEAL_UNKNOWN_KEY'
  | 'SEAL_SIGNATURE'
  | 'UNSEALED_TAIL';

export interface ProofProblem {
  readonly code: ProofProblemCode;
  /** The entry (or the sealed entry) concerned, when one is. */
  readonly seq?: number;
  readonly message: string;
}

/** What {@link verifyProof} found. `ok` only when there is no problem. */
export interface ProofVerification {
  readonly ok: boolean;
  readonly proofId: string;
  readonly entries: number;
  /** The highest seq a valid seal covers, or null. */
  readonly sealedThrough: number | null;
  /** Key ids of the valid seals. */
  readonly keyIds: readonly string[];
  readonly problems: readonly ProofProblem[];
}

/**
 * Verifies a record: every entry parses, belongs to `proofId`, follows the previous one (seq, prevHash),
 * hashes to its `hash`, and each evidence hash matches its data; the first entry is gate `opened` with a
 * subject; the last entry is covered by a seal whose signature verifies with one of `publicKeys` (by key
 * id). Seals that name a key outside `publicKeys` or fail to verify are problems even when another seal is
 * valid: an invalid signature is never ignored.
 */
export function verifyProof(
  proofId: string,
  entries: readonly unknown[],
  seals: readonly unknown[],
  publicKeys: ReadonlyMap<string, KeyObject>,
): ProofVerification {
  const problems: ProofProblem[] = [];
  const parsed: ProofEntry[] = [];
  if (entries.length === 0)
    problems.push({ code: 'EMPTY', message: `Proof record ${proofId} has no entries.` });
  for (const [i, raw] of entries.entries()) {
    const r = ProofEntrySchema.safeParse(raw);
    if (!r.success) {
      problems.push({
        code: 'SCHEMA',
        seq: i,
        message: `Entry ${i} is malformed: ${r.error.issues[0]?.message ?? ''}`,
      });
      continue;
    }
    const e = r.data;
    const previous = parsed.at(-1);
    if (e.proofId !== proofId)
      problems.push({ code: 'PROOF_ID', seq: e.seq, message: `Entry ${e.seq} belongs to ${e.proofId}.` });
    if (e.seq !== i) problems.push({ code: 'SEQ', seq: e.seq, message: `Entry ${i} has seq ${e.seq}.` });
    if (i === 0 && (e.gate !== 'opened' || e.subject === undefined || e.prevHash !== null))
      problems.push({
        code: 'FIRST_ENTRY',
        seq: 0,
        message: 'The first entry must be gate "opened" with a subject.',
      });
    if (i > 0 && e.prevHash !== (previous?.hash ?? null))
      problems.push({
        code: 'PREV_HASH',
        seq: e.seq,
        message: `Entry ${e.seq} does not follow entry ${i - 1}.`,
      });
    const { hash, ...body } = e;
    if (proofEntryHash(body) !== hash)
      problems.push({
        code: 'ENTRY_HASH',
        seq: e.seq,
        message: `Entry ${e.seq} was changed after it was written.`,
      });
    for (const [j, ev] of e.evidence.entries())
      if (canonicalHash(ev.data) !== ev.hash)
        problems.push({
          code: 'EVIDENCE_HASH',
          seq: e.seq,
          message: `Evidence ${j} (${ev.kind}) of entry ${e.seq} does not match its hash.`,
        });
    parsed.push(e);
  }
  let sealedThrough: number | null = null;
  const keyIds = new Set<string>();
  for (const raw of seals) {
    const r = ProofSealSchema.safeParse(raw);
    if (!r.success) {
      problems.push({ code: 'SCHEMA', message: `A seal is malformed: ${r.error.issues[0]?.message ?? ''}` });
      continue;
    }
    const s = r.data;
    const sealed = parsed.find((e) => e.seq === s.seq);
    if (s.proofId !== proofId || sealed === undefined || sealed.hash !== s.headHash) {
      problems.push({
        code: 'SEAL_HEAD',
        seq: s.seq,
        message: `The seal of entry ${s.seq} does not match that entry.`,
      });
      continue;
    }
    const key = publicKeys.get(s.keyId);
    if (key === undefined) {
      problems.push({
        code: 'SEAL_UNKNOWN_KEY',
        seq: s.seq,
        message: `The seal of entry ${s.seq} names key ${s.keyId}, which is not among the trusted public keys.`,
      });
      continue;
    }
    if (!verifySignature(key, sealMessage(s.proofId, s.seq, s.headHash), s.signature)) {
      problems.push({
        code: 'SEAL_SIGNATURE',
        seq: s.seq,
        message: `The signature of entry ${s.seq}'s seal is invalid.`,
      });
      continue;
    }
    keyIds.add(s.keyId);
    sealedThrough = Math.max(sealedThrough ?? -1, s.seq);
  }
  const last = parsed.at(-1);
  if (last !== undefined && sealedThrough === null)
    problems.push({ code: 'NO_SEAL', message: `Proof record ${proofId} has no valid seal.` });
  else if (last !== undefined && sealedThrough !== null && sealedThrough < last.seq)
    problems.push({
      code: 'UNSEALED_TAIL',
      seq: last.seq,
      message: `Entries ${sealedThrough + 1}..${last.seq} are not covered by a seal.`,
    });
  return {
    ok: problems.length === 0,
    proofId,
    entries: entries.length,
    sealedThrough,
    keyIds: [...keyIds],
    problems,
  };
}
