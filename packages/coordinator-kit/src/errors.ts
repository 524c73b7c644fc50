/**
 * The one error type of `@worktrain/coordinator-kit`: `{ code, message, details }` with a closed code union.
 *
 * - PROOF_NOT_FOUND — no proof record with that id (details: proofId).
 * - PROOF_SEQ_CONFLICT — an append expected another head (details: proofId, expected, actual).
 * - PROOF_INVALID — an entry or seal does not match its schema, or a stored record fails to parse
 *   (details: proofId, issues).
 * - PROOF_STORE_IO — the database refused a read or write (details: path, cause).
 * - SIGNING_KEY_IO — the signing key folder or a key file cannot be read or written (details: path, cause).
 * - SIGNING_KEY_INVALID — a key file is not an Ed25519 key in PEM, or the pointer names a missing key
 *   (details: path).
 */
import { makeError, type WorkTrainError } from '@worktrain/contracts';

export type CoordinatorErrorCode =
  | 'PROOF_NOT_FOUND'
  | 'PROOF_SEQ_CONFLICT'
  | 'PROOF_INVALID'
  | 'PROOF_STORE_IO'
  | 'SIGNING_KEY_IO'
  | 'SIGNING_KEY_INVALID';

export type CoordinatorError = WorkTrainError<CoordinatorErrorCode>;

/** Builds a {@link CoordinatorError}. */
export function coordinatorError(
  code: CoordinatorErrorCode,
  message: string,
  details?: Record<string, unknown>,
): CoordinatorError {
  return makeError(code, message, details);
}
