/**
 * `worktrain verify <pr-url | session-id | pipeline-id | proof-id>`: finds the proof records of a change
 * and verifies each (chain, evidence hashes, seals) against trusted public keys — the ones pinned by the
 * caller (`--public-key`, from `worktrain keys export`) or else the ring in `keys/signing/`; for a session
 * id, also the session's own log (hash chain and chain-head seals). Read-only: the database is opened
 * read-only and no key is created.
 */
import type { KeyObject } from 'node:crypto';
import { err, ok, type Result } from '@worktrain/contracts';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import { type SessionLogVerification, trustedKeyMap, verifySession } from '../session-seal/verify-session.js';
import { type ProofVerification, verifyProof } from './chain.js';
import type { ProofEntry } from './schema.js';
import { openSqliteProofStore } from './sqlite-store.js';

/** Options of {@link verifyChange}. */
export interface VerifyChangeOptions {
  /** `$WORKTRAIN_HOME/worktrain.db`. */
  readonly databasePath: string;
  /** `$WORKTRAIN_HOME/keys/signing`; used when `trustedKeys` is absent. */
  readonly signingKeysDir: string;
  /** A PR/MR URL, a session id, a pipeline id or a proof id. */
  readonly target: string;
  /** Pinned public keys; when given, the ring on disk is not trusted. */
  readonly trustedKeys?: readonly KeyObject[];
}

/** One record's verification with what it says, for display. */
export interface VerifiedProof extends ProofVerification {
  readonly gates: readonly Pick<ProofEntry, 'seq' | 'gate' | 'verdict' | 'actor' | 'at' | 'note'>[];
}

/** What `verify` prints. `ok` when every record found verifies. */
export interface VerifyChangeReport {
  readonly target: string;
  readonly ok: boolean;
  readonly keySource: 'pinned' | 'ring';
  readonly proofs: readonly VerifiedProof[];
  /** The session's own log when the target is a session id (chain and seals), else absent. */
  readonly session?: SessionLogVerification;
}

/**
 * Verifies every proof record of the target and, for a session id, the session's log. `ok` when all pass.
 * Errors: PROOF_NOT_FOUND (nothing matches the target), PROOF_STORE_IO, SESSION_STORE_IO,
 * SESSION_SEAL_STORE_IO, SIGNING_KEY_IO, SIGNING_KEY_INVALID.
 */
export async function verifyChange(
  options: VerifyChangeOptions,
): Promise<Result<VerifyChangeReport, CoordinatorError>> {
  const { target } = options;
  const session = /^https?:\/\//.test(target) ? ok(null) : await verifySession(target, options);
  if (session.isErr()) return err(session.error);
  const proofs = verifyProofs(options);
  if (proofs.isErr()) {
    if (proofs.error.code !== 'PROOF_NOT_FOUND' || session.value === null) return err(proofs.error);
    return ok({
      target,
      ok: session.value.ok,
      keySource: keySourceOf(options),
      proofs: [],
      session: session.value,
    });
  }
  if (session.value === null) return proofs;
  return ok({ ...proofs.value, ok: proofs.value.ok && session.value.ok, session: session.value });
}

const keySourceOf = (options: VerifyChangeOptions): 'pinned' | 'ring' =>
  options.trustedKeys === undefined ? 'ring' : 'pinned';

function verifyProofs(options: VerifyChangeOptions): Result<VerifyChangeReport, CoordinatorError> {
  const { target } = options;
  const trusted = trustedKeyMap(options);
  if (trusted.isErr()) return err(trusted.error);
  const keys = trusted.value;
  const opened = openSqliteProofStore({ path: options.databasePath, readOnly: true });
  if (opened.isErr()) {
    if (opened.error.details?.dbCode === 'DATABASE_MISSING')
      return err(
        coordinatorError('PROOF_NOT_FOUND', `No proof record for ${target}: there is no database yet.`, {
          target,
        }),
      );
    return err(opened.error);
  }
  const store = opened.value;
  try {
    const lookups = /^https?:\/\//.test(target)
      ? [store.find({ pullRequestUrl: target })]
      : [store.find({ sessionId: target }), store.find({ pipelineId: target })];
    const ids = new Set<string>();
    for (const found of lookups) {
      if (found.isErr()) return err(found.error);
      for (const id of found.value) ids.add(id);
    }
    if (ids.size === 0 && store.read(target).isOk()) ids.add(target);
    if (ids.size === 0)
      return err(coordinatorError('PROOF_NOT_FOUND', `No proof record for ${target}.`, { target }));
    const proofs: VerifiedProof[] = [];
    for (const id of ids) {
      const read = store.read(id);
      if (read.isErr()) return err(read.error);
      const report = verifyProof(id, read.value.entries, read.value.seals, keys);
      proofs.push({
        ...report,
        gates: read.value.entries.map((e) => ({
          seq: e.seq,
          gate: e.gate,
          verdict: e.verdict,
          actor: e.actor,
          at: e.at,
          ...(e.note === undefined ? {} : { note: e.note }),
        })),
      });
    }
    return ok({
      target,
      ok: proofs.every((p) => p.ok),
      keySource: keySourceOf(options),
      proofs,
    });
  } finally {
    store.close();
  }
}
