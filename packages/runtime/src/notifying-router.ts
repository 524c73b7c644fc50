import type { Result } from '@worktrain/contracts';
import {
  type DispatchOutcome,
  type ParsedEvent,
  type PollState,
  type TriggerDefinition,
  type TriggerError,
  TriggerRouter,
  type TriggerRouterOptions,
} from '@worktrain/triggers';

/**
 * The trigger router of a daemon that also runs the workers: every event it admits as a new task (webhook,
 * poll, schedule tick) wakes the local workers at once through `onEnqueued(queue, outcome)`, instead of leaving the
 * task to their next poll. The router enqueues with `enqueueSync` inside its own transaction, which the
 * queue handle the workers wait on cannot see. `onEnqueued` runs after the admitting commit for a plain
 * dispatch; inside `TriggerStore.batch` it runs before the shared commit, which is still safe because a
 * woken worker claims through the same connection only after the batch has committed (same thread).
 */
export class NotifyingTriggerRouter extends TriggerRouter {
  readonly #onEnqueued: (queue: string, outcome: DispatchOutcome) => void;

  constructor(options: TriggerRouterOptions, onEnqueued: (queue: string, outcome: DispatchOutcome) => void) {
    super(options);
    this.#onEnqueued = onEnqueued;
  }

  override dispatch(
    trigger: TriggerDefinition,
    parsed: ParsedEvent,
    refs: { deliveryId?: string | null; pollState?: PollState } = {},
  ): Result<DispatchOutcome, TriggerError> {
    const outcome = super.dispatch(trigger, parsed, refs);
    if (outcome.isOk() && outcome.value.status === 'enqueued') this.#onEnqueued(trigger.queue, outcome.value);
    return outcome;
  }
}
