import { err, ok, type Result } from '@worktrain/contracts';
import { Cron } from 'croner';
import { type TriggerError, triggerError } from './errors.js';

/**
 * Checks a 5-field cron expression (minute hour day-of-month month day-of-week, croner syntax) in an IANA
 * time zone. CRON_INVALID when croner rejects it, when it has not exactly 5 fields, when the zone is
 * unknown, or when it never fires (e.g. `0 0 30 2 *`, February 30th).
 */
export function checkCron(expression: string, timezone: string): Result<Cron, TriggerError> {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return err(
      triggerError(
        'CRON_INVALID',
        `cron expression must have 5 fields (minute hour day month weekday), got ${fields.length}: "${expression}"`,
        { expression },
      ),
    );
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return err(triggerError('CRON_INVALID', `unknown IANA time zone "${timezone}"`, { timezone }));
  }
  let cron: Cron;
  try {
    // mode '5-part': seconds fixed at 0 and years wildcarded, as the 5-field check above promises;
    // domAndDow false: day-of-month and day-of-week match with OR, as in Vixie cron (croner ≤ 9's legacyMode).
    cron = new Cron(expression, { timezone, paused: true, mode: '5-part', domAndDow: false });
  } catch (thrown) {
    return err(
      triggerError(
        'CRON_INVALID',
        `invalid cron expression "${expression}": ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        { expression },
      ),
    );
  }
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null)
    return err(
      triggerError('CRON_INVALID', `cron expression "${expression}" never fires (no next run)`, {
        expression,
      }),
    );
  return ok(cron);
}

/**
 * The next `count` run instants (ms epoch, ascending) strictly after `fromMs`, per croner 11, whose DST
 * rules follow Vixie cron (croner README, "DST handling"):
 * - a fixed-time job (a single minute and a single hour, e.g. `30 2 * * *`) whose wall time falls in a
 *   spring-forward gap runs at the first valid instant after the gap, the same day; in a fall-back
 *   overlap it runs once, at the first occurrence;
 * - an interval job (a wildcard, step, range or list in minute or hour, e.g. `0 * * * *`) skips wall times
 *   in a gap and runs on both occurrences of a repeated wall time.
 * The scheduler computes its ticks with the same `Cron` (see `checkCron`), so these are the instants it fires.
 */
export function nextRuns(
  expression: string,
  timezone: string,
  fromMs: number,
  count: number,
): Result<number[], TriggerError> {
  return checkCron(expression, timezone).map((cron) =>
    cron.nextRuns(count, new Date(fromMs)).map((d) => d.getTime()),
  );
}
