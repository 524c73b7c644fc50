import { makeError, type WorkTrainError } from '@worktrain/contracts';

/**
 * Error codes of the CLI. Closed union; package errors are mapped onto these at the command boundary
 * (the package's own code is kept in `details.cause` when it adds information).
 * - USAGE: bad command line (unknown command/option, missing or malformed argument). Exit code 2.
 * - FILE_NOT_FOUND / FILE_UNREADABLE: a file named on the command line cannot be read.
 * - WORKFLOW_NOT_FOUND / WORKFLOW_INVALID: from the workflow registry or the compiler.
 * - SESSION_NOT_FOUND: no session with that id (or no database yet).
 * - STORE_ERROR: the session database cannot be opened or read (`details.storeCode`).
 * - ENGINE_ERROR: any other engine error (`details.engineCode`).
 * - TRIGGER_CONFIG_INVALID / TRIGGER_NOT_FOUND / TRIGGER_ERROR: from `@worktrain/triggers` (`details.triggerCode`).
 * - TASK_NOT_FOUND: no queue task with that id (or no database yet).
 * - QUEUE_ERROR: any other `@worktrain/queue` error (`details.queueCode`: NOT_A_WORKTRAIN_DATABASE,
 *   INVALID_STATE, INVALID_ARGUMENT, STORE_UNAVAILABLE, STORE_IO, …).
 * - APPROVAL_NOT_FOUND: no approval request with that id (or no database yet).
 * - APPROVAL_ERROR: any other `@worktrain/delivery` approval error (`details.approvalCode`: ALREADY_DECIDED,
 *   NOT_A_WORKTRAIN_DATABASE, STORE_IO, …).
 * - DAEMON_UNREACHABLE: no daemon answers at the resolved URL (or it never started: no token).
 * - DAEMON_ERROR: the daemon (or the in-process runtime) refused or failed (`details.daemonCode`).
 * - WORKSPACE_ERROR: a `@worktrain/workspace` operation failed (`details.workspaceCode`).
 * - PROOF_NOT_FOUND: no proof record matches `verify`'s target (`details.target`).
 * - PROOF_ERROR: the proof store, the session seal table or the signing keys failed (`details.proofCode`).
 * - PIPELINE_NOT_FOUND: the daemon has no pipeline with that id (its API answered 404 PIPELINE_NOT_FOUND).
 * - INTERNAL: an unexpected exception (a bug); printed without a stack trace unless WORKTRAIN_DEBUG=1.
 */
export type CliErrorCode =
  | 'USAGE'
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'WORKFLOW_NOT_FOUND'
  | 'WORKFLOW_INVALID'
  | 'SESSION_NOT_FOUND'
  | 'STORE_ERROR'
  | 'ENGINE_ERROR'
  | 'TRIGGER_CONFIG_INVALID'
  | 'TRIGGER_NOT_FOUND'
  | 'TRIGGER_ERROR'
  | 'TASK_NOT_FOUND'
  | 'QUEUE_ERROR'
  | 'APPROVAL_NOT_FOUND'
  | 'APPROVAL_ERROR'
  | 'DAEMON_UNREACHABLE'
  | 'DAEMON_ERROR'
  | 'WORKSPACE_ERROR'
  | 'DELIVERY_ERROR'
  | 'CONFIG_INVALID'
  | 'SANDBOX_UNAVAILABLE'
  | 'PROOF_NOT_FOUND'
  | 'PROOF_ERROR'
  | 'PIPELINE_NOT_FOUND'
  | 'INTERNAL';

export type CliError = WorkTrainError<CliErrorCode>;

/**
 * Process exit codes: 0 success, 1 failure, 2 usage error — for every command but `sandbox exec`, which
 * exits with the sandboxed command's own code (0-255), as `env`, `timeout` or `docker run` do.
 */
export type ExitCode = number;

export function cliError(code: CliErrorCode, message: string, details?: Record<string, unknown>): CliError {
  return makeError(code, message, details);
}

export function usageError(message: string, details?: Record<string, unknown>): CliError {
  return makeError('USAGE', message, details);
}

/** Exit code for an error: 2 for usage errors, 1 for everything else. */
export function exitCodeOf(error: CliError): ExitCode {
  return error.code === 'USAGE' ? 2 : 1;
}
