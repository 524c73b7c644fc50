/**
 * Option parsing shared by the `queue` subcommands: the task states, `--older-than`, `--state`, `--reason`,
 * the audit actor, and the `--database-url` / `--schema` target flags with the `--queue/--since/--limit` filters.
 */
import { userInfo } from 'node:os';
import { err, ok, parseDuration, type Result } from '@worktrain/contracts';
import type { TaskState } from '@worktrain/queue';
import type { Command } from 'commander';
import { type CliError, usageError } from '../../cli-error.js';
import { parsePositiveInt, parseSince } from '../../options.js';
import type { QueueTarget } from '../../queue-access.js';

/**
 * The task states (`TASK_STATES` of `@worktrain/queue`, same order), for `--state` help and parsing without
 * loading the queue package; a test keeps the two lists equal.
 */
export const TASK_STATES = [
  'pending',
  'leased',
  'succeeded',
  'failed',
  'dead',
] as const satisfies readonly TaskState[];

/** Parses `--older-than`: a duration such as `45s`, `30m`, `12h`, `7d`, `2w` → ms (contracts' `parseDuration`). USAGE error otherwise. */
export function parseOlderThan(value: string): Result<number, CliError> {
  const ms = parseDuration(value);
  if (ms === undefined) {
    return err(usageError(`option '--older-than' expects a duration (30m, 12h, 7d, 2w), got '${value}'`));
  }
  return ok(ms);
}

/** `--state`: one of {@link TASK_STATES}. */
export function parseState(value: string | undefined): Result<TaskState | undefined, CliError> {
  if (value === undefined) return ok(undefined);
  const state = TASK_STATES.find((s) => s === value.trim());
  if (state === undefined) {
    return err(usageError(`option '--state' expects one of ${TASK_STATES.join(', ')}; got '${value}'`));
  }
  return ok(state);
}

/** `--reason`: trimmed, not empty. */
export function parseReason(value: string): Result<string, CliError> {
  return value.trim() === '' ? err(usageError("option '--reason' must not be empty")) : ok(value.trim());
}

/**
 * The audit actor when `--actor` is not given: `cli:$USER`, else `cli:$LOGNAME`, else `cli:<account>` with the
 * account name of this process (`os.userInfo()`; cron, containers and `env -i` set neither variable), else
 * `cli:unknown` (an account without a passwd entry).
 */
export function defaultActor(
  env: Readonly<Record<string, string | undefined>>,
  accountName: () => string | null = osAccountName,
): string {
  const user = env.USER?.trim() || env.LOGNAME?.trim() || accountName()?.trim() || 'unknown';
  return `cli:${user}`;
}

function osAccountName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null; // no passwd entry for the uid (os.userInfo throws SystemError)
  }
}

export interface TargetFlags {
  databaseUrl?: string;
  schema?: string;
}

/** `--database-url` and `--schema` on every queue command (SQLite in the data directory otherwise). */
export function withTargetOptions(command: Command): Command {
  return command
    .option(
      '--database-url <url>',
      'use the PostgreSQL queue at this postgres:// URL (default: $WORKTRAIN_DATABASE_URL, else SQLite in the data directory)',
    )
    .option(
      '--schema <name>',
      'PostgreSQL schema of the queue (default: $WORKTRAIN_DATABASE_SCHEMA, else worktrain)',
    );
}

export function targetOf(globals: { readonly home?: string }, raw: TargetFlags): QueueTarget {
  return {
    ...(globals.home !== undefined ? { home: globals.home } : {}),
    ...(raw.databaseUrl !== undefined ? { databaseUrl: raw.databaseUrl } : {}),
    ...(raw.schema !== undefined ? { schema: raw.schema } : {}),
  };
}

export function parseFilters(
  raw: { queue?: string; since?: string; limit?: string },
  nowMs: number,
): Result<{ queue?: string; since?: number; limit?: number }, CliError> {
  return parsePositiveInt('--limit', raw.limit).andThen((limit) =>
    parseSince(raw.since, nowMs).map((since) => ({
      ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(limit !== undefined ? { limit: Math.min(limit, 1000) } : {}),
    })),
  );
}
