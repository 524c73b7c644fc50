/**
 * Running one delivery stage with its events: `delivery_attempted` before, `delivery_recorded` after
 * (succeeded, skipped, failed or awaiting_approval), each under a per-stage idempotency key; a stage that
 * already succeeded in this delivery round is reused from its record or run again without events.
 */
import { errAsync, type JsonObject, type Logger, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from '../errors.js';
import type { DeliveryStage, StageRecord, StageRecorder } from '../recorder.js';

/** A stage's value and the record it leaves. */
export type StageValue<T> = { readonly value: T; readonly record: StageRecord };

/**
 * Runs the stage `name`; `fromRecord` reuses an earlier success instead of repeating it (without it, a
 * done stage runs again unrecorded). Errors are the stage's, with the push token redacted.
 */
export type RunStage = <T>(
  name: DeliveryStage,
  run: () => ResultAsync<StageValue<T>, DeliveryError>,
  fromRecord?: (record: StageRecord) => T,
) => ResultAsync<T, DeliveryError>;

/** The stage runner of one delivery round. */
export function createStageRunner(recorder: StageRecorder, logger: Logger, pushToken?: string): RunStage {
  const redact = redactor(pushToken);
  return <T>(
    name: DeliveryStage,
    run: () => ResultAsync<StageValue<T>, DeliveryError>,
    fromRecord?: (record: StageRecord) => T,
  ): ResultAsync<T, DeliveryError> =>
    recorder.lastRecord(name).andThen((last) => {
      const done = last !== undefined && (last.outcome === 'succeeded' || last.outcome === 'skipped');
      if (done && fromRecord !== undefined) return okAsync(fromRecord(last));
      if (done) return run().map((r) => r.value);
      return recorder.attempted(name).andThen((attempt) =>
        run()
          .mapErr(redact)
          .andThen((r) => recorder.recorded(name, attempt, r.record).map(() => r.value))
          .orElse((e) => {
            logger.warn({ stage: name, code: e.code }, e.message);
            const outcome = e.code === 'NEEDS_APPROVAL' ? 'awaiting_approval' : 'failed';
            return recorder
              .recorded(name, attempt, { outcome, details: failureDetails(e) })
              .andThen(() => errAsync<T, DeliveryError>(e));
          }),
      );
    });
}

/** Error → JSON details for a `failed` record; stderr is left out (it can echo remote URLs). */
export function failureDetails(e: DeliveryError): JsonObject {
  const { stderrTail: _omit, ...rest } = e.details ?? {};
  return JSON.parse(JSON.stringify({ code: e.code, message: e.message, ...rest })) as JsonObject;
}

/** Replaces every occurrence of the token in an error (message and details) with `***`. */
export function redactor(token: string | undefined): (e: DeliveryError) => DeliveryError {
  if (token === undefined || token.length < 4) return (e) => e;
  const scrub = (text: string) => text.split(token).join('***');
  return (e) => {
    const details =
      e.details === undefined
        ? undefined
        : (JSON.parse(scrub(JSON.stringify(e.details))) as Record<string, unknown>);
    return deliveryError(e.code, scrub(e.message), details);
  };
}
