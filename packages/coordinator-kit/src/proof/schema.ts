/**
 * The proof record of one change (DESIGN §9): an append-only, hash-chained list of what each gate saw and
 * decided, sealed by Ed25519 signatures over its head. Gates pass on evidence the runtime gathered itself
 * (a command it ran, the forge's CI status for a head SHA, the diff's scope, a review session's verdict),
 * never on an agent's claim, so every piece of evidence carries the hash of its canonical data and verify
 * recomputes it.
 *
 * Hashes are `sha256:<hex>` of the RFC 8785 canonical JSON (`canonicalHash` of `@worktrain/contracts`).
 */
import { JsonObjectSchema } from '@worktrain/contracts';
import * as z from 'zod';

/** `sha256:` and 64 lower-case hex digits. */
export const HashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a sha256:<64 hex> hash');

/** What a piece of evidence is; `other` for kinds a custom gate adds (named in `data.kind`). */
export const EvidenceKindSchema = z.enum([
  'command', // a command the runtime ran in a sandbox: argv, exit code, counts, output hash
  'ci_status', // the forge's check runs and commit statuses for a head SHA
  'diff_scope', // files changed against the declared scope; the patch validator's verdict
  'review_verdict', // a review session's typed verdict, with that session's id
  'approval', // a person's approval or rejection, from the approvals store
  'merge', // the forge's answer to the merge call
  'other',
]);
export type EvidenceKind = z.infer<typeof EvidenceKindSchema>;

/** One piece of evidence: its data and the hash of that data's canonical form. */
export const EvidenceSchema = z.strictObject({
  kind: EvidenceKindSchema,
  data: JsonObjectSchema,
  hash: HashSchema,
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** pass and fail are a gate's outcome; escalate sends it to a person; info records without deciding. */
export const ProofVerdictSchema = z.enum(['pass', 'fail', 'escalate', 'info']);
export type ProofVerdict = z.infer<typeof ProofVerdictSchema>;

/** Who decided: the runtime's own check, a session (by id), a person (by login), or the policy file. */
export const ProofActorSchema = z.strictObject({
  kind: z.enum(['runtime', 'session', 'person', 'policy']),
  id: z.string().min(1).max(200),
});
export type ProofActor = z.infer<typeof ProofActorSchema>;

/** What the record is about: the change (repository, branch, PR/MR when opened) and its pipeline. */
export const ProofSubjectSchema = z.strictObject({
  repo: z.string().min(1).max(500),
  branch: z.string().min(1).max(500),
  pullRequestUrl: z.string().url().max(2000).optional(),
  pipelineId: z.string().min(1).max(200).optional(),
  sessionId: z.string().min(1).max(200).optional(),
});
export type ProofSubject = z.infer<typeof ProofSubjectSchema>;

/** One entry of the chain. `hash` covers every other field; `prevHash` is the previous entry's hash. */
export const ProofEntrySchema = z.strictObject({
  v: z.literal(1),
  proofId: z.string().min(1).max(200),
  /** 0 for the first entry (`gate: "opened"`), then +1 per entry. */
  seq: z.number().int().nonnegative(),
  /** The gate's name: `opened`, `tests`, `ci`, `review`, `diff_scope`, `merge_gate`, `merge`, … */
  gate: z.string().min(1).max(100),
  verdict: ProofVerdictSchema,
  evidence: z.array(EvidenceSchema).max(100),
  actor: ProofActorSchema,
  /** The subject, on the first entry only (later entries may update `pullRequestUrl` through `note`). */
  subject: ProofSubjectSchema.optional(),
  /** A short human-readable line for the PR body and `worktrain verify`. */
  note: z.string().max(2000).optional(),
  /** ISO 8601 time the runtime recorded it. */
  at: z.string().datetime({ offset: true }),
  prevHash: HashSchema.nullable(),
  hash: HashSchema,
});
export type ProofEntry = z.infer<typeof ProofEntrySchema>;

/** What a caller appends: the entry without the fields the chain computes. */
export interface ProofEntryInput {
  readonly gate: string;
  readonly verdict: ProofVerdict;
  /** Evidence data; the hashes are computed on append. */
  readonly evidence?: readonly {
    readonly kind: EvidenceKind;
    readonly data: z.infer<typeof JsonObjectSchema>;
  }[];
  readonly actor: ProofActor;
  readonly subject?: ProofSubject;
  readonly note?: string;
}

/**
 * A signature over the record's head: Ed25519 (RFC 8032) over the UTF-8 bytes of
 * `worktrain-proof-seal:v1:<proofId>:<seq>:<headHash>`. The key id is the key's RFC 7638 JWK thumbprint.
 */
export const ProofSealSchema = z.strictObject({
  proofId: z.string().min(1).max(200),
  seq: z.number().int().nonnegative(),
  headHash: HashSchema,
  alg: z.literal('Ed25519'),
  keyId: z.string().min(1).max(100),
  /** base64url, 64 bytes decoded. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url Ed25519 signature'),
  at: z.string().datetime({ offset: true }),
});
export type ProofSeal = z.infer<typeof ProofSealSchema>;

/** The bytes a seal signs (see {@link ProofSealSchema}). */
export function sealMessage(proofId: string, seq: number, headHash: string): Buffer {
  return Buffer.from(`worktrain-proof-seal:v1:${proofId}:${seq}:${headHash}`, 'utf8');
}
