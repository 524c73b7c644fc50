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
    cron = new Cron(expression, { timezone, paused: true, legacyMode: true });
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
 * The next `count` run instants (ms epoch, ascending) strictly after `fromMs`, per croner (DST handled by
 * croner: a wall time skipped by a spring-forward gap does not fire; a repeated hour fires once).
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
