import { err, ok, type Result } from '@worktrain/contracts';
import type { TriggerDefinition } from '../config/schema.js';
import { type TriggerError, triggerError } from '../errors.js';
import { type Evaluation, evaluateEvent } from './evaluate.js';

/** `issues.polled`, `pull_request.polled`, `merge_request.polled`, `jira:issue_polled`, `Issue.polled`. */
const POLLED_EVENT = /(^|[.:_])polled$/;

/**
 * What `payload` delivered as `event` would do for `trigger`, without verifying a signature or writing
 * anything (`worktrain trigger test`):
 * - a polled event name (`issues.polled`, `merge_request.polled`, `jira:issue_polled`…), or any event for a
 *   trigger that only polls: the payload is one item as the source's API returns it, turned into the
 *   event a poll would make (`PollerV1.parseItem`);
 * - otherwise, for providers with webhooks: the payload is a delivery of `event` (GitHub `issues.labeled`,
 *   GitLab `Issue Hook`, Jira `jira:issue_updated`, a generic webhook's event), parsed with the headers a
 *   real delivery carries;
 * - schedule triggers evaluate one tick at `now` (the payload is ignored).
 * Errors: PAYLOAD_INVALID (not JSON, the provider cannot parse it, or a dotted `event` such as
 * `issues.opened` whose action the payload contradicts), NOT_SUPPORTED (the provider offers
 * no way to dry-run this kind of event).
 */
export function dryRunEvent(
  trigger: TriggerDefinition,
  event: string,
  payloadText: string,
  now: number,
): Result<Evaluation, TriggerError> {
  const hook = trigger.provider.webhook;
  const poller = trigger.provider.poll;
  const schedule = trigger.provider.schedule;
  const asPolled = POLLED_EVENT.test(event) || (!hook && !schedule);
  if (asPolled && poller?.parseItem) {
    let item: unknown;
    try {
      item = JSON.parse(payloadText);
    } catch {
      return err(triggerError('PAYLOAD_INVALID', 'payload is not JSON', { triggerId: trigger.id }));
    }
    const parsed = poller.parseItem(item, trigger.config, event);
    if (parsed.isErr()) return err(parsed.error);
    return ok(evaluateEvent(trigger, parsed.value));
  }
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
    const actual = parsed.value.event;
    // GitHub sends only the type in its header (`issues`); the action is in the body. A dotted --event whose
    // action the body contradicts would otherwise be evaluated silently as the body's event.
    const dot = event.indexOf('.');
    if (dot > 0 && actual !== event && actual.startsWith(event.slice(0, dot + 1)))
      return err(
        triggerError(
          'PAYLOAD_INVALID',
          `--event is ${event} but the payload is a delivery of ${actual} (its action field says ${actual.slice(dot + 1)})`,
          { triggerId: trigger.id, event, payloadEvent: actual },
        ),
      );
    return ok(evaluateEvent(trigger, parsed.value));
  }
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
      `trigger "${trigger.id}" (${trigger.providerName}) has no webhook, schedule or item parser to dry-run`,
      { triggerId: trigger.id },
    ),
  );
}
