/** Option parsing shared by the `sessions` subcommands: `--status`, repeatable options and `--home`. */
import { err, ok, type Result } from '@worktrain/contracts';
import type { SessionStatus } from '@worktrain/session-store';
import { type CliError, usageError } from '../../cli-error.js';

/** The statuses `--status` accepts, in the order help lists them. */
export const SESSION_STATUSES: readonly SessionStatus[] = [
  'running',
  'blocked',
  'awaiting_approval',
  'completed',
  'failed',
  'aborted',
];

/** `--status` values (repeatable, comma-separated) → statuses; undefined when none. USAGE error otherwise. */
export function parseStatuses(
  raw: readonly string[] | undefined,
): Result<readonly SessionStatus[] | undefined, CliError> {
  if (raw === undefined || raw.length === 0) return ok(undefined);
  const statuses: SessionStatus[] = [];
  for (const value of raw.flatMap((s) => s.split(',')).map((s) => s.trim())) {
    const status = SESSION_STATUSES.find((s) => s === value);
    if (!status) {
      return err(
        usageError(`option '--status' expects one of ${SESSION_STATUSES.join(', ')}; got '${value}'`),
      );
    }
    statuses.push(status);
  }
  return ok(statuses);
}

/** commander argParser of a repeatable option. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `{ home }` when `--home` was given, else `{}`. */
export function homeOf(globals: { readonly home?: string }): { home?: string } {
  return globals.home !== undefined ? { home: globals.home } : {};
}
