import { err, ok, type Result } from '@worktrain/contracts';
import type { TriggerDefinition } from '../config/schema.js';
import { type TriggerError, triggerError } from '../errors.js';
import { type Evaluation, evaluateEvent } from './evaluate.js';

/**
 * What `payload` delivered as `event` would do for `trigger`, without verifying a signature or writing
 * anything (`worktrain trigger test`). Webhook triggers parse the payload as a delivery of `event`;
 * schedule triggers evaluate one tick at `now` (the payload is ignored). Errors: NOT_SUPPORTED (a
 * poll-only trigger), PAYLOAD_INVALID (the provider cannot parse it).
 */
export function dryRunEvent(
  trigger: TriggerDefinition,
  event: string,
  payloadText: string,
  now: number,
): Result<Evaluation, TriggerError> {
  const hook = trigger.provider.webhook;
  if (hook) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(hook.eventHeaders?.(event, trigger.config) ?? {}),
    };
    const parsed = hook.parse(
      { headers, rawBody: Buffer.from(payloadText, 'utf8'), receivedAt: now },
      trigger.config,
    );
    if (parsed.isErr()) return err(parsed.error);
    return ok(evaluateEvent(trigger, parsed.value));
  }
  const schedule = trigger.provider.schedule;
  if (schedule)
    return ok(
      evaluateEvent(
        trigger,
        schedule.tick({ triggerId: trigger.id, config: trigger.config, at: now, manual: false }),
      ),
    );
  return err(
    triggerError(
      'NOT_SUPPORTED',
      `trigger "${trigger.id}" only polls; dry runs need a webhook or schedule trigger`,
      { triggerId: trigger.id },
    ),
  );
}
