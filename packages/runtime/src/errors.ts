import { makeError, type WorkTrainError } from '@worktrain/contracts';

/**
 * Error codes of `@worktrain/runtime` (closed union).
 * - CONFIG_*: see `loadRuntimeConfig`.
 * - HOME_UNUSABLE: the data directory or the daemon token cannot be created.
 * - STORE_OPEN_FAILED / QUEUE_OPEN_FAILED / TRIGGERS_FAILED / KEYRING_FAILED / MODEL_FAILED: a component
 *   could not be built (the cause's code is in `details`).
 * - LISTEN_FAILED: the HTTP server could not bind (port in use, bad host).
 * - SESSION_NOT_FOUND / TASK_NOT_FOUND / PIPELINE_NOT_FOUND: unknown id.
 * - SESSION_NOT_RUNNING: steer to a session no worker is running.
 * - INVALID_STATE: the operation does not apply to the session or task in its state.
 * - PAYLOAD_INVALID: a task payload that is neither a trigger candidate nor a dispatch.
 * - APPROVAL_NOT_FOUND: no approval request with that id.
 * - INTERNAL: a failure of a component (queue, store, engine) with its error in `details`.
 */
export type RuntimeErrorCode =
  | 'CONFIG_READ'
  | 'CONFIG_YAML'
  | 'CONFIG_INVALID'
  | 'HOME_UNUSABLE'
  | 'STORE_OPEN_FAILED'
  | 'QUEUE_OPEN_FAILED'
  | 'TRIGGERS_FAILED'
  | 'KEYRING_FAILED'
  | 'MODEL_FAILED'
  | 'LISTEN_FAILED'
  | 'SESSION_NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'PIPELINE_NOT_FOUND'
  | 'SESSION_NOT_RUNNING'
  | 'INVALID_STATE'
  | 'PAYLOAD_INVALID'
  | 'APPROVAL_NOT_FOUND'
  | 'INTERNAL';

export type RuntimeError = WorkTrainError<RuntimeErrorCode>;

export function runtimeError(
  code: RuntimeErrorCode,
  message: string,
  details?: Record<string, unknown>,
): RuntimeError {
  return makeError(code, message, details);
}
