import type { DispatchOutcome, TriggerRouterOptions } from '@worktrain/triggers';
import { TriggerRouter } from '@worktrain/triggers';

/**
 * The trigger router of a daemon that also runs the workers: every event it admits as a new task (webhook,
 * poll item, schedule tick) wakes the local workers at once through `onEnqueued(queue, outcome)`, instead of
 * leaving the task to their next poll. The call goes through the router's `onEnqueued` option, so it runs
 * only after the admitting transaction has committed — for group-committed webhooks and poll pages, after
 * the shared commit of the whole batch (and never for a batch that rolled back) — and a woken worker, on any
 * connection, finds the task.
 */
export class NotifyingTriggerRouter extends TriggerRouter {
  constructor(
    options: Omit<TriggerRouterOptions, 'onEnqueued'>,
    onEnqueued: (queue: string, outcome: DispatchOutcome) => void,
  ) {
    super({ ...options, onEnqueued: (outcome, trigger) => onEnqueued(trigger.queue, outcome) });
  }
}
