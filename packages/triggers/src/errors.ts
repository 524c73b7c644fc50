import { type ConfigIssue, makeError, type WorkTrainError } from '@worktrain/contracts';

/**
 * Error codes of `@worktrain/triggers` (closed union).
 * - CONFIG_YAML: triggers.yaml is not acceptable YAML (syntax, tabs in indentation, anchors/aliases,
 *   duplicate keys); `details.issues` lists `{path, line, col, message}`.
 * - CONFIG_INVALID: the YAML parsed but fails the schema or uses an unset `$NAME` (issue code
 *   `ENV_UNSET`); `details.issues` as above.
 * - CONFIG_NOT_FOUND: a triggers file the caller required (`globalRequired`, e.g. `--config`) does not
 *   exist (`details.path`). The default global file missing is not an error: it means no triggers.
 * - UNKNOWN_PROVIDER: `provider:` names neither a built-in nor an installed package.
 * - PROVIDER_LOAD_FAILED: the provider package threw while loading or exports no valid provider.
 * - TRIGGER_NOT_FOUND: no trigger with that id.
 * - NOT_SUPPORTED: the trigger's provider has no webhook / poll / schedule part.
 * - SIGNATURE_INVALID: the webhook's signature or token does not verify (or is missing).
 * - PAYLOAD_TOO_LARGE: the body exceeds the trigger's limit (bytes).
 * - PAYLOAD_INVALID: the body is not JSON or lacks what the provider needs.
 * - DUPLICATE_DELIVERY: a webhook delivery id already seen (a replay).
 * - TEMPLATE_FIELD_MISSING: `goalTemplate` refers to a field the payload lacks.
 * - CRON_INVALID: a cron expression or time zone that croner rejects, or one with no next run.
 * - UPSTREAM_AUTH: the forge answered 401/403; the trigger is disabled until the config changes.
 * - UPSTREAM_UNAVAILABLE: 5xx, 429 or a network error; retried with backoff.
 * - UPSTREAM_INVALID: the forge answered something that does not match its documented shape.
 * - STORE_IO: the trigger state database failed (or the queue refused the task; `details.queueCode`).
 * - TRIGGER_NOT_RUNNABLE: the trigger's tasks could not run (its workflow does not load, its workspace is
 *   not a usable repository): the check a host injects (`TriggerRouterOptions.runnable`) says why in
 *   `details.issues` (`{triggerId, file, path, message}`).
 */
export type TriggerErrorCode =
  | 'CONFIG_YAML'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'UNKNOWN_PROVIDER'
  | 'PROVIDER_LOAD_FAILED'
  | 'TRIGGER_NOT_FOUND'
  | 'NOT_SUPPORTED'
  | 'SIGNATURE_INVALID'
  | 'PAYLOAD_TOO_LARGE'
  | 'PAYLOAD_INVALID'
  | 'DUPLICATE_DELIVERY'
  | 'TEMPLATE_FIELD_MISSING'
  | 'CRON_INVALID'
  | 'UPSTREAM_AUTH'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_INVALID'
  | 'STORE_IO'
  | 'TRIGGER_NOT_RUNNABLE';

export type TriggerError = WorkTrainError<TriggerErrorCode>;

/** Builds a {@link TriggerError}. */
export function triggerError(
  code: TriggerErrorCode,
  message: string,
  details?: Record<string, unknown>,
): TriggerError {
  return makeError(code, message, details);
}

/** One located problem in a config file (the strict YAML loader's, from `@worktrain/contracts`). */
export type { ConfigIssue };
