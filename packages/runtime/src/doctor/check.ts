/**
 * The shape of `worktrain doctor`'s findings: one {@link DoctorCheck} per concern (node, git, home,
 * database, …), each `ok`, `warn` or `fail` with a fix hint, gathered in a {@link DoctorReport}.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** The concern, e.g. `database`; stable (scripts read `--format json`). */
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do about a `warn` or `fail`. */
  readonly fix?: string;
  /** Machine-readable specifics (paths, issues with line and column, problems per trigger). */
  readonly details?: Record<string, unknown>;
}

export interface DoctorReport {
  /** `WORKTRAIN_HOME` the checks looked at. */
  readonly home: string;
  /** False when any check failed. */
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
}

/** A {@link DoctorCheck} without the optional fields it was not given. */
export function doctorCheck(
  name: string,
  status: CheckStatus,
  message: string,
  fix?: string,
  details?: Record<string, unknown>,
): DoctorCheck {
  return {
    name,
    status,
    message,
    ...(fix !== undefined ? { fix } : {}),
    ...(details !== undefined ? { details } : {}),
  };
}
