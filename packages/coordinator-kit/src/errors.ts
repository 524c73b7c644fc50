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
 * - SESSION_SEAL_CONFLICT — a seal of that session and seq over another head hash is stored already: the log
 *   changed after it was sealed (details: sessionId, seq, sealed, now).
 * - SESSION_SEAL_STORE_IO — the session seal table cannot be read or written (details: path, cause or dbCode).
 * - SESSION_STORE_IO — the session store refused a read while verifying a session (details: storeCode).
 * - SPAWN_FAILED — a launcher could not start a child (details: key, workflowId, cause).
 * - BUDGET_EXHAUSTED — the pipeline's budget is spent; no child starts (details: limit, max, observed).
 * - AWAIT_TIMEOUT — children still ran when an await's time was up (details: pending keys, timeoutMs).
 * - AWAIT_CANCELLED — the await was aborted (the pipeline was cancelled).
 * - VERDICT_MISSING — a stage needed a typed artifact (`wr.review_verdict`, …) the child did not produce
 *   (details: key, sessionId, kind).
 * - VERDICT_INVALID — the artifact is there but malformed, or names findings outside the change (details:
 *   key, sessionId, kind, issues).
 * - PIPELINE_NOT_FOUND — no pipeline with that id (details: pipelineId).
 * - PIPELINE_INVALID — a definition is inconsistent (unknown next stage, no start) or stored state does
 *   not parse (details: pipelineId, issues).
 * - PIPELINE_ENDED — the pipeline already ended (details: pipelineId, status).
 * - PIPELINE_STORE_IO — the pipeline store's database failed (details: path, cause).
 */
import { makeError, type WorkTrainError } from '@worktrain/contracts';

export type CoordinatorErrorCode =
  | 'PROOF_NOT_FOUND'
  | 'PROOF_SEQ_CONFLICT'
  | 'PROOF_INVALID'
  | 'PROOF_STORE_IO'
  | 'SIGNING_KEY_IO'
  | 'SIGNING_KEY_INVALID'
  | 'SESSION_SEAL_CONFLICT'
  | 'SESSION_SEAL_STORE_IO'
  | 'SESSION_STORE_IO'
  | 'SPAWN_FAILED'
  | 'BUDGET_EXHAUSTED'
  | 'AWAIT_TIMEOUT'
  | 'AWAIT_CANCELLED'
  | 'VERDICT_MISSING'
  | 'VERDICT_INVALID'
  | 'PIPELINE_NOT_FOUND'
  | 'PIPELINE_INVALID'
  | 'PIPELINE_ENDED'
  | 'PIPELINE_STORE_IO';

export type CoordinatorError = WorkTrainError<CoordinatorErrorCode>;

/** Builds a {@link CoordinatorError}. */
export function coordinatorError(
  code: CoordinatorErrorCode,
  message: string,
  details?: Record<string, unknown>,
): CoordinatorError {
  return makeError(code, message, details);
}
