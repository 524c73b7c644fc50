/**
 * The one duration parser of WorkTrain: `policy.yaml`'s `autoApproveAfter`, and the CLI's `--older-than`,
 * `--since` and friends all read `45s`, `30m`, `12h`, `7d`, `2w` (and `250ms`) the same way.
 */

/** Milliseconds per unit a duration may use. */
export const DURATION_UNITS_MS: Readonly<Record<'ms' | 's' | 'm' | 'h' | 'd' | 'w', number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+)\s*(ms|s|m|h|d|w)$/;

/**
 * Parses a duration → milliseconds: a whole number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`; spaces around
 * and between allowed), or a number that already is milliseconds (a non-negative safe integer, as YAML gives
 * `autoApproveAfter: 60000`). Undefined for anything else (`5 minutes`, `1.5h`, `-1s`, `30`, a result beyond
 * `Number.MAX_SAFE_INTEGER`): callers turn that into their own error (a config issue, a usage error).
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = DURATION.exec(value.trim());
  if (m === null) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2] as keyof typeof DURATION_UNITS_MS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
