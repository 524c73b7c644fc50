import {
  type Clock,
  err,
  type Logger,
  ok,
  type Result,
  silentLogger,
  systemClock,
} from '@worktrain/contracts';
import type { TaskCandidate } from '../candidate.js';
import type { TriggerConfig } from '../config/load.js';
import type { TriggerDefinition } from '../config/schema.js';
import { type TriggerError, triggerError } from '../errors.js';
import type { ParsedEvent, WebhookRequest } from '../provider.js';
import type { PollState, TriggerStore } from '../store/trigger-store.js';
import { type Evaluation, evaluateEvent } from './evaluate.js';

/** What happened to one event. `duplicate` covers replayed deliveries and items that already made a task. */
export interface DispatchOutcome {
  readonly status: 'enqueued' | 'duplicate' | 'ignored';
  readonly triggerId: string;
  readonly event: string;
  readonly taskId: string | null;
  readonly candidate: TaskCandidate | null;
  readonly reason: string | null;
}

export interface TriggerRouterOptions {
  readonly config: TriggerConfig;
  readonly store: TriggerStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * Called for every event admitted as a new task (webhook, poll item, schedule tick), e.g. to wake
   * workers at once instead of at their next poll. Runs only once the admitting transaction has committed,
   * through {@link TriggerStore.afterCommit}: at once for a plain {@link TriggerRouter.dispatch} or
   * {@link TriggerRouter.receiveWebhook}; after the shared commit (and its WAL fsync) for a dispatch inside
   * `TriggerStore.batch` ({@link TriggerRouter.receiveWebhookAsync}, poll pages), before that batch's promises
   * resolve; never when the batch or the call's savepoint rolls back. So the task is visible to every
   * connection when it runs. Exceptions it throws are ignored (the task is committed either way).
   */
  readonly onEnqueued?: (outcome: DispatchOutcome, trigger: TriggerDefinition) => void;
  /**
   * Whether the trigger's tasks can run at all (the host's check: its workflow loads, its workspace is a
   * usable repository). {@link TriggerRouter.receiveWebhookAsync} asks it for every verified webhook and
   * answers its error (TRIGGER_NOT_RUNNABLE) instead of making a task that could only dead-letter. The
   * daemon injects its own check here; none: every trigger is taken as runnable.
   */
  readonly runnable?: (trigger: TriggerDefinition) => Promise<Result<void, TriggerError>>;
}

/**
 * Turns events into tasks: verifies and parses webhooks through the trigger's provider, filters events,
 * applies `dispatchCondition`, renders the goal, and admits the candidate through the store (dedupe on
 * `<workflowId>:<sourceId>`, or `pipeline:<kind>:<sourceId>` for a pipeline trigger, across webhooks, polls
 * and restarts, then enqueue) — DESIGN §6. The enqueued payload is the candidate, which carries the
 * trigger's `workflowId` or `pipeline` as admitted.
 * The config is swappable (`setConfig`, hot reload); a call in flight keeps the definition it started with.
 */
export class TriggerRouter {
  #config: TriggerConfig;
  #byId: Map<string, TriggerDefinition>;
  readonly #store: TriggerStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onEnqueued: TriggerRouterOptions['onEnqueued'];
  readonly #runnable: TriggerRouterOptions['runnable'];

  constructor(options: TriggerRouterOptions) {
    this.#config = options.config;
    this.#byId = indexById(options.config);
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#onEnqueued = options.onEnqueued;
    this.#runnable = options.runnable;
  }

  /** Group commits of the store so far ({@link TriggerStore.commitBatches}); for metrics. */
  get commitBatches(): number {
    return this.#store.commitBatches;
  }

  /** Calls those group commits carried ({@link TriggerStore.commitBatchCalls}); for metrics. */
  get commitBatchCalls(): number {
    return this.#store.commitBatchCalls;
  }

  get config(): TriggerConfig {
    return this.#config;
  }

  /** Replaces the trigger set (hot reload). */
  setConfig(config: TriggerConfig): void {
    this.#config = config;
    this.#byId = indexById(config);
  }

  trigger(id: string): Result<TriggerDefinition, TriggerError> {
    const t = this.#byId.get(id);
    return t
      ? ok(t)
      : err(triggerError('TRIGGER_NOT_FOUND', `no trigger with id "${id}"`, { triggerId: id }));
  }

  /**
   * Handles `POST /webhooks/:triggerId`. Order: trigger exists and is enabled with a webhook part
   * (TRIGGER_NOT_FOUND / NOT_SUPPORTED) → body size (PAYLOAD_TOO_LARGE) → signature (SIGNATURE_INVALID, no
   * database write, so forged floods cost nothing durable) → parse (PAYLOAD_INVALID) → evaluate → admit.
   * A replayed delivery id is a `duplicate` outcome, not an error.
   */
  receiveWebhook(triggerId: string, request: WebhookRequest): Result<DispatchOutcome, TriggerError> {
    return this.#preflight(triggerId, request).andThen((p) =>
      this.dispatch(p.trigger, p.parsed, { deliveryId: p.deliveryId }),
    );
  }

  /**
   * {@link receiveWebhook} with group commit: the checks run at once (their errors resolve at once, nothing
   * written), the dispatch joins the store's next shared transaction (see `TriggerStore.batch`). Resolves
   * once the outcome is durable, after {@link TriggerRouterOptions.onEnqueued} ran for it; STORE_IO when the
   * shared transaction or the WAL fsync failed (nothing acknowledged; see `TriggerStore.batch`). Use this in HTTP
   * servers: on a disk that commits ~150 fsync'd transactions/s it still accepts thousands of webhooks/s.
   * With a {@link TriggerRouterOptions.runnable} check, a verified webhook of a trigger that cannot run is
   * its error (TRIGGER_NOT_RUNNABLE), and nothing is written.
   */
  receiveWebhookAsync(
    triggerId: string,
    request: WebhookRequest,
  ): Promise<Result<DispatchOutcome, TriggerError>> {
    const p = this.#preflight(triggerId, request);
    if (p.isErr()) return Promise.resolve(err(p.error));
    const { trigger, parsed, deliveryId } = p.value;
    const admit = () => this.#store.batch(() => this.dispatch(trigger, parsed, { deliveryId }));
    if (this.#runnable === undefined) return admit();
    return this.#runnable(trigger).then((runnable) => (runnable.isErr() ? err(runnable.error) : admit()));
  }

  #preflight(
    triggerId: string,
    request: WebhookRequest,
  ): Result<{ trigger: TriggerDefinition; parsed: ParsedEvent; deliveryId: string | null }, TriggerError> {
    const found = this.trigger(triggerId);
    if (found.isErr()) return err(found.error);
    const trigger = found.value;
    const hook = trigger.provider.webhook;
    if (!trigger.enabled)
      return err(triggerError('NOT_SUPPORTED', `trigger "${triggerId}" is disabled`, { triggerId }));
    if (!hook)
      return err(
        triggerError('NOT_SUPPORTED', `trigger "${triggerId}" (${trigger.providerName}) takes no webhooks`, {
          triggerId,
        }),
      );
    if (request.rawBody.byteLength > trigger.maxBodyBytes)
      return err(
        triggerError(
          'PAYLOAD_TOO_LARGE',
          `body of ${request.rawBody.byteLength} bytes exceeds ${trigger.maxBodyBytes}`,
          {
            triggerId,
            limit: trigger.maxBodyBytes,
          },
        ),
      );
    const verified = hook.verify(request, trigger.config);
    if (verified.isErr()) {
      this.#logger.warn({ triggerId, code: verified.error.code }, 'webhook rejected: signature');
      return err(verified.error);
    }
    const parsed = hook.parse(request, trigger.config);
    if (parsed.isErr()) return err(parsed.error);
    const deliveryId = hook.deliveryId?.(request, trigger.config) ?? null;
    return ok({ trigger, parsed: parsed.value, deliveryId });
  }

  /** Dry run: what `event` would do for the trigger, without writing anything. */
  evaluate(trigger: TriggerDefinition, parsed: ParsedEvent): Evaluation {
    return evaluateEvent(trigger, parsed);
  }

  /**
   * Evaluates and, when it matches, admits one event (from a webhook, a poll or a schedule tick).
   * `pollState` is written in the admitting transaction (schedules record the tick they fired). A new task
   * schedules {@link TriggerRouterOptions.onEnqueued} for after its commit (`TriggerStore.afterCommit`).
   */
  dispatch(
    trigger: TriggerDefinition,
    parsed: ParsedEvent,
    refs: { deliveryId?: string | null; pollState?: PollState } = {},
  ): Result<DispatchOutcome, TriggerError> {
    const evaluation = evaluateEvent(trigger, parsed);
    const base = { triggerId: trigger.id, event: parsed.event };
    const deliveryId = refs.deliveryId ?? null;
    if (!evaluation.matched || evaluation.candidate === null) {
      if (deliveryId !== null) {
        const fresh = this.#store.recordDelivery(trigger.id, deliveryId);
        if (fresh.isErr()) return err(fresh.error);
        if (!fresh.value)
          return ok({
            ...base,
            status: 'duplicate',
            taskId: null,
            candidate: null,
            reason: `delivery ${deliveryId} was already received`,
          });
      }
      const reason = evaluation.reason ?? 'not matched';
      const kind = evaluation.error ? 'error' : 'rejected';
      const rec = this.#store.recordEvent(trigger.id, kind, reason, {
        sourceId: parsed.draft?.sourceId ?? null,
      });
      if (rec.isErr()) return err(rec.error);
      if (evaluation.error) this.#logger.warn({ triggerId: trigger.id, code: evaluation.error.code }, reason);
      return ok({ ...base, status: 'ignored', taskId: null, candidate: null, reason });
    }
    const candidate = evaluation.candidate;
    const admitted = this.#store.admit({
      triggerId: trigger.id,
      sourceId: candidate.sourceId,
      deliveryId,
      dedupeKey: dedupeKeyOf(trigger, candidate.sourceId),
      dedupeWindowMs: trigger.dedupeWindowMs,
      enqueue: {
        queue: trigger.queue,
        payload: candidate,
        priority: trigger.priority,
        ...(trigger.maxAttempts !== null ? { maxAttempts: trigger.maxAttempts } : {}),
        actor: `trigger:${trigger.id}`,
      },
      ...(refs.pollState ? { pollState: refs.pollState } : {}),
    });
    if (admitted.isErr()) return err(admitted.error);
    const a = admitted.value;
    if (a.status === 'enqueued') {
      this.#logger.info(
        { triggerId: trigger.id, taskId: a.taskId, sourceId: candidate.sourceId },
        'task enqueued',
      );
      const outcome: DispatchOutcome = {
        ...base,
        status: 'enqueued',
        taskId: a.taskId,
        candidate,
        reason: null,
      };
      const onEnqueued = this.#onEnqueued;
      if (onEnqueued !== undefined) this.#store.afterCommit(() => onEnqueued(outcome, trigger));
      return ok(outcome);
    }
    return ok({ ...base, status: 'duplicate', taskId: a.taskId, candidate, reason: a.reason });
  }

  /** The clock the router stamps with (exposed for schedulers sharing it). */
  now(): number {
    return this.#clock.now();
  }
}

/** The item's dedupe key: one task per item and workflow (or pipeline kind) within the window. */
function dedupeKeyOf(trigger: TriggerDefinition, sourceId: string): string {
  return trigger.pipeline !== null
    ? `pipeline:${trigger.pipeline}:${sourceId}`
    : `${trigger.workflowId ?? ''}:${sourceId}`;
}

function indexById(config: TriggerConfig): Map<string, TriggerDefinition> {
  return new Map(config.triggers.map((t) => [t.id, t]));
}
