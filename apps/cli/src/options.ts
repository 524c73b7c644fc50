import { err, ok, parseDuration, type Result } from '@worktrain/contracts';
import * as z from 'zod';
import { type CliError, usageError } from './cli-error.js';
import type { OutputFormat } from './render.js';

/** Options every command accepts. */
export interface GlobalOptions {
  /** `--home <dir>`; when absent the data directory comes from WORKTRAIN_HOME, else ~/.worktrain. */
  readonly home?: string;
  readonly format: OutputFormat;
}

const GlobalOptionsSchema = z.object({
  home: z.string().min(1).optional(),
  format: z.enum(['text', 'json']).default('text'),
});

/** Validates commander's merged option bag (`optsWithGlobals()`), which is untyped. */
export function parseGlobalOptions(raw: unknown): Result<GlobalOptions, CliError> {
  const parsed = GlobalOptionsSchema.safeParse(raw);
  if (!parsed.success)
    return err(usageError(`invalid global option: ${parsed.error.issues[0]?.message ?? ''}`));
  return ok(parsed.data.home === undefined ? { format: parsed.data.format } : parsed.data);
}

/** Parses a non-negative integer option (`--limit 20`, `--after 5`). USAGE error otherwise. */
export function parseNonNegativeInt(
  option: string,
  value: string | undefined,
): Result<number | undefined, CliError> {
  if (value === undefined) return ok(undefined);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    return err(usageError(`option '${option}' expects a non-negative integer, got '${value}'`));
  }
  return ok(Number(value));
}

/** Parses a positive integer option (`--limit`). */
export function parsePositiveInt(
  option: string,
  value: string | undefined,
): Result<number | undefined, CliError> {
  return parseNonNegativeInt(option, value).andThen((n) =>
    n === 0 ? err(usageError(`option '${option}' must be at least 1`)) : ok(n),
  );
}

/**
 * Parses `--since`: either a duration back from `nowMs` (`30m`, `12h`, `7d`, `2w`, `45s`) or an ISO 8601
 * date/time (`2026-11-25`, `2026-11-25T10:00:00Z`). Returns ms since the epoch; USAGE error otherwise.
 */
export function parseSince(value: string | undefined, nowMs: number): Result<number | undefined, CliError> {
  if (value === undefined) return ok(undefined);
  const duration = parseDuration(value);
  if (duration !== undefined) return ok(nowMs - duration);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ok(ms);
  }
  return err(
    usageError(
      `option '--since' expects a duration (30m, 12h, 7d) or an ISO date (2026-11-25), got '${value}'`,
    ),
  );
}
